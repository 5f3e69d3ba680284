-- 004: Postgres as the Celery broker and result backend. These are the tables kombu's
-- SQLAlchemy transport (sqla+postgresql://) and Celery's database backend (db+postgresql://)
-- create; the migrations own them so app_user never needs CREATE.
SET ROLE skeldir_admin;

CREATE TABLE public.kombu_queue (
    id    serial PRIMARY KEY,
    name  varchar(200) NOT NULL UNIQUE
);

CREATE TABLE public.kombu_message (
    id         serial PRIMARY KEY,
    visible    boolean NOT NULL DEFAULT true,
    timestamp  timestamp NOT NULL DEFAULT now(),
    payload    text NOT NULL,
    version    smallint NOT NULL DEFAULT 1,
    queue_id   integer NOT NULL REFERENCES public.kombu_queue (id)
);
CREATE INDEX ix_kombu_message_visible ON public.kombu_message (visible);

CREATE TABLE public.celery_taskmeta (
    id         serial PRIMARY KEY,
    task_id    varchar(155) UNIQUE,
    status     varchar(50),
    result     bytea,
    date_done  timestamp,
    traceback  text,
    name       varchar(155),
    queue      varchar(155)
);

CREATE TABLE public.celery_tasksetmeta (
    id          serial PRIMARY KEY,
    taskset_id  varchar(155) UNIQUE,
    result      bytea,
    date_done   timestamp
);

GRANT SELECT, INSERT, UPDATE, DELETE ON
    public.kombu_queue, public.kombu_message, public.celery_taskmeta, public.celery_tasksetmeta
  TO app_rw;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app_rw;

RESET ROLE;

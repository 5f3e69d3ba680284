-- 001: core tables, owned by skeldir_admin.
SET ROLE skeldir_admin;

CREATE TABLE public.tenants (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    api_key_hash     text NOT NULL UNIQUE,
    webhook_secrets  jsonb NOT NULL DEFAULT '{}'::jsonb,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.attribution_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES public.tenants (id),
    channel      text NOT NULL,
    revenue_cents bigint NOT NULL DEFAULT 0,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);

-- Written by the webhook ingestion path (app/ingestion/webhook_ingest.py).
CREATE TABLE public.webhook_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES public.tenants (id),
    source       text NOT NULL,
    event_type   text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.worker_failed_jobs (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id        text NOT NULL,
    task_name      text NOT NULL,
    queue          text NOT NULL,
    tenant_id      uuid NOT NULL REFERENCES public.tenants (id),
    retry_count    integer NOT NULL DEFAULT 0,
    status         text NOT NULL DEFAULT 'failed',
    error_message  text,
    failed_at      timestamptz NOT NULL DEFAULT now()
);
-- Non-ASCII on purpose, as in the real migrations: on a WIN1252 cluster this file fails
-- (the record's first attempt); on UTF8 it applies.
COMMENT ON TABLE public.worker_failed_jobs IS '✅ dead-letter store for tasks that exhausted their retries';

CREATE TABLE public.llm_api_calls (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL REFERENCES public.tenants (id),
    correlation_id  text NOT NULL,
    endpoint        text NOT NULL,
    model           text NOT NULL,
    input_tokens    integer NOT NULL DEFAULT 0,
    output_tokens   integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.llm_monthly_costs (
    tenant_id  uuid NOT NULL REFERENCES public.tenants (id),
    month      date NOT NULL,
    calls      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, month)
);

RESET ROLE;

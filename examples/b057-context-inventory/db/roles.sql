-- Roles of the Skeldir database, as the record's runtime bootstrap made them.
-- Run first, as superuser. Re-runnable (roles are cluster-wide).
--
--   skeldir_admin  NOLOGIN  owns every object (the record's migration/admin role)
--   app_rw         NOLOGIN  group role: the runtime privileges are granted to it
--   app_user       LOGIN    the API's and worker's runtime role (DATABASE_URL), member of app_rw
--
-- None is SUPERUSER or BYPASSRLS, and app_user owns nothing, so RLS applies to it.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'skeldir_admin') THEN
    CREATE ROLE skeldir_admin NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_rw') THEN
    CREATE ROLE app_rw NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_user') THEN
    CREATE ROLE app_user LOGIN;
  END IF;
END
$roles$;

ALTER ROLE skeldir_admin NOLOGIN NOSUPERUSER NOBYPASSRLS;
ALTER ROLE app_rw        NOLOGIN NOSUPERUSER NOBYPASSRLS INHERIT;
ALTER ROLE app_user      LOGIN   NOSUPERUSER NOBYPASSRLS INHERIT NOCREATEDB NOCREATEROLE;

GRANT USAGE, CREATE ON SCHEMA public TO skeldir_admin;
GRANT USAGE ON SCHEMA public TO app_rw;

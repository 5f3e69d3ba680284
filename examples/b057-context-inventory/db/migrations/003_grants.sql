-- 003: runtime privileges. Granted to the group role app_rw; app_user inherits them.
SET ROLE skeldir_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    public.attribution_events,
    public.webhook_events,
    public.worker_failed_jobs
  TO app_rw;

-- Not granted (as on main when the record was taken):
--   public.tenants            -> the webhook tenant lookup runs as app_user and fails
--   public.llm_api_calls      -> the LLM stubs cannot write their audit rows
--   public.llm_monthly_costs

RESET ROLE;

GRANT app_rw TO app_user;

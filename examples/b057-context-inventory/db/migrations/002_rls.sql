-- 002: row level security on every tenant table: enabled, forced, one policy reading
-- app.current_tenant_id (NULLIF: an unset or reset GUC means "no tenant", never a cast error).
SET ROLE skeldir_admin;

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON public.tenants
    USING (id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);

DO $rls$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['attribution_events', 'webhook_events', 'worker_failed_jobs',
                           'llm_api_calls', 'llm_monthly_costs'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON public.%I
        USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)$p$, t);
  END LOOP;
END
$rls$;

RESET ROLE;

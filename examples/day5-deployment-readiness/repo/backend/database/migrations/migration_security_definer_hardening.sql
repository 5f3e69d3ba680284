-- Day 5, P0-C: harden every SECURITY DEFINER function.
--   * SET search_path = ''  (nothing resolves through a caller-controlled path)
--   * every table and function reference schema-qualified (public.x, auth.uid())
--   * EXECUTE revoked from PUBLIC and from anon (Supabase's default privileges grant it),
--     granted only to the roles that call the function
-- Re-runnable: CREATE OR REPLACE keeps the signatures, REVOKE/GRANT are idempotent.

CREATE OR REPLACE FUNCTION public.get_user_tenant_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$ SELECT u.tenant_id FROM public.users AS u WHERE u.id = auth.uid() AND u.status = 'active' $$;

CREATE OR REPLACE FUNCTION public.check_twin_ownership(p_twin_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.twins AS t
                 WHERE t.id = p_twin_id AND t.tenant_id = public.get_user_tenant_id())
$$;

CREATE OR REPLACE FUNCTION public.get_twin_job_counts(p_twin_id uuid) RETURNS TABLE (status text, n bigint)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT j.status, count(*) FROM public.jobs AS j
  WHERE j.twin_id = p_twin_id AND public.check_twin_ownership(p_twin_id)
  GROUP BY j.status
$$;

CREATE OR REPLACE FUNCTION public.claim_next_job(p_job_type text) RETURNS public.jobs
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  claimed public.jobs;
BEGIN
  UPDATE public.jobs SET status = 'processing', attempts = attempts + 1, updated_at = pg_catalog.now()
  WHERE id = (SELECT q.id FROM public.jobs AS q WHERE q.job_type = p_job_type AND q.status = 'queued'
              ORDER BY q.created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING * INTO claimed;
  RETURN claimed;
END
$$;

-- Not a definer, but the Database Advisors lint (function_search_path_mutable) flags it too.
ALTER FUNCTION public.set_updated_at() SET search_path = '';

REVOKE ALL ON FUNCTION public.get_user_tenant_id() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION public.check_twin_ownership(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION public.get_twin_job_counts(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION public.claim_next_job(text) FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.get_user_tenant_id() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.check_twin_ownership(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.get_twin_job_counts(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.claim_next_job(text) TO service_role;

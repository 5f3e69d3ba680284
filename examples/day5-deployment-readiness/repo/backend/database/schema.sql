-- twinly base schema (as of release 0.4.0, before Day 5). Applied once to a new project;
-- later changes are in migrations/.

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.users (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked'))
);

CREATE TABLE public.twins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  name text NOT NULL,
  created_by uuid REFERENCES public.users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.sources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  twin_id uuid NOT NULL REFERENCES public.twins (id) ON DELETE CASCADE,
  filename text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.chunks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_id uuid NOT NULL REFERENCES public.sources (id) ON DELETE CASCADE,
  position integer NOT NULL,
  content text NOT NULL
);

CREATE TABLE public.ingestion_logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_id uuid NOT NULL REFERENCES public.sources (id) ON DELETE CASCADE,
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  twin_id uuid NOT NULL REFERENCES public.twins (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES public.conversations (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  twin_id uuid NOT NULL REFERENCES public.twins (id) ON DELETE CASCADE,
  job_type text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  metadata jsonb NOT NULL DEFAULT '{}',
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT valid_job_type CHECK (job_type IN ('ingestion', 'reindex', 'health_check')),
  CONSTRAINT valid_job_status CHECK (status IN ('queued', 'processing', 'complete', 'failed'))
);

CREATE TABLE public.job_logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES public.jobs (id) ON DELETE CASCADE,
  level text NOT NULL,
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Helpers used by the RLS policies and by the API (rpc). As first written: no search_path,
-- unqualified names, EXECUTE left to everyone. migration_security_definer_hardening.sql
-- replaces them.
CREATE FUNCTION public.get_user_tenant_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT tenant_id FROM users WHERE id = auth.uid() $$;

CREATE FUNCTION public.check_twin_ownership(p_twin_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT EXISTS (SELECT 1 FROM twins WHERE id = p_twin_id AND tenant_id = get_user_tenant_id()) $$;

CREATE FUNCTION public.get_twin_job_counts(p_twin_id uuid) RETURNS TABLE (status text, n bigint)
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT status, count(*) FROM jobs WHERE twin_id = p_twin_id GROUP BY status $$;

CREATE FUNCTION public.claim_next_job(p_job_type text) RETURNS public.jobs
LANGUAGE plpgsql SECURITY DEFINER
AS $$
DECLARE
  claimed jobs;
BEGIN
  UPDATE jobs SET status = 'processing', attempts = attempts + 1, updated_at = now()
  WHERE id = (SELECT id FROM jobs WHERE job_type = p_job_type AND status = 'queued'
              ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING * INTO claimed;
  RETURN claimed;
END
$$;

CREATE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;

CREATE TRIGGER twins_updated_at BEFORE UPDATE ON public.twins
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER sources_updated_at BEFORE UPDATE ON public.sources
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
CREATE TRIGGER jobs_updated_at BEFORE UPDATE ON public.jobs
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Row level security: a user sees the rows of their own tenant (the API's service role
-- bypasses it and relies on the auth guard instead).
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.twins ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ingestion_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.job_logs ENABLE ROW LEVEL SECURITY;

CREATE POLICY own_tenant ON public.tenants FOR SELECT TO authenticated
  USING (id = public.get_user_tenant_id());
CREATE POLICY own_user ON public.users FOR SELECT TO authenticated
  USING (id = auth.uid());
CREATE POLICY own_twins ON public.twins FOR ALL TO authenticated
  USING (tenant_id = public.get_user_tenant_id());
CREATE POLICY own_sources ON public.sources FOR ALL TO authenticated
  USING (public.check_twin_ownership(twin_id));
CREATE POLICY own_conversations ON public.conversations FOR ALL TO authenticated
  USING (public.check_twin_ownership(twin_id));
CREATE POLICY own_jobs ON public.jobs FOR SELECT TO authenticated
  USING (public.check_twin_ownership(twin_id));

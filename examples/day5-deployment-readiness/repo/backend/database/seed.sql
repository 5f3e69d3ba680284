-- Local/staging seed: two tenants, one user each (plus a revoked one), a twin each,
-- and graph_extraction jobs waiting for a worker.
INSERT INTO auth.users (id, email) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'alice@acme.test'),
  ('a0000000-0000-4000-8000-000000000002', 'carol@acme.test'),
  ('b0000000-0000-4000-8000-000000000001', 'bob@globex.test');
INSERT INTO public.tenants (id, name) VALUES
  ('a0000000-0000-4000-8000-0000000000aa', 'Acme'),
  ('b0000000-0000-4000-8000-0000000000bb', 'Globex');
INSERT INTO public.users (id, tenant_id, status) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-0000000000aa', 'active'),
  ('a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-0000000000aa', 'revoked'),
  ('b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-0000000000bb', 'active');
INSERT INTO public.twins (id, tenant_id, name) VALUES
  ('a0000000-0000-4000-8000-00000000a001', 'a0000000-0000-4000-8000-0000000000aa', 'Acme Support Twin'),
  ('b0000000-0000-4000-8000-00000000b001', 'b0000000-0000-4000-8000-0000000000bb', 'Globex Ops Twin');
INSERT INTO public.jobs (twin_id, job_type, status, metadata) VALUES
  ('a0000000-0000-4000-8000-00000000a001', 'ingestion', 'complete', '{}'),
  ('a0000000-0000-4000-8000-00000000a001', 'graph_extraction', 'queued', '{"conversation_id": "c1"}'),
  ('a0000000-0000-4000-8000-00000000a001', 'graph_extraction', 'queued', '{"conversation_id": "c2"}'),
  ('b0000000-0000-4000-8000-00000000b001', 'graph_extraction', 'queued', '{"conversation_id": "c3"}');

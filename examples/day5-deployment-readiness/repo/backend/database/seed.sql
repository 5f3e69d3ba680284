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
INSERT INTO public.sources (id, twin_id, filename, status) VALUES
  ('a0000000-0000-4000-8000-0000000a5001', 'a0000000-0000-4000-8000-00000000a001', 'handbook.pdf', 'approved'),
  ('a0000000-0000-4000-8000-0000000a5002', 'a0000000-0000-4000-8000-00000000a001', 'faq.md', 'pending'),
  ('b0000000-0000-4000-8000-0000000b5001', 'b0000000-0000-4000-8000-00000000b001', 'runbook.md', 'approved');
INSERT INTO public.chunks (source_id, position, content) VALUES
  ('a0000000-0000-4000-8000-0000000a5001', 0, 'Refunds are accepted within 30 days.'),
  ('a0000000-0000-4000-8000-0000000a5001', 1, 'Contact support@acme.test for help.');
INSERT INTO public.conversations (id, twin_id) VALUES
  ('a0000000-0000-4000-8000-0000000ac001', 'a0000000-0000-4000-8000-00000000a001'),
  ('b0000000-0000-4000-8000-0000000bc001', 'b0000000-0000-4000-8000-00000000b001');

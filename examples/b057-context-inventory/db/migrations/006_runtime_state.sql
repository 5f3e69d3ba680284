-- 006: the state the record's runtime pass left behind, so the runtime claims can be
-- checked against a database built from nothing. Runs as superuser (bypasses RLS).
--
--   tenants             ...057 (the record's seeded tenant) and ...058 (a second tenant)
--   worker_failed_jobs  5 rows, all tenant ...057: 3 from the R4 poison pill (retry_count 3),
--                       2 from LLM stub tasks that hit "permission denied for table llm_api_calls"
--   llm_api_calls       none: the stubs could not write (no grant), count stays 0
--   webhook_events      none: ingestion never got past the tenant lookup
--   kombu_*             the broker's queues and the messages still waiting
--   celery_taskmeta     results stored by the Postgres result backend

INSERT INTO public.tenants (id, name, api_key_hash, webhook_secrets) VALUES
  ('00000000-0000-0000-0000-000000000057', 'tenant-057',
   encode(sha256('sk_tenant_057'::bytea), 'hex'), '{"shopify": "whsec_057"}'),
  ('00000000-0000-0000-0000-000000000058', 'tenant-058',
   encode(sha256('sk_tenant_058'::bytea), 'hex'), '{"shopify": "whsec_058"}');

INSERT INTO public.attribution_events (tenant_id, channel, revenue_cents, occurred_at) VALUES
  ('00000000-0000-0000-0000-000000000057', 'paid_search', 12900, '2026-01-20 10:00:00+00'),
  ('00000000-0000-0000-0000-000000000057', 'email',        4500, '2026-01-20 11:00:00+00'),
  ('00000000-0000-0000-0000-000000000058', 'paid_social',  7700, '2026-01-20 11:30:00+00');

INSERT INTO public.worker_failed_jobs
  (task_id, task_name, queue, tenant_id, retry_count, status, error_message, failed_at) VALUES
  ('r4-pp-0001', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping',
   '00000000-0000-0000-0000-000000000057', 3, 'failed',
   'PoisonPillError(''poison pill (controlled failure)'')', '2026-01-20 18:41:07+00'),
  ('r4-pp-0002', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping',
   '00000000-0000-0000-0000-000000000057', 3, 'failed',
   'PoisonPillError(''poison pill (controlled failure)'')', '2026-01-20 18:42:13+00'),
  ('r4-pp-0003', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping',
   '00000000-0000-0000-0000-000000000057', 3, 'failed',
   'PoisonPillError(''poison pill (controlled failure)'')', '2026-01-20 18:43:02+00'),
  ('llm-0001', 'app.tasks.llm.route', 'llm',
   '00000000-0000-0000-0000-000000000057', 0, 'failed',
   'psycopg2.errors.InsufficientPrivilege: permission denied for table llm_api_calls', '2026-01-20 18:47:30+00'),
  ('llm-0002', 'app.tasks.llm.explanation', 'llm',
   '00000000-0000-0000-0000-000000000057', 0, 'failed',
   'psycopg2.errors.InsufficientPrivilege: permission denied for table llm_api_calls', '2026-01-20 18:47:31+00');

INSERT INTO public.kombu_queue (name) VALUES ('housekeeping'), ('maintenance'), ('llm'), ('attribution');
INSERT INTO public.kombu_message (visible, timestamp, payload, queue_id)
  SELECT true, timestamp '2026-01-20 18:50:00', '{"task": "app.tasks.llm.investigation"}', id FROM public.kombu_queue WHERE name = 'llm'
  UNION ALL
  SELECT true, timestamp '2026-01-20 18:52:00', '{"task": "app.tasks.llm.budget_optimization"}', id FROM public.kombu_queue WHERE name = 'llm'
  UNION ALL
  SELECT true, timestamp '2026-01-20 18:55:00', '{"task": "app.tasks.matviews.pulse_matviews_global"}', id FROM public.kombu_queue WHERE name = 'maintenance'
  UNION ALL  -- consumed (acked) messages are invisible and not counted as depth
  SELECT false, timestamp '2026-01-20 18:30:00', '{"task": "app.tasks.health.ping"}', id FROM public.kombu_queue WHERE name = 'housekeeping';

INSERT INTO public.celery_taskmeta (task_id, status, date_done, name, queue) VALUES
  ('hp-0001', 'SUCCESS', '2026-01-20 18:30:01', 'app.tasks.health.ping', 'housekeeping'),
  ('mv-0001', 'SUCCESS', '2026-01-20 18:35:12', 'app.tasks.matviews.refresh_all_for_tenant', 'maintenance'),
  ('r4-pp-0001', 'FAILURE', '2026-01-20 18:41:07', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping');

REFRESH MATERIALIZED VIEW public.mv_allocation_summary;
REFRESH MATERIALIZED VIEW public.mv_channel_performance;
REFRESH MATERIALIZED VIEW public.mv_daily_revenue_summary;
REFRESH MATERIALIZED VIEW public.mv_realtime_revenue;
REFRESH MATERIALIZED VIEW public.mv_reconciliation_status;

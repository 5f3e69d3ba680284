-- 005: the five refreshable materialized views of backend/app/matviews/registry.py, each
-- with the unique index REFRESH ... CONCURRENTLY needs.
SET ROLE skeldir_admin;

CREATE MATERIALIZED VIEW public.mv_allocation_summary AS
    SELECT tenant_id, channel, sum(revenue_cents) AS revenue_cents FROM public.attribution_events
    GROUP BY tenant_id, channel;
CREATE UNIQUE INDEX ux_mv_allocation_summary ON public.mv_allocation_summary (tenant_id, channel);

CREATE MATERIALIZED VIEW public.mv_channel_performance AS
    SELECT tenant_id, channel, count(*) AS events FROM public.attribution_events GROUP BY tenant_id, channel;
CREATE UNIQUE INDEX ux_mv_channel_performance ON public.mv_channel_performance (tenant_id, channel);

CREATE MATERIALIZED VIEW public.mv_daily_revenue_summary AS
    SELECT tenant_id, date_trunc('day', occurred_at) AS day, sum(revenue_cents) AS revenue_cents
    FROM public.attribution_events GROUP BY 1, 2;
CREATE UNIQUE INDEX ux_mv_daily_revenue_summary ON public.mv_daily_revenue_summary (tenant_id, day);

CREATE MATERIALIZED VIEW public.mv_realtime_revenue AS
    SELECT tenant_id, sum(revenue_cents) AS revenue_cents FROM public.attribution_events
    WHERE occurred_at > now() - interval '1 hour' GROUP BY tenant_id;
CREATE UNIQUE INDEX ux_mv_realtime_revenue ON public.mv_realtime_revenue (tenant_id);

CREATE MATERIALIZED VIEW public.mv_reconciliation_status AS
    SELECT tenant_id, count(*) AS events, max(occurred_at) AS last_event FROM public.attribution_events
    GROUP BY tenant_id;
CREATE UNIQUE INDEX ux_mv_reconciliation_status ON public.mv_reconciliation_status (tenant_id);

RESET ROLE;

"""Canonical registry of refreshable materialized views (refreshed per tenant, CONCURRENTLY)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MatviewSpec:
    name: str
    unique_index: str


MATVIEWS: tuple[MatviewSpec, ...] = (
    MatviewSpec(name="mv_allocation_summary", unique_index="ux_mv_allocation_summary"),
    MatviewSpec(name="mv_channel_performance", unique_index="ux_mv_channel_performance"),
    MatviewSpec(name="mv_daily_revenue_summary", unique_index="ux_mv_daily_revenue_summary"),
    MatviewSpec(name="mv_realtime_revenue", unique_index="ux_mv_realtime_revenue"),
    MatviewSpec(name="mv_reconciliation_status", unique_index="ux_mv_reconciliation_status"),
)

MATVIEW_NAMES = tuple(m.name for m in MATVIEWS)

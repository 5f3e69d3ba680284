"""Broker-truth queue gauges for the API's /metrics, read from kombu's own tables.

Cached: at most one refresh per QUEUE_STATS_CACHE_TTL_S. When the broker (Postgres) is
unreachable the last good values stay exported and the error counter increments.
"""

import time

from prometheus_client import Counter, Gauge
from sqlalchemy import text

from app.core.db import engine

celery_queue_depth = Gauge("celery_queue_depth", "Visible messages waiting, by queue", ["queue"])
celery_queue_oldest_message_age_seconds = Gauge(
    "celery_queue_oldest_message_age_seconds", "Age of the oldest visible message", ["queue"])
celery_queue_stats_refresh_errors_total = Counter(
    "celery_queue_stats_refresh_errors_total", "Failed refreshes of the broker-truth gauges")

QUEUE_STATS_SQL = text("""
    SELECT q.name, count(m.id) AS depth,
           coalesce(extract(epoch FROM now() - min(m.timestamp)), 0) AS oldest_age_s
    FROM kombu_queue q LEFT JOIN kombu_message m ON m.queue_id = q.id AND m.visible
    GROUP BY q.name
""")

_last_refresh = 0.0


async def refresh_queue_stats_cached(max_age_s: float) -> None:
    global _last_refresh
    if time.monotonic() - _last_refresh < max_age_s:
        return
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(QUEUE_STATS_SQL)).all()
    except Exception:
        celery_queue_stats_refresh_errors_total.inc()
        return  # keep last-good gauges
    for name, depth, oldest in rows:
        celery_queue_depth.labels(queue=name).set(depth)
        celery_queue_oldest_message_age_seconds.labels(queue=name).set(oldest)
    _last_refresh = time.monotonic()

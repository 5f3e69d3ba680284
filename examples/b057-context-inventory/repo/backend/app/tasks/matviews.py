"""Matview refresh chain: per view, per tenant, and the global pulse (beat)."""

import time

from app.celery_app import celery_app
from app.matviews.registry import MATVIEW_NAMES
from app.observability.worker_metrics import matview_refresh_duration_seconds, matview_refresh_total
from app.workers.db import tenant_connection


@celery_app.task(name="app.tasks.matviews.refresh_one_for_tenant", bind=True, max_retries=3)
def refresh_one_for_tenant(self, tenant_id: str, view_name: str, correlation_id: str) -> dict:
    if view_name not in MATVIEW_NAMES:
        raise ValueError(f"unknown matview {view_name}")
    started = time.monotonic()
    try:
        with tenant_connection(tenant_id) as conn:
            conn.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view_name}")
        outcome = "success"
    except Exception:
        outcome = "failure"
        raise
    finally:
        matview_refresh_total.labels(view_name=view_name, outcome=outcome).inc()
        matview_refresh_duration_seconds.labels(view_name=view_name).observe(time.monotonic() - started)
    return {"view_name": view_name, "outcome": "SUCCESS", "duration_ms": int((time.monotonic() - started) * 1000)}


@celery_app.task(name="app.tasks.matviews.refresh_all_for_tenant", bind=True)
def refresh_all_for_tenant(self, tenant_id: str, correlation_id: str) -> dict:
    results = [refresh_one_for_tenant.run(tenant_id, v, correlation_id) for v in MATVIEW_NAMES]
    return {"status": "ok", "tenant_id": tenant_id, "views": results}


@celery_app.task(name="app.tasks.matviews.pulse_matviews_global")
def pulse_matviews_global() -> dict:
    return {"status": "ok", "views": list(MATVIEW_NAMES)}

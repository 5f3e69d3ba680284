"""Health semantics, split on purpose:

/health/live    the process answers (no dependencies)
/health/ready   DB reachable + RLS enabled on attribution_events + tenant GUC settable
/health/worker  worker capability: a real Celery round trip API -> broker -> worker -> backend
/metrics        API metrics + broker-truth queue gauges; never worker/task metrics
                (those are served by the worker metrics exporter only)
"""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.core.db import check_database, check_rls, check_tenant_guc
from app.observability.api_metrics import render_api_metrics
from app.observability.queue_stats import refresh_queue_stats_cached
from app.tasks.health import worker_probe

router = APIRouter()


@router.get("/health/live")
async def live() -> dict:
    return {"status": "ok"}


@router.get("/health/ready")
async def ready() -> JSONResponse:
    checks = {
        "database": await check_database(),
        "rls": await check_rls("attribution_events"),
        "tenant_guc": await check_tenant_guc(),
    }
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "unhealthy", **checks}, status_code=200 if ok else 503)


@router.get("/health/worker")
async def worker() -> JSONResponse:
    result = await worker_probe(timeout_s=5.0)  # send_task(...).get() through the Postgres broker
    ok = all(result[k] == "ok" for k in ("broker", "database", "worker"))
    return JSONResponse({"status": "ok" if ok else "unhealthy", **result}, status_code=200 if ok else 503)


@router.get("/metrics")
async def metrics() -> Response:
    await refresh_queue_stats_cached(max_age_s=15)  # keeps last-good gauges when the broker is down
    return Response(render_api_metrics(), media_type="text/plain; version=0.0.4")

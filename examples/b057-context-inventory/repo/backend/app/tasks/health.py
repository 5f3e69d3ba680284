import asyncio

from app.celery_app import celery_app


@celery_app.task(name="app.tasks.health.ping")
def ping() -> dict:
    return {"worker": "ok"}


async def worker_probe(timeout_s: float) -> dict:
    """API -> broker -> worker -> result backend round trip."""
    try:
        result = celery_app.send_task("app.tasks.health.ping")
    except Exception:
        return {"broker": "error", "database": "error", "worker": "error"}
    try:
        await asyncio.to_thread(result.get, timeout=timeout_s)
    except Exception:
        return {"broker": "ok", "database": "error", "worker": "error"}
    return {"broker": "ok", "database": "ok", "worker": "ok"}

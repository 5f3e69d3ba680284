"""Controlled failures for the R4 harness. A failed task lands in worker_failed_jobs."""

from app.celery_app import celery_app
from app.workers.failed_jobs import record_failed_job


class PoisonPillError(RuntimeError):
    pass


@celery_app.task(name="app.tasks.r4_failure_semantics.poison_pill", bind=True, max_retries=3,
                 default_retry_delay=0)
def poison_pill(self, tenant_id: str, correlation_id: str, fail: bool = True) -> dict:
    if not fail:
        return {"status": "ok"}
    if self.request.retries < self.max_retries:
        raise self.retry(exc=PoisonPillError("poison pill (controlled failure)"))
    record_failed_job(self, tenant_id, PoisonPillError("poison pill (controlled failure)"))
    raise PoisonPillError("poison pill (controlled failure)")


@celery_app.task(name="app.tasks.r4_failure_semantics.crash_after_ack", bind=True)
def crash_after_ack(self, tenant_id: str, correlation_id: str, fail: bool = True) -> dict:
    if fail:
        import os
        os._exit(1)  # simulates a worker crash mid-task (acks_late + reject_on_worker_lost)
    return {"status": "ok"}

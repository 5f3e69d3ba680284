"""Scribe engine: turns chat turns into knowledge-graph nodes and edges.

Day 5 (P0-D): graph extraction no longer runs fire-and-forget from the chat router.
enqueue_graph_extraction_job() records a `graph_extraction` job, idempotent on
conversation_id + a hash of the turn's content; a worker calls
process_graph_extraction_job(), which retries with exponential backoff and logs every
step to job_logs.

The queue is Redis when REDIS_URL is set and the redis package is installed, and an
in-memory queue otherwise (development, tests). Importing this module needs only the
standard library.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

try:  # optional: production sets REDIS_URL
    import redis
except ImportError:  # pragma: no cover - depends on the environment
    redis = None

logger = logging.getLogger(__name__)

JOB_TYPE = "graph_extraction"
IDEMPOTENCY_LOOKBACK = 50  # recent jobs compared per twin (see Known limitations)
MAX_ATTEMPTS = 4
BASE_DELAY_S = 2.0
MAX_DELAY_S = 60.0


@dataclass
class Job:
    id: str
    twin_id: str
    job_type: str
    status: str = "queued"  # queued | processing | complete | failed
    metadata: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_error: Optional[str] = None


class InMemoryJobStore:
    """The fallback queue: jobs and job logs kept in this process."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.logs: list[tuple[str, str, str]] = []

    def recent(self, twin_id: str, job_type: str, limit: int) -> list[Job]:
        mine = [j for j in self.jobs if j.twin_id == twin_id and j.job_type == job_type]
        return mine[-limit:]

    def insert(self, job: Job) -> Job:
        self.jobs.append(job)
        return job

    def update(self, job: Job) -> None:
        pass  # same object

    def log(self, job_id: str, level: str, message: str) -> None:
        self.logs.append((job_id, level, message))


class SupabaseJobStore(InMemoryJobStore):
    """Jobs in public.jobs (job_type 'graph_extraction'), logs in public.job_logs, and the
    ids pushed to Redis for the worker."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        from backend.modules.db import get_supabase
        self.db = get_supabase()
        self.queue = redis.Redis.from_url(redis_url)

    def recent(self, twin_id: str, job_type: str, limit: int) -> list[Job]:
        rows = (self.db.table("jobs").select("*").eq("twin_id", twin_id).eq("job_type", job_type)
                .order("created_at", desc=True).limit(limit).execute().data)
        return [Job(id=r["id"], twin_id=r["twin_id"], job_type=r["job_type"], status=r["status"],
                    metadata=r["metadata"] or {}) for r in rows]

    def insert(self, job: Job) -> Job:
        self.db.table("jobs").insert({"id": job.id, "twin_id": job.twin_id, "job_type": job.job_type,
                                      "status": job.status, "metadata": job.metadata}).execute()
        self.queue.rpush(f"jobs:{job.job_type}", job.id)
        return job

    def update(self, job: Job) -> None:
        self.db.table("jobs").update({"status": job.status, "attempts": job.attempts,
                                      "last_error": job.last_error}).eq("id", job.id).execute()

    def log(self, job_id: str, level: str, message: str) -> None:
        self.db.table("job_logs").insert({"job_id": job_id, "level": level, "message": message}).execute()


_store: Optional[InMemoryJobStore] = None


def get_job_store() -> InMemoryJobStore:
    global _store
    if _store is None:
        url = os.environ.get("REDIS_URL")
        _store = SupabaseJobStore(url) if (url and redis is not None) else InMemoryJobStore()
    return _store


def content_hash(user_message: str, assistant_message: str) -> str:
    return hashlib.sha256(f"{user_message}\x1f{assistant_message}".encode()).hexdigest()


def idempotency_key(conversation_id: str, user_message: str, assistant_message: str) -> str:
    return f"{conversation_id}:{content_hash(user_message, assistant_message)}"


def log_job_event(store: InMemoryJobStore, job_id: str, level: str, message: str) -> None:
    store.log(job_id, level, message)
    logger.log(getattr(logging, level.upper(), logging.INFO), "job %s: %s", job_id, message)


def enqueue_graph_extraction_job(twin_id: str, conversation_id: str, user_message: str,
                                 assistant_message: str, *,
                                 store: Optional[InMemoryJobStore] = None) -> Job:
    """Queue graph extraction for one chat turn; the same turn twice is the same job."""
    store = store or get_job_store()
    key = idempotency_key(conversation_id, user_message, assistant_message)
    for job in store.recent(twin_id, JOB_TYPE, IDEMPOTENCY_LOOKBACK):
        if job.metadata.get("idempotency_key") == key:
            log_job_event(store, job.id, "info", "duplicate enqueue ignored")
            return job
    job = store.insert(Job(id=str(uuid.uuid4()), twin_id=twin_id, job_type=JOB_TYPE, metadata={
        "idempotency_key": key, "conversation_id": conversation_id,
        "user_message": user_message, "assistant_message": assistant_message}))
    log_job_event(store, job.id, "info", "graph_extraction job enqueued")
    return job


def backoff_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): 2, 4, 8, ... capped at 60."""
    return min(BASE_DELAY_S * 2 ** (attempt - 1), MAX_DELAY_S)


def process_graph_extraction_job(job: Job, extract: Callable[[dict], dict], *,
                                 store: Optional[InMemoryJobStore] = None,
                                 sleep: Callable[[float], None] = time.sleep) -> Job:
    """Run one job: up to MAX_ATTEMPTS tries of `extract`, with exponential backoff between them."""
    store = store or get_job_store()
    job.status = "processing"
    store.update(job)
    log_job_event(store, job.id, "info", "processing started")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job.attempts = attempt
        try:
            graph = extract(job.metadata)
        except Exception as exc:  # noqa: BLE001 - any failure is retried
            job.last_error = repr(exc)
            log_job_event(store, job.id, "warning", f"attempt {attempt} failed: {exc!r}")
            if attempt < MAX_ATTEMPTS:
                sleep(backoff_delay(attempt))
            continue
        job.status = "complete"
        job.metadata["nodes"] = len(graph.get("nodes", []))
        job.metadata["edges"] = len(graph.get("edges", []))
        store.update(job)
        log_job_event(store, job.id, "info",
                      f"complete: {job.metadata['nodes']} nodes, {job.metadata['edges']} edges")
        return job
    job.status = "failed"
    store.update(job)
    log_job_event(store, job.id, "error", f"failed after {MAX_ATTEMPTS} attempts")
    return job


def graph_job_summary(twin_id: str, store: Optional[InMemoryJobStore] = None) -> dict:
    """Counts of this twin's graph_extraction jobs by status, for GET /twins/{twin_id}/graph-job-status."""
    store = store or get_job_store()
    counts = {"queued": 0, "processing": 0, "complete": 0, "failed": 0}
    jobs = store.recent(twin_id, JOB_TYPE, 1000)
    for job in jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    return {"twin_id": twin_id, "job_type": JOB_TYPE, "counts": counts,
            "last_job": jobs[-1].id if jobs else None}

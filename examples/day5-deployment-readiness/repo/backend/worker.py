"""Background worker (Render service `twinly-worker`): pops job ids from Redis and runs them.

    python -m backend.worker
"""
import logging
import os
import time

import redis

from backend.modules.db import get_supabase
from backend.modules.ingestion import process_ingestion_job, process_reindex_job

logger = logging.getLogger("worker")

HANDLERS = {
    "ingestion": process_ingestion_job,
    "reindex": process_reindex_job,
}

QUEUES = [f"jobs:{job_type}" for job_type in HANDLERS]


def main() -> None:
    queue = redis.Redis.from_url(os.environ["REDIS_URL"])
    db = get_supabase()
    while True:
        popped = queue.blpop(QUEUES, timeout=5)
        if popped is None:
            continue
        _, job_id = popped
        job = db.table("jobs").select("*").eq("id", job_id.decode()).single().execute().data
        handler = HANDLERS.get(job["job_type"])
        if handler is None:
            logger.warning("no handler for job type %s (job %s)", job["job_type"], job["id"])
            continue
        try:
            handler(job)
        except Exception:  # noqa: BLE001
            logger.exception("job %s failed", job["id"])
            time.sleep(1)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()

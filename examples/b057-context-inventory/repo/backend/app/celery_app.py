"""Celery application. Postgres-only: kombu's SQLAlchemy transport is the broker and the
database backend stores results. No Redis, no RabbitMQ, no Kafka."""

from celery import Celery

from app.core.config import settings
from app.core.queues import QUEUE_ATTRIBUTION, QUEUE_HOUSEKEEPING, QUEUE_LLM, QUEUE_MAINTENANCE

celery_app = Celery(
    "skeldir",
    broker=settings.CELERY_BROKER_URL,        # sqla+postgresql://...
    backend=settings.CELERY_RESULT_BACKEND,   # db+postgresql://...
    include=["app.tasks.matviews", "app.tasks.llm", "app.tasks.health", "app.tasks.r4_failure_semantics"],
)

celery_app.conf.update(
    task_default_queue=QUEUE_HOUSEKEEPING,
    task_routes={
        "app.tasks.matviews.*": {"queue": QUEUE_MAINTENANCE},
        "app.tasks.llm.*": {"queue": QUEUE_LLM},
        "app.tasks.attribution.*": {"queue": QUEUE_ATTRIBUTION},
        "app.tasks.health.*": {"queue": QUEUE_HOUSEKEEPING},
        "app.tasks.r4_failure_semantics.*": {"queue": QUEUE_HOUSEKEEPING},
    },
    task_soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT_S,
    task_time_limit=settings.CELERY_TASK_TIME_LIMIT_S,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_hijack_root_logger=False,
)

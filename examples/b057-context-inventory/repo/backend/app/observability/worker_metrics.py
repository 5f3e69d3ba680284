"""Worker/task metrics, written by worker child processes into multiprocess shards."""

from prometheus_client import Counter, Histogram

celery_task_started_total = Counter("celery_task_started_total", "Tasks started", ["task_name", "queue"])
celery_task_succeeded_total = Counter("celery_task_succeeded_total", "Tasks succeeded", ["task_name", "queue"])
celery_task_failed_total = Counter("celery_task_failed_total", "Tasks failed", ["task_name", "queue"])
celery_task_duration_seconds = Histogram("celery_task_duration_seconds", "Task duration", ["task_name"])
matview_refresh_total = Counter("matview_refresh_total", "Matview refreshes", ["view_name", "outcome"])
matview_refresh_duration_seconds = Histogram("matview_refresh_duration_seconds", "Refresh time", ["view_name"])

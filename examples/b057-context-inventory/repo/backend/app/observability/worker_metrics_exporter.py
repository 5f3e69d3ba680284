"""The only HTTP listener for worker/task metrics (celery_task_*, matview_refresh_*)."""

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from app.observability.metrics_runtime_config import (
    EXPORTER_BIND_HOST,
    EXPORTER_BIND_PORT,
    PROMETHEUS_MULTIPROC_DIR,
)


def main() -> None:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=PROMETHEUS_MULTIPROC_DIR)
    start_http_server(EXPORTER_BIND_PORT, addr=EXPORTER_BIND_HOST, registry=registry)


if __name__ == "__main__":
    main()

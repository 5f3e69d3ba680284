"""Where worker/task metrics are served. The worker itself binds no HTTP port: its child
processes write prometheus_client multiprocess shards to PROMETHEUS_MULTIPROC_DIR and the
exporter (a separate process) reads them, read-only, and serves /metrics."""

import os

EXPORTER_BIND_HOST = os.environ.get("WORKER_METRICS_EXPORTER_HOST", "127.0.0.1")
EXPORTER_BIND_PORT = int(os.environ.get("WORKER_METRICS_EXPORTER_PORT", "9108"))
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "/tmp/skeldir-prom-multiproc")

"""The API's /metrics: its own registry (HTTP metrics + broker-truth queue gauges).
Worker/task metrics are not registered here; they live on the worker metrics exporter."""

from prometheus_client import REGISTRY, generate_latest


def render_api_metrics() -> bytes:
    return generate_latest(REGISTRY)

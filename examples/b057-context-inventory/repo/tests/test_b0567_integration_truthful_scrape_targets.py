from app.observability.metrics_runtime_config import EXPORTER_BIND_HOST, EXPORTER_BIND_PORT


def test_exporter_is_the_worker_scrape_target():
    assert (EXPORTER_BIND_HOST, EXPORTER_BIND_PORT) == ("127.0.0.1", 9108)

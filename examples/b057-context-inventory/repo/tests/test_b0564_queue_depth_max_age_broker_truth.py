from app.observability.queue_stats import QUEUE_STATS_SQL


def test_gauges_read_kombu_tables():
    sql = str(QUEUE_STATS_SQL)
    assert "kombu_message" in sql and "kombu_queue" in sql

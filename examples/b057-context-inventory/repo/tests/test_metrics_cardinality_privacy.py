"""Metrics gates: bounded label cardinality, and no tenant ids or payloads in labels."""

FORBIDDEN_LABELS = {"tenant_id", "user_id", "email", "payload"}


def test_no_private_labels():
    from app.observability import worker_metrics
    for metric in vars(worker_metrics).values():
        assert not FORBIDDEN_LABELS & set(getattr(metric, "_labelnames", ()))

from app.workers.llm import STUB_MODEL


def test_stub_model_is_provider_free():
    assert STUB_MODEL == "stub-deterministic"

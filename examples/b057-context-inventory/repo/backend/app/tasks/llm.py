"""LLM task entry points. Deterministic stubs: no external provider is called."""

from app.celery_app import celery_app
from app.workers import llm as llm_worker


@celery_app.task(name="app.tasks.llm.route")
def route(tenant_id: str, correlation_id: str, prompt: dict) -> dict:
    return llm_worker.run_stub(tenant_id, correlation_id, "route", prompt)


@celery_app.task(name="app.tasks.llm.explanation")
def explanation(tenant_id: str, correlation_id: str, prompt: dict) -> dict:
    return llm_worker.run_stub(tenant_id, correlation_id, "explanation", prompt)


@celery_app.task(name="app.tasks.llm.investigation")
def investigation(tenant_id: str, correlation_id: str, prompt: dict) -> dict:
    return llm_worker.run_stub(tenant_id, correlation_id, "investigation", prompt)


@celery_app.task(name="app.tasks.llm.budget_optimization")
def budget_optimization(tenant_id: str, correlation_id: str, prompt: dict) -> dict:
    return llm_worker.run_stub(tenant_id, correlation_id, "budget_optimization", prompt)

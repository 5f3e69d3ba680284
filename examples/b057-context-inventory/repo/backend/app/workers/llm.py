"""Deterministic LLM stub: a fixed answer per kind, an audit row in llm_api_calls and the
monthly rollup in llm_monthly_costs. Provider-free by design (model "stub-deterministic")."""

import hashlib
import json

from app.workers.db import tenant_connection

STUB_MODEL = "stub-deterministic"


def run_stub(tenant_id: str, correlation_id: str, kind: str, prompt: dict) -> dict:
    digest = hashlib.sha256(json.dumps(prompt, sort_keys=True).encode()).hexdigest()[:16]
    answer = {"kind": kind, "answer": f"stub:{kind}:{digest}"}
    with tenant_connection(tenant_id) as conn:
        conn.execute(
            "INSERT INTO llm_api_calls (tenant_id, correlation_id, endpoint, model, input_tokens, output_tokens) "
            "VALUES (%s, %s, %s, %s, 0, 0)", (tenant_id, correlation_id, kind, STUB_MODEL))
        conn.execute(
            "INSERT INTO llm_monthly_costs (tenant_id, month, calls) VALUES (%s, date_trunc('month', now()), 1) "
            "ON CONFLICT (tenant_id, month) DO UPDATE SET calls = llm_monthly_costs.calls + 1", (tenant_id,))
    return answer

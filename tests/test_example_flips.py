"""Flip tables: the examples prove, they do not perform. For each example, one fixture edit
at a time (edits to independent claims batched into one run) and the claims that must
change verdict, and to what. Every gating TRUE claim of an example's expected.json is
flipped by at least one edit (test_every_gating_true_claim_has_a_flip): a claim no edit can
flip proves nothing.

A key `H-X1` is the hypothesis's verdict; `H-X1/3` is the status of its check 3, used where
the point is that a runtime check follows the state (the service's answer moved with the
database), not only that the claim moved.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from certify.kinds.registry import REGISTRY
from certify.spec.loader import load_spec
from tests.conftest import ROOT, certify, git


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which must occur exactly once) with `new` in one fixture file; `old=None`
    deletes the file."""

    file: str
    old: str | None
    new: str = ""


@dataclass(frozen=True)
class Flip:
    why: str
    edits: tuple[Edit, ...]
    expect: dict[str, str]
    because: dict[str, str] = field(default_factory=dict)  # hypothesis -> text its reason must hold


def E(file: str, old: str | None, new: str = "") -> Edit:  # noqa: N802 - reads as a table
    return Edit(file, old, new)


B057_006 = "db/migrations/006_runtime_state.sql"
B057 = [
    [  # the repository, the logs, and a migration that does not apply (no claim of this batch
       # reads the database or the services, which then have no database to read)
        Flip("a migration that does not apply",
             (E("db/migrations/005_matviews.sql", "CREATE MATERIALIZED VIEW public.mv_allocation_summary AS",
                "CREATE MATERIALIZED VIEW public.mv_allocation_summary AS SELEC"),),
             {"H-C2": "FALSE"}),
        Flip("the ledger loses its Phase 8 closure row",
             (E("repo/docs/forensics/INDEX.md", "| B0.5.6 Phase 8 evidence closure |",
                "| B0.5.6 Phase 8 closure |"),),
             {"H-A1": "FALSE"}),
        Flip("a pack the ledger links is missing",
             (E("repo/docs/forensics/b056_phase5_health_semantics.md", None),),
             {"H-A2": "FALSE"}),
        Flip("a Redis client in the requirements",
             (E("repo/backend/requirements.txt", "celery[sqlalchemy]==5.4.0\n",
                "celery[sqlalchemy]==5.4.0\nredis==5.0.1\n"),),
             {"H-C1": "FALSE"}),
        Flip("a queue named by a string literal",
             (E("repo/backend/app/workers/db.py", "from contextlib import contextmanager\n",
                'from contextlib import contextmanager\nDEFAULT = {"queue": "llm"}\n'),),
             {"H-E2": "FALSE"}),
        Flip("the soft time limit raised to 600 s",
             (E("repo/backend/app/core/config.py", "CELERY_TASK_SOFT_TIME_LIMIT_S: int = 300",
                "CELERY_TASK_SOFT_TIME_LIMIT_S: int = 600"),),
             {"H-E3": "FALSE"}),
        Flip("a matview dropped from the registry",
             (E("repo/backend/app/matviews/registry.py",
                '    MatviewSpec(name="mv_channel_performance", '
                'unique_index="ux_mv_channel_performance"),\n', ""),),
             {"H-F1": "FALSE"}),
        Flip("a refresh task renamed",
             (E("repo/backend/app/tasks/matviews.py", '"app.tasks.matviews.pulse_matviews_global"',
                '"app.tasks.matviews.pulse_all"'),),
             {"H-F2": "FALSE"}),
        Flip("an HTTP client in the LLM worker",
             (E("repo/backend/app/workers/llm.py", "import hashlib\n", "import hashlib\nimport httpx\n"),),
             {"H-G1": "FALSE"}),
        Flip("an HTTP listener in worker code",
             (E("repo/backend/app/workers/failed_jobs.py", None),
              E("repo/backend/app/workers/db.py", "from contextlib import contextmanager\n",
                "from contextlib import contextmanager\nfrom prometheus_client import start_http_server\n"
                "start_http_server(9109)\n")),
             {"H-H1": "FALSE"}),
        Flip("a metric gate test file removed",
             (E("repo/tests/test_llm_payload_contract.py", None),),
             {"H-H5": "FALSE"}),
        Flip("a task log without its correlation_id",
             (E("logs/worker.jsonl",
                '"tenant_id": "00000000-0000-0000-0000-000000000057", "correlation_id": "corr-mv-0001"}',
                '"tenant_id": "00000000-0000-0000-0000-000000000057"}'),),
             {"H-H6": "FALSE"}),
        Flip("the R4 harness script removed",
             (E("repo/scripts/r4/worker_failure_semantics.py", None),),
             {"H-I1": "FALSE"}),
        Flip("one workflow no longer runs the migrations",
             (E("repo/.github/workflows/empirical-validation.yml",
                "      - run: alembic upgrade heads\n", ""),),
             {"H-I2": "FALSE"}),
        Flip("the poison pill no longer fails by default",
             (E("repo/backend/app/tasks/r4_failure_semantics.py",
                "def poison_pill(self, tenant_id: str, correlation_id: str, fail: bool = True)",
                "def poison_pill(self, tenant_id: str, correlation_id: str, fail: bool = False)"),),
             {"H-J1": "FALSE"}),
    ],
    [  # the database state: the services read it, so their answers move with it
        Flip("the API's health code names the exporter port",
             (E("repo/backend/app/api/health.py", "from fastapi import APIRouter, Response\n",
                "from fastapi import APIRouter, Response\nEXPORTER = 'http://127.0.0.1:9108'\n"),),
             {"H-H2": "FALSE"}),
        Flip("the Procfile loses its exporter process type",
             (E("repo/Procfile", "exporter: python -m app.observability.worker_metrics_exporter\n", ""),),
             {"H-B3": "FALSE"}),
        Flip("RLS disabled on public.tenants: readiness measures it and says so",
             (E("db/migrations/002_rls.sql", "ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;\n", ""),),
             {"H-C3": "FALSE", "H-C3/3": "fail", "H-H3": "FALSE", "H-H3/2": "fail", "H-H3/5": "fail"}),
        Flip("one poison pill belongs to the other tenant",
             (E(B057_006, "('r4-pp-0003', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping',\n"
                          "   '00000000-0000-0000-0000-000000000057'",
                "('r4-pp-0003', 'app.tasks.r4_failure_semantics.poison_pill', 'housekeeping',\n"
                "   '00000000-0000-0000-0000-000000000058'"),),
             {"H-C4": "FALSE", "H-J2": "FALSE"}),
        Flip("the queued maintenance message consumed: the API's gauges follow the broker rows",
             (E(B057_006, "SELECT true, timestamp '2026-01-20 18:55:00'",
                "SELECT false, timestamp '2026-01-20 18:55:00'"),),
             {"H-H4": "FALSE", "H-H4/2": "fail", "H-H4/3": "fail", "H-H4/4": "fail"}),
        Flip("a matview left unpopulated",
             (E(B057_006, "REFRESH MATERIALIZED VIEW public.mv_realtime_revenue;",
                "REFRESH MATERIALIZED VIEW public.mv_realtime_revenue WITH NO DATA;"),),
             {"H-F3": "FALSE"}),
    ],
    [  # grants: the webhook and the worker probe ask PostgreSQL as app_user
        Flip("SELECT on public.tenants granted: the webhook's lookup now runs and answers 401",
             (E("db/migrations/003_grants.sql", "    public.worker_failed_jobs\n  TO app_rw;",
                "    public.worker_failed_jobs\n  TO app_rw;\nGRANT SELECT ON public.tenants TO app_rw;"),),
             {"H-D3": "TRUE", "H-D2": "FALSE"}),
        Flip("app_rw loses SELECT on the broker's queue table: the worker probe and the gauges fail",
             (E("db/migrations/004_celery_broker.sql", "    public.kombu_queue, public.kombu_message,",
                "    public.kombu_message,"),),
             {"H-E1": "FALSE", "H-E1/1": "fail", "H-B3": "FALSE", "H-H3": "FALSE", "H-H2": "FALSE",
              "H-H4": "FALSE"}),
    ],
]

D5R = "repo/backend/routers/"
D5M = "repo/backend/database/migrations/"
D5_SCRIBE = "repo/backend/modules/_core/scribe_engine.py"
DAY5 = [
    [  # the repository (and the stand-in API, which serves the routers' own routes and guards)
        Flip("the Node version file names an alias, not a version",
             (E("repo/.nvmrc", "20.11.1", "lts/iron"),), {"H-A1": "FALSE"}),
        Flip("CI no longer lints", (E("repo/.github/workflows/ci.yml", "      - run: npm run lint\n", ""),),
             {"H-A2": "FALSE"}),
        Flip("production installs with npm install",
             (E("repo/frontend/vercel.json", '"installCommand": "npm ci"',
                '"installCommand": "npm install"'),),
             {"H-A3": "FALSE"}),
        Flip("DELETE /twins/{twin_id} loses its ownership check",
             (E(D5R + "twins.py", "    verify_twin_ownership(twin_id, user)\n"
                                  "    get_supabase().table(\"twins\").delete()",
                "    get_supabase().table(\"twins\").delete()"),),
             {"H-B1": "FALSE"}),
        Flip("GET /conversations/{id}/messages loses its ownership check: the running API serves it "
             "to another tenant",
             (E(D5R + "conversations.py", "async def list_messages(conversation_id: str, user: dict = "
                                          "Depends(get_current_user)):\n    verify_conversation_ownership("
                                          "conversation_id, user)\n",
                "async def list_messages(conversation_id: str, user: dict = Depends(get_current_user)):\n"),),
             {"H-B3": "FALSE", "H-V3": "FALSE"},
             because={"H-V3": "messages as wrong_tenant: 200, expected 404"}),
        Flip("a router decodes a token itself and starts a fire-and-forget task",
             (E(D5R + "chat.py", "    verify_twin_ownership(twin_id, user)\n    db = get_supabase()\n",
                "    verify_twin_ownership(twin_id, user)\n    claims = jwt.decode(body.query)\n"
                "    asyncio.create_task(answer_query(twin_id, body.query))\n    db = get_supabase()\n"),),
             {"H-B4": "FALSE", "H-D1": "FALSE"}),
        Flip("bulk-update no longer verifies each id",
             (E(D5R + "sources.py", "    for source_id in body.source_ids:\n"
                                    "        verify_source_ownership(source_id, user)\n"
                                    "    return [_set_status(source_id, body.status)",
                "    return [_set_status(source_id, body.status)"),),
             {"H-B5": "FALSE"}),
        Flip("the idempotency key drops the conversation id",
             (E(D5_SCRIBE, 'return f"{conversation_id}:{content_hash(user_message, assistant_message)}"',
                "return content_hash(user_message, assistant_message)"),),
             {"H-D2": "FALSE"}),
        Flip("the job status route renamed: gone from the code, gone from the running API",
             (E(D5R + "twins.py", '@router.get("/twins/{twin_id}/graph-job-status")',
                '@router.get("/twins/{twin_id}/graph-jobs")'),),
             {"H-D3": "FALSE", "H-V2": "FALSE", "H-V3": "FALSE"}),
        Flip("the backoff is linear",
             (E(D5_SCRIBE, "return min(BASE_DELAY_S * 2 ** (attempt - 1), MAX_DELAY_S)",
                "return min(BASE_DELAY_S * attempt, MAX_DELAY_S)"),),
             {"H-D4": "FALSE"}),
        Flip("a syntax error in a backend module (a test helper: the routes are still readable)",
             (E("repo/backend/tests/conftest.py", "import pytest\n", "import pytest pytest\n"),),
             {"H-I1": "FALSE"}),
        Flip("a router imports a package requirements.txt does not declare",
             (E(D5R + "conversations.py", "from fastapi import", "import requests\nfrom fastapi import"),),
             {"H-I2": "FALSE"}),
        Flip("GET /twins removed (a route of the 0.4.0 contract)",
             (E(D5R + "twins.py", '@router.get("/twins")\n', ""),),
             {"H-M10": "FALSE"}),
        Flip("the idempotency lookback raised to 500",
             (E(D5_SCRIBE, "IDEMPOTENCY_LOOKBACK = 50 ", "IDEMPOTENCY_LOOKBACK = 500 "),),
             {"H-M12": "FALSE"}),
        Flip("Redis required, no in-memory fallback",
             (E(D5_SCRIBE, "SupabaseJobStore(url) if (url and redis is not None) else InMemoryJobStore()",
                "SupabaseJobStore(url)"),),
             {"H-M13": "FALSE"}),
        Flip("/health answers what main.py returns",
             (E("repo/backend/main.py", 'return {"status": "healthy"}', 'return {"status": "degraded"}'),),
             {"H-V1": "FALSE"}),
    ],
    [  # the database built from the migrations, and the record's two gaps closed
        Flip("the chunks route gets its ownership check: the running API answers 404 to another tenant",
             (E(D5R + "ingestion.py", "    # Chunk preview for the ingestion screen.\n",
                "    # Chunk preview for the ingestion screen.\n"
                "    verify_source_ownership(source_id, user)\n"),),
             {"H-B2": "TRUE", "H-V4": "TRUE"}),
        Flip("the revoked user re-activated in the seed: the running API lets her in",
             (E("repo/backend/database/seed.sql",
                "-000000000002', 'a0000000-0000-4000-8000-0000000000aa', 'revoked')",
                "-000000000002', 'a0000000-0000-4000-8000-0000000000aa', 'active')"),),
             {"H-V3": "FALSE"}),
        Flip("the worker handles graph_extraction jobs",
             (E("repo/backend/worker.py", '    "reindex": process_reindex_job,\n',
                '    "reindex": process_reindex_job,\n'
                '    "graph_extraction": process_graph_extraction_job,\n'),),
             {"H-M8": "TRUE"}),
        Flip("a definer function without its pinned search_path",
             (E(D5M + "migration_security_definer_hardening.sql",
                "CREATE OR REPLACE FUNCTION public.claim_next_job(p_job_type text) RETURNS public.jobs\n"
                "LANGUAGE plpgsql SECURITY DEFINER\nSET search_path = ''\n",
                "CREATE OR REPLACE FUNCTION public.claim_next_job(p_job_type text) RETURNS public.jobs\n"
                "LANGUAGE plpgsql SECURITY DEFINER\n"),),
             {"H-C1": "FALSE", "H-C3": "FALSE", "H-V5": "FALSE"}),
        Flip("an unqualified table in a definer body",
             (E(D5M + "migration_security_definer_hardening.sql", "(SELECT q.id FROM public.jobs AS q",
                "(SELECT q.id FROM jobs AS q"),),
             {"H-C2": "FALSE"}),
        Flip("graph_extraction left out of valid_job_type (and out of the seed, which needs it)",
             (E(D5M + "migration_add_graph_extraction_job_type.sql",
                "'health_check', 'graph_extraction'));", "'health_check'));"),
              E("repo/backend/database/seed.sql",
                "INSERT INTO public.jobs (twin_id, job_type, status, metadata) VALUES",
                "INSERT INTO public.jobs (twin_id, job_type, status, metadata) SELECT v.t::uuid, "
                "replace(v.j, 'graph_extraction', 'reindex'), v.s, v.m::jsonb FROM (VALUES"),
              E("repo/backend/database/seed.sql", """'{"conversation_id": "c3"}');""",
                """'{"conversation_id": "c3"}')) AS v(t, j, s, m);""")),
             {"H-M2": "FALSE"}),
    ],
    [  # edits that leave no database (the stand-in then has nothing to answer from)
        Flip("no job_logs table in the schema (so its RLS statement fails too)",
             (E("repo/backend/database/schema.sql", "CREATE TABLE public.job_logs (",
                "CREATE TABLE public.job_log ("),),
             {"H-D5": "FALSE"}),
        Flip("a migration that does not apply",
             (E(D5M + "migration_add_graph_extraction_job_type.sql", "ALTER TABLE public.jobs ADD CONSTRAINT",
                "ALTER TABLE public.jobs ADD CONSTRANT"),),
             {"H-M1": "FALSE"}),
    ],
]

P3 = "repo/src/"
PHASE3 = [
    [  # the repository: its npm scripts and node scripts/ci/*.mjs really run
        Flip("a module imports a name its dependency does not export",
             (E(P3 + "functions/index.js", "export { onWithingsBackfillScheduled }",
                "import { NOPE } from '../shared/withings.js';\nexport { onWithingsBackfillScheduled }"),),
             {"H-C1": "FALSE", "H-P4": "FALSE"}),
        Flip("a debugger statement in the API's logger",
             (E(P3 + "api/log.js", "export function makeLogger(", "debugger;\nexport function makeLogger("),),
             {"H-C2": "FALSE"}),
        Flip("presence counts any source's weight events",
             (E(P3 + "client/useWithingsPresence.js",
                "event.kind === WEIGHT_KIND && event.sourceId === WITHINGS_SOURCE_ID",
                "event.kind === WEIGHT_KIND"),),
             {"H-P1": "FALSE", "H-C3": "FALSE"}),
        Flip("status no longer starts the backfill",
             (E(P3 + "lib/withings/status.js", "  if (doc.connected && !doc.backfill) {",
                "  if (false && doc.connected && !doc.backfill) {"),),
             {"H-P2": "FALSE"}),
        Flip("RawEvents are overwritten (set, not create)",
             (E(P3 + "lib/withings/rawEvents.js", "if (store.create(`users/${uid}/rawEvents/",
                "if (store.set(`users/${uid}/rawEvents/"),),
             {"H-P3": "FALSE"}),
        Flip("a Phase 3 spec names an export the module does not have",
             (E("repo/docs/phase3-specs.json", '"isWithingsWeight", "presenceQuery"]',
                '"isWithingsWeight", "presenceQuery", "presenceLabel"]'),),
             {"H-C4": "FALSE", "H-C6": "FALSE"}),
        Flip("an API route the OpenAPI contract does not have",
             (E(P3 + "api/routes/health.js", "router.get('/health', ",
                "router.get('/health/deep', async (req, res) => res.json({ ok: true }));\n"
                "router.get('/health', "),),
             {"H-C5": "FALSE"}),
        Flip("the fail-closed start-up guard deleted (its `then` check then has nothing to follow)",
             (E(P3 + "api/auth/invoker.js",
                "  if (env.NODE_ENV === 'production' && emails.length === 0 && subs.length === 0) {\n"
                "    throw new Error('WITHINGS_PULL_INVOKER_EMAILS or WITHINGS_PULL_INVOKER_SUBS "
                "must be set in production');\n  }\n", ""),),
             {"H-R3": "FALSE"}),
        Flip("a Bearer-path rejection without the token fields",
             (E(P3 + "api/auth/invoker.js", "{ branch: 'bearer', errorCode, ...tokenFields(claims) }",
                "{ branch: 'bearer', errorCode }"),),
             {"H-R6": "FALSE"}),
    ],
]

TABLES: dict[str, list[list[Flip]]] = {
    "b057-context-inventory": B057,
    "day5-deployment-readiness": DAY5,
    "phase3-certification-record": PHASE3,
}


def _apply(work: Path, edit: Edit) -> None:
    path = work / edit.file
    assert path.is_file(), f"{edit.file}: no such fixture file"
    if edit.old is None:
        path.unlink()
        return
    text = path.read_text(encoding="utf-8")
    assert text.count(edit.old) == 1, f"{edit.file}: the text to edit occurs {text.count(edit.old)} times"
    path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def _copy(name: str, tmp_path: Path) -> Path:
    work = tmp_path / name
    shutil.copytree(ROOT / "examples" / name, work, ignore=shutil.ignore_patterns("reports", "__pycache__"))
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("reports/\n__pycache__/\n")
    return work


def run_env() -> dict[str, str]:
    """The fixture services run with `python3`: the one next to this interpreter (it has psycopg)."""
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


# The day5 stand-in API answers from the run's database: a batch that asks it selects a claim
# that builds the database too, or every answer would be a 503 (after the stand-in waited 20 s
# for a build that never comes) and its claims would flip for the wrong reason.
SELECT_ALSO: dict[tuple[str, int], tuple[str, ...]] = {("day5-deployment-readiness", 0): ("H-C1",)}

CASES = [(name, i) for name, batches in TABLES.items() for i in range(len(batches))]


@pytest.mark.parametrize(("name", "batch"), CASES, ids=[f"{n}-{i + 1}" for n, i in CASES])
def test_flips(name: str, batch: int, tmp_path: Path) -> None:
    flips = TABLES[name][batch]
    work = _copy(name, tmp_path)
    expect: dict[str, str] = {}
    for flip in flips:
        for edit in flip.edits:
            _apply(work, edit)
        for key, value in flip.expect.items():
            assert expect.get(key, value) == value, f"{key}: two flips of one batch disagree"
            expect[key] = value
    git(work, "add", "-A")
    git(work, "commit", "-qm", "flipped")
    ids = sorted({k.split("/")[0] for k in expect} | set(SELECT_ALSO.get((name, batch), ())))
    res = certify("run", "checks.yaml", "-q", *(a for i in ids for a in ("--only", i)), cwd=work,
                  env=run_env())
    got: dict[str, str] = {}
    for h in res.results["hypotheses"]:
        got[h["id"]] = h["verdict"]
        for c in h["checks"]:
            got[f"{h['id']}/{c['index']}"] = c["status"]
    wrong = {k: (v, got.get(k)) for k, v in expect.items() if got.get(k) != v}
    reasons = {h["id"]: h["reason"] for h in res.results["hypotheses"]}
    said = {h["id"]: [h["reason"], *(f"{f['where']}: {f['what']}" for c in h["checks"]
                                     for f in c["findings"])]
            for h in res.results["hypotheses"]}
    wrong |= {k: (f"because {why!r}", reasons.get(k)) for f in flips for k, why in f.because.items()
              if not any(why in line for line in said.get(k, []))}
    assert not wrong, "\n".join(f"{k}: expected {v}, got {g} ({reasons.get(k.split('/')[0])})"
                                for k, (v, g) in wrong.items())


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_gating_true_claim_has_a_flip(name: str) -> None:
    expected = json.loads((ROOT / "examples" / name / "expected.json").read_text())
    spec = load_spec(ROOT / "examples" / name / "checks.yaml", REGISTRY)
    gating = {h.id for h in spec.hypotheses if h.gate}
    gating_true = {k for k, v in expected.items() if v == "TRUE" and k in gating}
    flipped = {k for batch in TABLES[name] for f in batch for k, v in f.expect.items()
               if "/" not in k and v != "TRUE"}
    assert not gating_true - flipped, f"no edit flips {sorted(gating_true - flipped)}"

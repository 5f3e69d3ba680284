"""Against fixtures/db (planted defects beside clean objects, ground truth in DEFECTS.md):
every planted defect is reported and no clean object is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, certify, spec_text, write

HOSTILE = 'public."x""; DROP TABLE y; --"'
T57, T58, T59 = (f"00000000-0000-0000-0000-0000000000{n}" for n in (57, 58, 59))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, fixture_dsn: str) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("pgdetect")
    write(tmp / "checks.yaml", spec_text(f"""
        - id: RLS
          claim: c
          check:
            kind: rls
            tables: [public.*]
            expect: {{enabled: true, forced: true, has_policy: true}}
        - id: GRANT-TENANTS
          claim: c
          check: {{kind: grants, role: app_user, on: [public.tenants], has: [SELECT]}}
        - id: GRANT-TENANTS-RO
          claim: c
          check: {{kind: grants, role: app_readonly, on: [public.tenants], has: [SELECT]}}
        - id: GRANT-LLM
          claim: c
          check: {{kind: grants, role: app_user, on: [public.llm_api_calls], has: [SELECT, INSERT]}}
        - id: GRANT-PUBLIC-TABLES
          claim: c
          check: {{kind: grants, on: ['public.*'], public: none}}
        - id: GRANT-UNTRUSTED-CREATE
          claim: c
          check: {{kind: grants, role: untrusted, on: [staging, scratch, public, app], lacks: [CREATE]}}
        - id: GRANT-APP-EXACT
          claim: c
          check:
            kind: grants
            role: app_user
            on: [public.twins]
            exactly: [SELECT, INSERT, UPDATE, DELETE]
        - id: DEFINER
          claim: c
          check:
            kind: security_definer
            schemas: [public, app]
            expect: {{search_path: pinned, public_execute: false, grantees: [app_rw]}}
        - id: DEFINER-EMPTY
          claim: c
          check: {{kind: security_definer, schemas: [app], expect: {{search_path: empty}}, views: false}}
        - id: ISO-JOBS
          claim: c
          check:
            kind: rls_isolation
            role: app_user
            table: public.worker_failed_jobs
            setting: app.current_tenant_id
            tenants: {{"{T57}": 3, "{T58}": 0, "{T59}": 1}}
            no_tenant: 0
        - id: ISO-WEBHOOKS
          claim: c
          check:
            kind: rls_isolation
            role: app_user
            table: public.webhook_events
            setting: app.current_tenant_id
            tenants: {{"{T57}": "<4", "{T58}": "<4"}}
            no_tenant: 0
        - id: CONSTRAINT
          claim: c
          check:
            kind: sql
            query: >-
              SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
              WHERE conname = 'valid_job_type'
            expect: {{rows: 1}}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp)
    return {h["id"]: h for h in res.results["hypotheses"]}


def found(h: dict) -> list[tuple[str, str]]:
    return sorted((f["where"], f["what"]) for c in h["checks"] for f in c["findings"])


def where(h: dict) -> set[str]:
    return {w for w, _ in found(h)}


def test_rls_reports_exactly_the_planted_tables(results: dict[str, dict]) -> None:
    assert found(results["RLS"]) == [
        ("public.conversations", "row level security is not forced"),
        ("public.sources", "has no policy"),
        ("public.webhook_events", "row level security is not forced"),
        ("public.webhook_events", "row level security is off"),
    ]
    fixes = [f["fix"] for f in results["RLS"]["checks"][0]["findings"]]
    assert "ALTER TABLE public.conversations FORCE ROW LEVEL SECURITY;" in fixes


def test_grants(results: dict[str, dict]) -> None:
    assert found(results["GRANT-TENANTS"]) == [("public.tenants", "app_user lacks SELECT")]
    assert results["GRANT-TENANTS"]["checks"][0]["findings"][0]["fix"] == \
        "GRANT SELECT ON TABLE public.tenants TO app_user;"
    assert results["GRANT-TENANTS-RO"]["verdict"] == "TRUE"
    assert found(results["GRANT-LLM"]) == [("public.llm_api_calls", "app_user lacks INSERT"),
                                           ("public.llm_api_calls", "app_user lacks SELECT")]
    public = where(results["GRANT-PUBLIC-TABLES"])
    assert "public.jobs" in public
    # public.* also covers functions: the non-definer normalize_name keeps PUBLIC EXECUTE, and
    # so does tenant_stats (D11); nothing else of the clean objects may appear.
    assert public == {"public.jobs", "public.normalize_name(text)", "public.tenant_stats(uuid)"}, public
    assert found(results["GRANT-UNTRUSTED-CREATE"]) == [("scratch", "untrusted has CREATE"),
                                                        ("staging", "untrusted has CREATE")]
    assert results["GRANT-APP-EXACT"]["verdict"] == "TRUE"


def test_security_definer_reports_exactly_the_planted_objects(results: dict[str, dict]) -> None:
    assert where(results["DEFINER"]) == {
        "public.get_twin_count(text)", "app.purge_failed_jobs(uuid)", "public.tenant_stats(uuid)",
        "public.rotate_api_key(uuid,text)", "public.conversation_feed", "public.failed_jobs_overview"}
    whats = dict(found(results["DEFINER"]))
    assert whats["public.get_twin_count(text)"] == "SECURITY DEFINER with no pinned search_path"
    assert whats["app.purge_failed_jobs(uuid)"].startswith("search_path includes scratch")
    assert whats["public.tenant_stats(uuid)"] == "EXECUTE is granted to PUBLIC"
    assert "untrusted" in whats["public.rotate_api_key(uuid,text)"]
    assert where(results["DEFINER-EMPTY"]) == {"app.purge_failed_jobs(uuid)", "app.tenant_job_count(uuid)"}


def test_rls_isolation_records_counts(results: dict[str, dict]) -> None:
    iso = results["ISO-JOBS"]
    assert iso["verdict"] == "TRUE"
    assert iso["checks"][0]["values"]["counts"] == {"(no tenant)": 0, T57: 3, T58: 0, T59: 1}
    assert T57 in (iso["checks"][0]["output"])
    leak = results["ISO-WEBHOOKS"]
    assert leak["verdict"] == "FALSE"
    assert leak["checks"][0]["values"]["counts"] == {"(no tenant)": 4, T57: 4, T58: 4}


def test_sql_reads_a_constraint(results: dict[str, dict]) -> None:
    assert results["CONSTRAINT"]["verdict"] == "TRUE"
    assert "graph_extraction" in results["CONSTRAINT"]["checks"][0]["output"]


def test_migrations_from_an_empty_database(tmp_path: Path) -> None:
    db = FIXTURES / "db"
    write(tmp_path / "checks.yaml", spec_text("""
        - id: GOOD
          claim: migrations apply
          check: {kind: migrations, target: good, applied: 9}
        - id: BROKEN
          claim: broken migrations are caught
          check: {kind: migrations, target: broken}
        - id: ON-BROKEN
          claim: checks on a database that did not build cannot be proven
          check: {kind: sql, target: broken, query: "SELECT 1"}
    """, header=f"""targets:
  postgres:
    good: {{ephemeral: {{setup: ['{db}/roles.sql'], migrations: ['{db}/migrations/*.sql']}}}}
    broken: {{ephemeral: {{migrations: ['{db}/broken/*.sql']}}}}
"""))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"GOOD": "TRUE", "BROKEN": "FALSE", "ON-BROKEN": "UNKNOWN"}
    broken = res.results["hypotheses"][1]["checks"][0]
    assert broken["values"]["applied"] == 1
    assert broken["findings"][0]["where"] == "002_add_invoices_fk.sql"
    assert 'relation "public.missing_table" does not exist' in broken["reason"]
    assert "002_add_invoices_fk.sql:5" in broken["reason"]

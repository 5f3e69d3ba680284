"""PostgreSQL checks never harm the target and fail closed: writes are refused, identifiers
are quoted, and an unreachable server, a login refused, a missing role or a statement past
its timeout are ERROR with a one-line reason, never TRUE."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.conftest import certify, spec_text, write

HOSTILE = 'x"; DROP TABLE y; --'


def run_pg(tmp_path: Path, dsn: str, hypotheses: str, extra: str = "") -> dict[str, dict]:
    header = f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'{extra}}}\n"
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header=header))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def test_writes_are_refused_and_change_nothing(tmp_path: Path, fixture_dsn: str) -> None:
    # A statement that does not start as a read (INSERT, DELETE, COPY, SET...) is refused when
    # the spec is loaded (tests/kinds/test_pg_fail_closed.py); a write inside WITH is stopped
    # by the read-only transaction.
    before = count(fixture_dsn, "public.tenants")
    hyps = run_pg(tmp_path, fixture_dsn, """
        - id: CTE-INSERT
          claim: c
          check:
            kind: sql
            query: >-
              WITH x AS (INSERT INTO public.tenants (id, name) VALUES (gen_random_uuid(), 'evil')
              RETURNING 1) SELECT * FROM x
        - id: CTE-DELETE-AS-ROLE
          claim: c
          check:
            kind: sql
            role: app_user
            query: "WITH gone AS (DELETE FROM public.tenants RETURNING 1) SELECT * FROM gone"
        - id: FOR-UPDATE
          claim: c
          check: {kind: sql, query: "SELECT * FROM public.tenants FOR UPDATE"}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "CTE-INSERT": "UNKNOWN", "CTE-DELETE-AS-ROLE": "UNKNOWN", "FOR-UPDATE": "UNKNOWN"}
    for h in hyps.values():
        assert "read-only transaction" in h["reason"], h["reason"]
    assert count(fixture_dsn, "public.tenants") == before


def test_hostile_identifiers_are_quoted(tmp_path: Path, fixture_dsn: str) -> None:
    hyps = run_pg(tmp_path, fixture_dsn, f"""
        - id: RLS
          claim: c
          check: {{kind: rls, tables: ['public.{HOSTILE}'], expect: {{enabled: true, forced: true}}}}
        - id: ISO
          claim: c
          check:
            kind: rls_isolation
            role: app_user
            table: 'public.{HOSTILE}'
            setting: app.current_tenant_id
            tenants: {{"00000000-0000-0000-0000-000000000057": ">= 0"}}
            no_tenant: 0
    """)
    assert hyps["RLS"]["verdict"] == "TRUE", hyps["RLS"]["reason"]
    assert hyps["ISO"]["verdict"] == "TRUE", hyps["ISO"]["reason"]
    assert count(fixture_dsn, "public.y") >= 0  # still there


def test_unreachable_refused_missing_role_and_timeout_are_errors(tmp_path: Path,
                                                                fixture_dsn: str) -> None:
    from psycopg.conninfo import make_conninfo

    down = make_conninfo(fixture_dsn, port="1", host="127.0.0.1")
    nologin = make_conninfo(fixture_dsn, user="app_rw")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: DOWN
          claim: c
          check: {kind: sql, target: down, query: "SELECT 1"}
        - id: NOLOGIN
          claim: c
          check: {kind: sql, target: nologin, query: "SELECT 1"}
        - id: NO-ROLE
          claim: c
          check: {kind: grants, target: db, role: nobody_here, on: [public.tenants], has: [SELECT]}
        - id: NO-ROLE-ISO
          claim: c
          check: {kind: rls_isolation, target: db, role: nobody_here, table: public.tenants,
                  setting: app.current_tenant_id, tenants: {"1": 0}}
        - id: SLOW
          claim: c
          check: {kind: sql, target: db, query: "SELECT pg_sleep(5)"}
        - id: FINE
          claim: the run goes on
          check: {kind: sql, target: db, query: "SELECT 1", expect: {value: 1}}
    """, header=f"""targets:
  postgres:
    db: {{dsn: '{fixture_dsn}', statement_timeout: 0.5}}
    down: {{dsn: '{down}', connect_timeout: 2}}
    nologin: {{dsn: '{nologin}'}}
"""))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 3
    assert res.verdicts == {"DOWN": "UNKNOWN", "NOLOGIN": "UNKNOWN", "NO-ROLE": "UNKNOWN",
                            "NO-ROLE-ISO": "UNKNOWN", "SLOW": "UNKNOWN", "FINE": "TRUE"}
    reasons = {h["id"]: h["reason"] for h in res.results["hypotheses"]}
    assert "connection" in reasons["DOWN"].lower()
    assert "not permitted to log in" in reasons["NOLOGIN"]
    assert 'role "nobody_here" does not exist' in reasons["NO-ROLE"]
    assert 'nobody_here' in reasons["NO-ROLE-ISO"]
    assert "statement timeout" in reasons["SLOW"]
    assert all("\n" not in r for r in reasons.values())
    # An ERROR still says what ran and how to reproduce it (the pack's reader re-runs it).
    checks = {h["id"]: h["checks"][0] for h in res.results["hypotheses"]}
    for hyp in ("DOWN", "SLOW", "NO-ROLE"):
        assert checks[hyp]["status"] == "error"
        # A throwaway database is gone after the run: its line is `certify reproduce`, then psql.
        lines = checks[hyp]["reproduce"].splitlines()
        assert checks[hyp]["ran"] and any(line.startswith("psql") for line in lines), checks[hyp]
    assert "pg_sleep(5)" in checks["SLOW"]["reproduce"]


def test_dsn_passwords_never_reach_the_pack(tmp_path: Path, fixture_dsn: str) -> None:
    from psycopg.conninfo import make_conninfo

    with_pw = make_conninfo(fixture_dsn, password="pw-PLANTED-in-dsn")  # trust auth ignores it
    hyps = run_pg(tmp_path, with_pw, """
        - id: H
          claim: c
          check: {kind: sql, query: "SELECT 1", expect: {value: 1}}
    """)
    assert hyps["H"]["verdict"] == "TRUE"
    assert "psql" in hyps["H"]["checks"][0]["reproduce"]
    for p in (tmp_path / "reports").rglob("*"):
        if p.is_file():
            assert "pw-PLANTED-in-dsn" not in p.read_text()

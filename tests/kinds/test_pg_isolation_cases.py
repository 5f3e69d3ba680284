"""rls_isolation beyond counting reads: a case may expect to be refused (`denied`, `error`);
identities carry their own role, settings and Supabase JWT claims; `foreign_rows` says which
rows must never be seen; and write probes (INSERT naming another owner, UPDATE and DELETE of
others' rows) run in transactions that are always rolled back, on a dsn only with
`allow_writes: rollback`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import FIXTURES, certify, spec_text, write

A = "aaaaaaaa-0000-0000-0000-00000000000a"
B = "bbbbbbbb-0000-0000-0000-00000000000b"

PLAIN = """
DO $$BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iso_app') THEN CREATE ROLE iso_app LOGIN; END IF;
END$$;
CREATE TABLE public.strict_rows (tenant text, v int);
INSERT INTO public.strict_rows VALUES ('a', 1), ('b', 2);
ALTER TABLE public.strict_rows ENABLE ROW LEVEL SECURITY;
-- current_setting without missing_ok: an unset tenant raises instead of matching nothing
CREATE POLICY by_tenant ON public.strict_rows USING (tenant = current_setting('app.tenant'));
CREATE TABLE public.divides (tenant text);
INSERT INTO public.divides VALUES ('a');
ALTER TABLE public.divides ENABLE ROW LEVEL SECURITY;
CREATE POLICY broken ON public.divides USING (1 / 0 = 1);
CREATE TABLE public.revoked (id int);
CREATE TABLE public.open_rows (tenant text);
INSERT INTO public.open_rows VALUES ('a'), ('b');
GRANT SELECT ON public.strict_rows, public.divides, public.open_rows TO iso_app;
"""


@pytest.fixture(scope="module")
def dsns(pg_server: Callable[[list[Path]], str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    sql = tmp_path_factory.mktemp("iso") / "plain.sql"
    sql.write_text(PLAIN)
    supabase = [FIXTURES / "db-supabase/platform.sql", FIXTURES / "db-supabase/app.sql"]
    return {"plain": pg_server([sql]), "supabase": pg_server(supabase)}


def run(tmp: Path, dsn: str, hypotheses: str, target_extra: str = "") -> dict[str, dict[str, Any]]:
    write(tmp / "checks.yaml", spec_text(hypotheses, header=(
        f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'{target_extra}}}\n")))
    res = certify("run", "-q", cwd=tmp)
    assert res.results, res.stdout + res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def check(h: dict[str, Any]) -> dict[str, Any]:
    c: dict[str, Any] = h["checks"][0]
    return c


def test_expected_refusals(dsns: dict[str, str], tmp_path: Path) -> None:
    hyps = run(tmp_path, dsns["plain"], """
        - id: RAISES
          claim: an unset tenant is refused, a set one sees its rows
          check: {kind: rls_isolation, role: iso_app, table: public.strict_rows, setting: app.tenant,
                  tenants: {a: 1, b: 1}, no_tenant: denied}
        - id: REVOKED
          claim: c
          check: {kind: rls_isolation, role: iso_app, table: public.revoked, setting: app.tenant,
                  tenants: {a: denied}}
        - id: OPEN
          claim: c
          check: {kind: rls_isolation, role: iso_app, table: public.open_rows, setting: app.tenant,
                  tenants: {a: denied}}
        - id: NOT-DENIAL
          claim: c
          check: {kind: rls_isolation, role: iso_app, table: public.divides, setting: app.tenant,
                  tenants: {a: denied}}
        - id: ANY-ERROR
          claim: c
          check: {kind: rls_isolation, role: iso_app, table: public.divides, setting: app.tenant,
                  tenants: {a: error}}
        - id: UNEXPECTED
          claim: c
          check: {kind: rls_isolation, role: iso_app, table: public.strict_rows, setting: app.tenant,
                  tenants: {a: 1}, no_tenant: 0}
    """)
    assert hyps["RAISES"]["verdict"] == "TRUE", hyps["RAISES"]["reason"]
    assert "(no tenant) | denied: unrecognized configuration parameter" in check(hyps["RAISES"])["output"]
    assert hyps["REVOKED"]["verdict"] == "TRUE", hyps["REVOKED"]["reason"]
    assert "permission denied for table revoked (42501)" in check(hyps["REVOKED"])["output"]
    assert hyps["OPEN"]["verdict"] == "FALSE"
    assert [f["what"] for f in check(hyps["OPEN"])["findings"]] == ["iso_app sees 2 rows, expected denied"]
    assert hyps["NOT-DENIAL"]["verdict"] == "FALSE"
    assert check(hyps["NOT-DENIAL"])["findings"][0]["what"] == \
        "iso_app got error: division by zero (22012), expected denied"
    assert hyps["ANY-ERROR"]["verdict"] == "TRUE"
    assert hyps["UNEXPECTED"]["verdict"] == "UNKNOWN"
    assert "say `denied` if refusing is the isolation" in hyps["UNEXPECTED"]["reason"]


SUPABASE_CASES = f"""
        - id: NOTES
          claim: a signed-in user sees and writes only their own notes
          check:
            kind: rls_isolation
            table: basejump.notes
            cases:
              - {{label: user a, jwt: {{sub: "{A}", role: authenticated}}, expect: 1,
                 foreign_rows: "owner_id <> '{A}'",
                 writes: {{insert: {{owner_id: "{B}", body: planted}}}}}}
              - {{label: anon, jwt: {{role: anon}}, expect: denied}}
              - {{label: no claims, role: authenticated, expect: 0}}
        - id: ACCOUNTS
          claim: a signed-in user cannot create or touch an account in another's name
          check:
            kind: rls_isolation
            table: basejump.accounts
            cases:
              - {{label: user a, jwt: {{sub: "{A}", role: authenticated}}, expect: 1,
                 foreign_rows: "owner_id <> '{A}'",
                 writes: {{insert: {{id: "{B[:-1]}c", name: x, owner_id: "{B}"}}}}}}
"""


def test_supabase_identities_and_write_probes(dsns: dict[str, str], tmp_path: Path) -> None:
    hyps = run(tmp_path, dsns["supabase"], SUPABASE_CASES, ", allow_writes: rollback")
    notes = check(hyps["NOTES"])
    assert hyps["NOTES"]["verdict"] == "FALSE"
    assert [(f["where"], f["what"]) for f in notes["findings"]] == [
        ("basejump.notes with user a",
         "authenticated could INSERT naming another owner: 1 rows (rolled back)")]
    out = notes["output"]
    assert "user a | authenticated | 1 | 1 | 0 not its own" in out
    assert "anon | anon | denied: permission denied for schema basejump (42501) | denied" in out
    assert '{"role"' not in out  # labels, not raw claims
    assert f"INSERT INTO \"basejump\".\"notes\" (\"owner_id\", \"body\") VALUES ('{B}', 'planted'); " \
           "-> 1 rows; ROLLBACK" in out
    assert f"DELETE FROM \"basejump\".\"notes\" WHERE (owner_id <> '{A}'); -> 0 rows; ROLLBACK" in out
    assert hyps["ACCOUNTS"]["verdict"] == "TRUE", hyps["ACCOUNTS"]["reason"]
    assert "new row violates row-level security policy" in check(hyps["ACCOUNTS"])["output"]
    assert hyps["ACCOUNTS"]["reason"].endswith("every write probe refused")
    with psycopg.connect(dsns["supabase"]) as conn:  # nothing persisted
        assert conn.execute("SELECT count(*) FROM basejump.notes").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM basejump.accounts").fetchone() == (2,)


def test_write_probes_on_a_dsn_need_allow_writes(dsns: dict[str, str], tmp_path: Path) -> None:
    hyps = run(tmp_path, dsns["supabase"], SUPABASE_CASES)
    assert hyps["ACCOUNTS"]["verdict"] == "UNKNOWN"
    reason = hyps["ACCOUNTS"]["reason"]
    assert "write probes need `allow_writes: rollback` on the postgres target db" in reason
    evidence = run(tmp_path / "w", dsns["supabase"], SUPABASE_CASES, ", allow_writes: rollback")
    assert evidence["ACCOUNTS"]["verdict"] == "TRUE"
    pack = next((tmp_path / "w/reports").glob("*/*/EVIDENCE.md")).parent
    assert "write probes allowed, always rolled back" in (pack / "EVIDENCE.md").read_text()
    facts = json.loads((pack / "results.json").read_text())["environment"]["postgres db"]
    assert facts.endswith("; write probes allowed, always rolled back (allow_writes: rollback)")


def test_a_write_probe_that_proves_nothing_is_unknown(dsns: dict[str, str], tmp_path: Path) -> None:
    hyps = run(tmp_path, dsns["supabase"], f"""
        - id: BAD-VALUE
          claim: c
          check:
            kind: rls_isolation
            table: basejump.notes
            cases:
              - {{label: user a, jwt: {{sub: "{A}", role: authenticated}}, expect: 1,
                 writes: {{insert: {{id: "not a number", owner_id: "{B}"}}, update: false, delete: false}}}}
        - id: NO-OTHERS
          claim: c
          check:
            kind: rls_isolation
            table: basejump.notes
            cases:
              - {{label: user a, jwt: {{sub: "{A}", role: authenticated}}, expect: 1,
                 foreign_rows: "owner_id = '00000000-0000-0000-0000-000000000000'", writes: {{}}}}
    """, ", allow_writes: rollback")
    assert hyps["BAD-VALUE"]["verdict"] == "UNKNOWN"
    assert "failed for another reason than a refusal (invalid input syntax for type integer" in \
        hyps["BAD-VALUE"]["reason"]
    assert hyps["NO-OTHERS"]["verdict"] == "UNKNOWN"
    assert "no row matches foreign_rows" in hyps["NO-OTHERS"]["reason"]


@pytest.mark.parametrize("check_text, said", [
    ("{kind: rls_isolation, table: t, role: r, cases: [{label: x, expect: sometimes}]}",
     'expected a count (5, ">0", "0..10"), "denied" or "error"'),
    ("{kind: rls_isolation, table: t, role: r, cases: [{label: x, expect: 0, "
     "foreign_rows: \"1 = 1; DELETE FROM t\"}]}", "foreign_rows: the condition holds more than one"),
    ("{kind: rls_isolation, table: t, role: r, cases: [{label: x, expect: 0, "
     "foreign_rows: \"pg_terminate_backend(1)\"}]}", "calls pg_terminate_backend()"),
    ("{kind: rls_isolation, table: t, role: r, cases: [{label: x, expect: 0, writes: {}}]}",
     "writes: update and delete need `foreign_rows:`"),
    ("{kind: rls_isolation, table: t, cases: [{label: x, expect: 0}]}", "give the check a `role:`"),
    ("{kind: rls_isolation, table: t, role: r, tenants: {a: 0}}", "tenants need the `setting:`"),
    ("{kind: rls_isolation, table: t, role: r, cases: [{label: x, expect: 0, settings: {role: x}}]}",
     "settings: role may not be set"),
])
def test_bad_cases_are_one_positioned_line(tmp_path: Path, check_text: str, said: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {check_text}
    """, header="targets:\n  postgres:\n    db: {dsn: 'host=/nowhere dbname=x'}\n"))
    res = certify("validate", cwd=tmp_path)
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1, res.stderr
    assert lines[0].startswith("checks.yaml:") and said in lines[0], lines[0]

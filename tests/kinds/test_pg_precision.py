"""The PostgreSQL kinds flag what is weak and leave alone what only looks it, each rule proven
both ways: extension members, trigger functions, FORCE where nobody acts as the owner, a safely
pinned search_path, the pack's scope (every schema but the system's, extensions' and Supabase's
platform), and fixes that revoke where a privilege comes from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ROOT, certify, spec_text, write

SCHEMA = """
DO $$DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['pq_owner', 'pq_login_owner', 'pq_group', 'pq_app', 'pq_def_owner',
                           'pq_api', 'pq_via', 'pq_group_app', 'pq_owner_of_app'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END$$;
ALTER ROLE pq_login_owner LOGIN;
ALTER ROLE pq_app LOGIN;
GRANT pq_group TO pq_group_app;
GRANT pq_via TO pq_api;

CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;
CREATE FUNCTION public.pq_plain() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION public.pq_touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = '' AS $f$BEGIN RETURN NEW; END$f$;
CREATE FUNCTION public.pq_callable() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION public.pq_pinned() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = public, pg_temp AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION public.pq_pinned() FROM PUBLIC;

CREATE SCHEMA pq_t;
CREATE TABLE pq_t.by_super (id int);
CREATE TABLE pq_t.by_nologin (id int);
CREATE TABLE pq_t.by_login (id int);
CREATE TABLE pq_t.by_app_group (id int);
CREATE TABLE pq_t.by_definer_owner (id int);
ALTER TABLE pq_t.by_nologin OWNER TO pq_owner;
ALTER TABLE pq_t.by_login OWNER TO pq_login_owner;
ALTER TABLE pq_t.by_app_group OWNER TO pq_group;
CREATE TABLE pq_t.by_login_member (id int);
ALTER TABLE pq_t.by_login_member OWNER TO pq_owner_of_app;
GRANT pq_owner_of_app TO pq_app;
ALTER TABLE pq_t.by_definer_owner OWNER TO pq_def_owner;
DO $$DECLARE t text; BEGIN
  FOREACH t IN ARRAY ARRAY['by_super', 'by_nologin', 'by_login', 'by_app_group', 'by_definer_owner',
                           'by_login_member'] LOOP
    EXECUTE format('ALTER TABLE pq_t.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY p ON pq_t.%I USING (true)', t);
  END LOOP;
END$$;
CREATE SCHEMA pq_d;
CREATE FUNCTION pq_d.count_rows() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = ''
  AS 'SELECT count(*) FROM pq_t.by_definer_owner';
ALTER FUNCTION pq_d.count_rows() OWNER TO pq_def_owner;
REVOKE EXECUTE ON FUNCTION pq_d.count_rows() FROM PUBLIC;

CREATE SCHEMA pq_fns;
CREATE FUNCTION pq_fns.f() RETURNS int LANGUAGE sql AS 'SELECT 1';

CREATE SCHEMA pq_q;
CREATE FUNCTION pq_q."Mixed"() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION pq_q."table"() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE SCHEMA pq_x;
CREATE FUNCTION pq_x.via_public() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION pq_x.via_group() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION pq_x.direct() RETURNS int LANGUAGE sql AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION pq_x.via_group(), pq_x.direct() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pq_x.via_group() TO pq_via;
GRANT EXECUTE ON FUNCTION pq_x.direct() TO pq_api;
"""


@pytest.fixture(scope="module")
def results(pg_server: Callable[[list[Path]], str], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, dict[str, Any]]:
    sql = tmp_path_factory.mktemp("precision") / "schema.sql"
    sql.write_text(SCHEMA)
    dsn = pg_server([sql])
    tmp = tmp_path_factory.mktemp("precision-run")
    write(tmp / "checks.yaml", spec_text("""
        - id: PUBLIC-FN
          claim: c
          check: {kind: grants, on: [public.*], public: none}
        - id: PUBLIC-FN-EXT
          claim: c
          check: {kind: grants, on: [public.uuid_nil()], public: none, extensions: true}
        - id: DEFINER
          claim: c
          check: {kind: security_definer, schemas: [public], views: false}
        - id: DEFINER-EMPTY
          claim: c
          check: {kind: security_definer, schemas: [public], views: false, expect: {search_path: empty}}
        - id: FORCED
          claim: c
          check: {kind: rls, tables: [pq_t.*], expect: {forced: true}}
        - id: FORCED-APP
          claim: c
          check: {kind: rls, tables: [pq_t.*], app_roles: [pq_group_app], expect: {forced: true}}
        - id: SCOPE-SEVERAL
          claim: c
          check: {kind: rls, tables: [pq_fns.*, pq_t.by_super]}
        - id: SCOPE-NONE
          claim: c
          check: {kind: rls, tables: [pq_fns.*]}
        - id: QUOTED
          claim: c
          check: {kind: grants, on: ['pq_q."Mixed"()', 'pq_q."tab*', 'pq_*."Mix*'], public: none}
        - id: FIX
          claim: c
          check: {kind: grants, role: pq_api, on: [pq_x.*], lacks: [EXECUTE]}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp)
    return {h["id"]: h for h in res.results["hypotheses"]}


def found(h: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["where"], f["what"]) for c in h["checks"] for f in c["findings"])


def test_extension_members_are_left_out_unless_asked(results: dict[str, dict[str, Any]]) -> None:
    whats = found(results["PUBLIC-FN"])
    assert ("public.pq_plain()", "PUBLIC has EXECUTE") in whats
    assert not [w for w in whats if w[0].startswith("public.uuid_")], whats
    assert found(results["PUBLIC-FN-EXT"]) == [("public.uuid_nil()", "PUBLIC has EXECUTE")]


def test_trigger_functions_are_left_out_of_execute_findings(results: dict[str, dict[str, Any]]) -> None:
    assert "public.pq_touch()" not in {w for w, _ in found(results["PUBLIC-FN"])}
    definer = found(results["DEFINER"])
    assert ("public.pq_callable()", "EXECUTE is granted to PUBLIC") in definer
    assert "public.pq_touch()" not in {w for w, _ in definer}


def test_a_search_path_pinned_with_pg_temp_last_is_safe_by_default(
        results: dict[str, dict[str, Any]]) -> None:
    assert "public.pq_pinned()" not in {w for w, _ in found(results["DEFINER"])}
    assert ("public.pq_pinned()", "search_path is public, pg_temp, expected empty") in \
        found(results["DEFINER-EMPTY"])


def test_force_is_required_only_where_someone_acts_as_the_owner(results: dict[str, dict[str, Any]]) -> None:
    assert found(results["FORCED"]) == [
        ("pq_t.by_definer_owner", "row level security is not forced"),
        ("pq_t.by_login", "row level security is not forced"),
        ("pq_t.by_login_member", "row level security is not forced")]
    assert found(results["FORCED-APP"]) == [
        ("pq_t.by_app_group", "row level security is not forced"),
        ("pq_t.by_definer_owner", "row level security is not forced"),
        ("pq_t.by_login", "row level security is not forced"),
        ("pq_t.by_login_member", "row level security is not forced")]
    assert "pq_t.by_login_member: not forced matters: pq_app acts as its owner pq_owner_of_app" in \
        results["FORCED"]["checks"][0]["output"]
    output = results["FORCED"]["checks"][0]["output"]
    assert "pq_t.by_super: row level security is not forced, which matters only to its owner" in output
    assert "a superuser, who bypasses RLS anyway" in output
    assert "pq_t.by_nologin: row level security is not forced, which matters only to its owner pq_owner" \
        in output
    assert "pq_t.by_login: not forced matters: its owner pq_login_owner can log in" in output


def test_one_pattern_of_several_matching_no_table_is_a_note(results: dict[str, dict[str, Any]]) -> None:
    assert results["SCOPE-SEVERAL"]["verdict"] == "TRUE"
    assert "note: tables: pq_fns.* matched no table" in results["SCOPE-SEVERAL"]["checks"][0]["output"]
    assert results["SCOPE-NONE"]["verdict"] == "UNKNOWN"


def test_functions_whose_names_are_quoted_are_matched(results: dict[str, dict[str, Any]]) -> None:
    assert found(results["QUOTED"]) == [('pq_q."Mixed"()', "PUBLIC has EXECUTE"),
                                        ('pq_q."table"()', "PUBLIC has EXECUTE")]
    assert "matched no" not in results["QUOTED"]["checks"][0]["output"]


def test_the_fix_revokes_where_the_privilege_comes_from(results: dict[str, dict[str, Any]]) -> None:
    fixes = {f["where"]: f["fix"] for c in results["FIX"]["checks"] for f in c["findings"]}
    assert fixes == {
        "pq_x.direct()": "REVOKE EXECUTE ON FUNCTION pq_x.direct() FROM pq_api;",
        "pq_x.via_group()": "REVOKE EXECUTE ON FUNCTION pq_x.via_group() FROM pq_via; -- or REVOKE "
                            "pq_via FROM pq_api; -- pq_api holds it through membership of pq_via",
        "pq_x.via_public()": "REVOKE EXECUTE ON FUNCTION pq_x.via_public() FROM PUBLIC; -- pq_api holds it "
                             "through PUBLIC",
    }


# ---------------------------------------------------------------- the pack on Supabase

SUPABASE = [FIXTURES / "db-supabase/platform.sql", FIXTURES / "db-supabase/app.sql"]
PLANTED = {"public.admin_create_user(text)", "basejump.custom_access_token_hook(jsonb)",
           "public.get_account_billing(uuid)"}


def _pack(tmp: Path, vars_: str) -> dict[str, dict[str, Any]]:
    write(tmp / "checks.yaml",
          f"certify: 1\nphase: packs\ninclude:\n  - path: {ROOT}/checks/postgres-hardening.yaml\n"
          f"    vars: {{PG_TARGET: db, {vars_}}}\n"
          "targets:\n  postgres:\n    db:\n      ephemeral:\n"
          f"        setup: [{SUPABASE[0]}]\n        migrations: ['{SUPABASE[1]}']\nhypotheses: []\n")
    res = certify("run", "-q", cwd=tmp)
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_the_pack_on_a_supabase_schema_finds_exactly_the_planted_weaknesses(tmp_path: Path) -> None:
    hyps = _pack(tmp_path, "PG_DEFINER_GRANTEES: [authenticated, service_role]")
    flagged = {f["where"] for h in hyps.values() for c in h["checks"] for f in c["findings"]}
    assert flagged == PLANTED, flagged
    assert {h: v["verdict"] for h, v in hyps.items()} == {
        "PG-RLS": "TRUE", "PG-PUBLIC": "FALSE", "PG-DEFINER": "FALSE", "PG-VIEWS": "TRUE"}
    rls = hyps["PG-RLS"]["checks"][0]
    assert rls["output"].startswith("schemas covered: basejump; not reached by a wildcard: "
                                    "auth (Supabase platform), extensions (Supabase platform)")
    assert "schemas covered: basejump, public;" in hyps["PG-VIEWS"]["checks"][0]["output"]
    assert rls["values"]["tables"] == 4  # basejump's, though public holds no table
    definer = {(f["where"], f["what"]) for f in hyps["PG-DEFINER"]["checks"][0]["findings"]}
    assert ("public.get_account_billing(uuid)",
            "EXECUTE is granted to anon, outside authenticated, service_role") in definer


def test_the_pack_scope_of_functions_alone_does_not_empty_the_table_check(tmp_path: Path) -> None:
    hyps = _pack(tmp_path, "PG_DEFINER_GRANTEES: [authenticated, service_role], PG_SCOPE: [public.*]")
    assert hyps["PG-RLS"]["verdict"] == "TRUE", hyps["PG-RLS"]["reason"]
    assert {f["where"] for c in hyps["PG-PUBLIC"]["checks"] for f in c["findings"]} == {
        "public.admin_create_user(text)"}


OPEN_POLICIES = """
CREATE TABLE public.guestbook (id int, body text);
ALTER TABLE public.guestbook ENABLE ROW LEVEL SECURITY;
CREATE POLICY anyone_reads ON public.guestbook FOR SELECT USING (true);
CREATE POLICY anyone_writes ON public.guestbook FOR INSERT TO authenticated WITH CHECK (true);
GRANT SELECT, INSERT ON public.guestbook TO anon, authenticated;
CREATE TABLE public.private_notes (id int, owner_id uuid);
ALTER TABLE public.private_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON public.private_notes FOR ALL TO authenticated
  USING (owner_id = auth.uid()) WITH CHECK (owner_id = auth.uid());
CREATE POLICY service_all ON public.private_notes FOR ALL TO service_role USING (true);
"""


def test_open_policies_that_api_roles_can_use_are_flagged(
        pg_server: Callable[[list[Path]], str], tmp_path: Path) -> None:
    extra = tmp_path / "open.sql"
    extra.write_text(OPEN_POLICIES)
    dsn = pg_server([*SUPABASE, extra])
    write(tmp_path / "checks.yaml", spec_text("""
        - id: OPEN
          claim: c
          check: {kind: rls, tables: [public.*], expect: {open_policies: false}}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    check = res.results["hypotheses"][0]["checks"][0]
    assert [(f["where"], f["what"]) for f in check["findings"]] == [
        ("public.guestbook", "policy anyone_writes FOR INSERT is WITH CHECK (true) for authenticated: any of "
                             "them can write any row")]
    assert "note: public.guestbook: policy anyone_reads FOR SELECT is USING (true) for anon, authenticated" \
        in check["output"]
    assert "private_notes" not in "".join(f["where"] for f in check["findings"])  # service_role's is fine
    assert ("note: public.private_notes: 2 permissive policies for SELECT OR together (own_notes, "
            "service_all): a row any one of them admits is admitted") in check["output"]

"""Privileges and hardening that a catalog glance misses, each proven first as the attacker
would use it (the oracle), then found by the check: column grants, privileges reached by
SET ROLE, a search_path that lets a temporary table take a definer function's place, CREATE
reached through membership, and views that read RLS tables with their owner's rights."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from tests.conftest import certify, spec_text, write

SCHEMA = """
DO $$DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['px_app', 'px_deleter', 'px_noinherit', 'px_creators', 'px_untrusted',
                           'px_bypass', 'px_tenant_app'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', r);
    END IF;
  END LOOP;
END$$;
ALTER ROLE px_noinherit NOINHERIT;
ALTER ROLE px_bypass NOLOGIN BYPASSRLS;
GRANT px_bypass TO px_tenant_app;
GRANT px_deleter TO px_noinherit;
GRANT px_creators TO px_untrusted;

CREATE TABLE public.people (id int, ssn text, is_admin boolean);
INSERT INTO public.people VALUES (1, '078-05-1120', false);
GRANT SELECT (ssn), UPDATE (is_admin) ON public.people TO px_app;
CREATE TABLE public.cards (id int, token text);
GRANT SELECT (token) ON public.cards TO PUBLIC;
CREATE TABLE public.orders (id int);
INSERT INTO public.orders VALUES (1), (2);
GRANT DELETE, SELECT ON public.orders TO px_deleter;

CREATE SCHEMA open_to_group;
GRANT USAGE, CREATE ON SCHEMA open_to_group TO px_creators;
CREATE TABLE public.secrets (v text);
INSERT INTO public.secrets VALUES ('real');
CREATE FUNCTION public.path_public() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public AS $f$BEGIN RETURN (SELECT v FROM secrets LIMIT 1); END$f$;
CREATE FUNCTION public.path_temp_first() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_temp, public AS $f$BEGIN RETURN (SELECT v FROM secrets LIMIT 1); END$f$;
CREATE FUNCTION public.path_temp_last() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$BEGIN RETURN (SELECT v FROM secrets LIMIT 1); END$f$;
CREATE FUNCTION public.path_empty() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = '' AS $f$BEGIN RETURN (SELECT v FROM public.secrets LIMIT 1); END$f$;
DO $$BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO px_creators', current_database()); END$$;
CREATE FUNCTION public.path_missing_schema() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = not_yet_there, public, pg_temp AS $f$BEGIN RETURN (SELECT v FROM secrets LIMIT 1); END$f$;
CREATE FUNCTION public.path_group_creatable() RETURNS text LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = open_to_group, public, pg_temp AS $f$BEGIN RETURN (SELECT v FROM secrets LIMIT 1); END$f$;

CREATE TABLE public.tenant_rows (tenant text, v int);
INSERT INTO public.tenant_rows VALUES ('a', 1), ('b', 2);
ALTER TABLE public.tenant_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_tenant ON public.tenant_rows USING (tenant = current_setting('app.tenant', true));
GRANT SELECT ON public.tenant_rows TO px_app, px_tenant_app, px_bypass;
CREATE MATERIALIZED VIEW public.rows_snapshot AS SELECT * FROM public.tenant_rows;
GRANT SELECT ON public.rows_snapshot TO px_app;
CREATE MATERIALIZED VIEW public.rows_private AS SELECT * FROM public.tenant_rows;
CREATE VIEW public.rows_invoker WITH (security_invoker = true) AS SELECT * FROM public.tenant_rows;
CREATE VIEW public.rows_over_invoker AS SELECT * FROM public.rows_invoker;
CREATE MATERIALIZED VIEW public.snapshot_over_invoker AS SELECT * FROM public.rows_invoker;
GRANT SELECT ON public.snapshot_over_invoker TO PUBLIC;
CREATE VIEW public.rows_definer AS SELECT * FROM public.tenant_rows;
CREATE VIEW public.rows_over_definer AS SELECT * FROM public.rows_definer;
CREATE VIEW public.rows_clean WITH (security_invoker = true) AS SELECT * FROM public.rows_invoker;
GRANT SELECT ON public.rows_invoker, public.rows_over_invoker, public.rows_definer,
  public.rows_over_definer, public.rows_clean TO px_app;
"""


@pytest.fixture(scope="module")
def dsn(pg_server: Callable[[list[Path]], str], tmp_path_factory: pytest.TempPathFactory) -> str:
    sql = tmp_path_factory.mktemp("privileges") / "schema.sql"
    sql.write_text(SCHEMA)
    return pg_server([sql])


def as_role(dsn: str, user: str, *statements: str) -> list[Any]:
    """Run statements as a login role in a transaction that is rolled back; the last one's rows."""
    with psycopg.connect(make_conninfo(dsn, user=user)) as conn:
        rows: list[Any] = []
        for s in statements:
            cur = conn.execute(s)
            rows = cur.fetchall() if cur.description else []
        conn.rollback()
    return rows


@pytest.fixture(scope="module")
def results(dsn: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("privileges-run")
    write(tmp / "checks.yaml", spec_text("""
        - id: COLUMNS
          claim: c
          check: {kind: grants, role: px_app, on: [public.people], lacks: [SELECT, UPDATE]}
        - id: COLUMNS-PUBLIC
          claim: c
          check: {kind: grants, on: [public.cards], public: none}
        - id: SET-ROLE
          claim: c
          check: {kind: grants, role: px_noinherit, on: [public.orders], lacks: [DELETE]}
        - id: CLEAN
          claim: c
          check: {kind: grants, role: px_app, on: [public.orders], lacks: [DELETE, SELECT]}
        - id: ISOLATION-ESCAPE
          claim: c
          check:
            kind: rls_isolation
            role: px_tenant_app
            table: public.tenant_rows
            setting: app.tenant
            tenants: {a: 1, b: 1}
            no_tenant: 0
        - id: ISOLATION
          claim: c
          check:
            kind: rls_isolation
            role: px_app
            table: public.tenant_rows
            setting: app.tenant
            tenants: {a: 1, b: 1}
            no_tenant: 0
        - id: DEFINER
          claim: c
          check:
            kind: security_definer
            schemas: [public]
            untrusted: [PUBLIC, px_untrusted]
            expect: {public_execute: true}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp)
    return {h["id"]: h for h in res.results["hypotheses"]}


def found(h: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["where"], f["what"]) for c in h["checks"] for f in c["findings"])


def test_column_grants_count(dsn: str, results: dict[str, dict[str, Any]]) -> None:
    assert as_role(dsn, "px_app", "SELECT ssn FROM public.people") == [("078-05-1120",)]
    as_role(dsn, "px_app", "UPDATE public.people SET is_admin = true")  # would succeed
    assert results["COLUMNS"]["verdict"] == "FALSE"
    assert found(results["COLUMNS"]) == [("public.people", "px_app has SELECT on column ssn"),
                                         ("public.people", "px_app has UPDATE on column is_admin")]
    assert results["COLUMNS"]["checks"][0]["findings"][1]["fix"] == \
        "REVOKE UPDATE (is_admin) ON TABLE public.people FROM px_app;"
    assert as_role(dsn, "px_untrusted", "SELECT token FROM public.cards") == []  # readable by all
    assert found(results["COLUMNS-PUBLIC"]) == [("public.cards", "PUBLIC has SELECT on column token")]


def test_privileges_reached_by_set_role_count(dsn: str, results: dict[str, dict[str, Any]]) -> None:
    assert as_role(dsn, "px_noinherit", "SET ROLE px_deleter",
                   "WITH gone AS (DELETE FROM public.orders RETURNING 1) SELECT count(*) FROM gone") == [(2,)]
    assert results["SET-ROLE"]["verdict"] == "FALSE"
    assert found(results["SET-ROLE"]) == [
        ("public.orders", "px_noinherit has DELETE via SET ROLE px_deleter")]
    assert results["CLEAN"]["verdict"] == "TRUE", results["CLEAN"]["reason"]


def test_definer_search_path_must_end_with_pg_temp(dsn: str, results: dict[str, dict[str, Any]]) -> None:
    hijack = "CREATE TEMP TABLE secrets (v text); INSERT INTO pg_temp.secrets VALUES ('planted')"
    for fn in ("path_public", "path_temp_first"):
        assert as_role(dsn, "px_app", hijack, f"SELECT public.{fn}()") == [("planted",)], fn
    for fn in ("path_temp_last", "path_empty"):
        assert as_role(dsn, "px_app", hijack, f"SELECT public.{fn}()") == [("real",)], fn
    assert as_role(dsn, "px_untrusted", "CREATE TABLE open_to_group.secrets (v text)",
                   "INSERT INTO open_to_group.secrets VALUES ('planted')",
                   "SELECT public.path_group_creatable()") == [("planted",)]
    assert as_role(dsn, "px_untrusted", "CREATE SCHEMA not_yet_there",
                   "CREATE TABLE not_yet_there.secrets (v text)",
                   "INSERT INTO not_yet_there.secrets VALUES ('planted')",
                   "SELECT public.path_missing_schema()") == [("planted",)]
    whats = dict(found(results["DEFINER"]))
    assert "public.path_temp_last()" not in whats and "public.path_empty()" not in whats
    assert whats["public.path_missing_schema()"] == (
        "search_path includes not_yet_there, which does not exist, and px_untrusted can create it")
    assert whats["public.path_public()"] == (
        "search_path is public without pg_temp last: a temporary table takes the place of its objects")
    assert whats["public.path_temp_first()"] == (
        "search_path is pg_temp, public without pg_temp last: a temporary table takes the place of "
        "its objects")
    assert whats["public.path_group_creatable()"] == (
        "search_path includes open_to_group, where px_untrusted can CREATE")


def test_views_that_read_rls_tables_as_their_owner(dsn: str, results: dict[str, dict[str, Any]]) -> None:
    assert as_role(dsn, "px_app", "SELECT count(*) FROM public.tenant_rows") == [(0,)]
    for leaky in ("rows_snapshot", "rows_definer", "rows_over_definer"):
        assert as_role(dsn, "px_app", f"SELECT count(*) FROM public.{leaky}") == [(2,)], leaky
    # A view with security_invoker reads as whoever queries it, even under a view without it.
    for tight in ("rows_clean", "rows_over_invoker", "rows_invoker"):
        assert as_role(dsn, "px_app", f"SELECT count(*) FROM public.{tight}") == [(0,)], tight
    whats = dict(found(results["DEFINER"]))
    assert as_role(dsn, "px_app", "SELECT count(*) FROM public.snapshot_over_invoker") == [(2,)]
    assert whats["public.rows_snapshot"] == (
        "materialized view reads public.tenant_rows without row level security (a materialized view "
        "never applies it) and px_app can read it")
    assert whats["public.snapshot_over_invoker"].endswith("and PUBLIC can read it")
    for view in ("public.rows_definer", "public.rows_over_definer"):
        assert whats[view] == ("view without security_invoker reads public.tenant_rows as its owner "
                               "postgres, bypassing row level security"), view
    assert not {"public.rows_private", "public.rows_invoker", "public.rows_clean",
                "public.rows_over_invoker"} & set(whats)


def test_a_role_that_can_set_role_to_a_bypassrls_role_is_not_isolated(
        dsn: str, results: dict[str, dict[str, Any]]) -> None:
    assert as_role(dsn, "px_tenant_app", "SELECT count(*) FROM public.tenant_rows") == [(0,)]
    assert as_role(dsn, "px_tenant_app", "SET ROLE px_bypass",
                   "SELECT count(*) FROM public.tenant_rows") == [(2,)]
    assert results["ISOLATION-ESCAPE"]["verdict"] == "FALSE"
    assert found(results["ISOLATION-ESCAPE"]) == [
        ("px_tenant_app", "can SET ROLE px_bypass, which is superuser or BYPASSRLS: row level security "
                          "does not hold it")]
    assert results["ISOLATION"]["verdict"] == "TRUE", results["ISOLATION"]["reason"]

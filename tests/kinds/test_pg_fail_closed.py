"""PostgreSQL checks cannot act on the server: SQL that would (COPY ... TO PROGRAM, dblink_exec,
pg_terminate_backend..., which a read-only transaction does not stop) is refused when the spec
is loaded, with file:line:col; a spec cannot lift certify's timeouts or read-only settings; a
check that runs out of time leaves no query running on the server; and the pack says who the
checks ran as."""

from __future__ import annotations

import re
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import certify, spec_text, write

POSITIONED = re.compile(r"^checks\.yaml:\d+:\d+: .+$")


def load_error(tmp_path: Path, check: str) -> str:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {check}
    """, header="targets:\n  postgres:\n    db: {dsn: 'host=/nowhere dbname=x'}\n"))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2, f"accepted: {check}\n{res.stdout}{res.stderr}"
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and POSITIONED.match(lines[0]), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


@pytest.mark.parametrize(("query", "said"), [
    ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/certify-pwned'", "COPY"),
    ("copy public.tenants to '/tmp/x'", "COPY"),
    ("SELECT dblink_exec('dbname=postgres', 'INSERT INTO t VALUES (1)')", "dblink_exec()"),
    ("SELECT * FROM public.dblink('x', 'y') AS t(a int)", "dblink()"),
    ('SELECT "pg_catalog"."pg_terminate_backend"(pid) FROM pg_stat_activity', "pg_terminate_backend()"),
    ("SELECT pg_catalog.pg_cancel_backend /* c */ (1)", "pg_cancel_backend()"),
    ("SELECT pg_reload_conf()", "pg_reload_conf()"),
    ("SELECT lo_import('/etc/passwd')", "lo_import()"),
    ("SELECT lo_export(1, '/tmp/x')", "lo_export()"),
    ("SELECT pg_read_file('/etc/passwd')", "pg_read_file()"),
    ("SELECT pg_file_write('x', 'y', false)", "pg_file_write()"),
    ("SELECT pg_logical_emit_message(true, 'x', 'y')", "pg_logical_emit_message()"),
    ("SELECT pg_advisory_lock(1)", "pg_advisory_lock()"),
    ("SELECT public.pg_stat_statements_reset()", "pg_stat_statements_reset()"),
    ("SELECT pg_copy_logical_replication_slot('a', 'b')", "pg_copy_logical_replication_slot()"),
    ("SELECT query_to_xml('SELECT pg_terminate_backend(1)', true, false, '')", "query_to_xml()"),
    ("SELECT set_config('statement_timeout', '0', false), pg_sleep(60)", "statement_timeout"),
    ("SELECT set_config('ROLE', 'postgres', false)", "ROLE"),
    ("SELECT set_config(name, '0', false) FROM pg_settings", "not a plain literal"),
    ("SELECT set_config(E'statement\\x5ftimeout', '0', false)", "not a plain literal"),
    ("SELECT set_config(U&'statement\\005ftimeout', '0', false)", "not a plain literal"),
    ("SELECT set_config('statement_'\n'timeout', '0', false)", "not a plain literal"),
    ("SELECT set_config($s$lock_timeout$s$, '0', false)", "lock_timeout"),
    ('SELECT U&"pg\\005fterminate_backend"(1)', 'U&"..." name'),
    ("SELECT 1; SELECT 2", "more than one statement"),
    ("SELECT 1 ; COMMIT; DELETE FROM public.tenants", "more than one statement"),
    ("DO $b$BEGIN PERFORM pg_terminate_backend(1); END$b$", "starts with DO"),
    ("CALL public.p()", "starts with CALL"),
    ("SET statement_timeout = 0", "starts with SET"),
    ("SELECT 'unterminated", "unterminated"),
])
def test_sql_that_acts_on_the_server_is_refused_when_loaded(tmp_path: Path, query: str, said: str) -> None:
    quoted = "'" + query.replace("'", "''") + "'"
    err = load_error(tmp_path, f"{{kind: sql, query: {quoted}}}")
    assert "query:" in err and said in err, err
    assert err.startswith("checks.yaml:9:"), err  # the line of the check, at the query


@pytest.mark.parametrize("check", [
    "{kind: sql, query: 'SELECT 1', settings: {statement_timeout: '0'}}",
    "{kind: sql, query: 'SELECT 1', settings: {Lock_Timeout: '0'}}",
    "{kind: sql, query: 'SELECT 1', settings: {default_transaction_read_only: 'off'}}",
    "{kind: sql, query: 'SELECT 1', settings: {role: postgres}}",
    "{kind: sql, query: 'SELECT 1', settings: {session_authorization: postgres}}",
    "{kind: sql, query: 'SELECT 1', settings: {idle_in_transaction_session_timeout: '0'}}",
    "{kind: rls_isolation, role: app_user, table: public.t, setting: statement_timeout, tenants: {'0': 0}}",
])
def test_a_spec_cannot_lift_the_guarding_settings(tmp_path: Path, check: str) -> None:
    err = load_error(tmp_path, check)
    assert "may not be set" in err, err


@pytest.mark.parametrize("setting", ["statement_timeout: 0", "lock_timeout: 0", "connect_timeout: 0",
                                     "statement_timeout: -1"])
def test_a_target_cannot_turn_its_timeouts_off(tmp_path: Path, setting: str) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H
          claim: c
          check: {kind: sql, query: "SELECT 1"}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: 'host=/nowhere dbname=x', {setting}}}\n"))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    line = res.stderr.strip().splitlines()[0]  # (the check then names the target it lacks)
    assert POSITIONED.match(line) and setting.split(":")[0] in line and "above 0" in line, line


def test_what_merely_looks_dangerous_is_accepted(tmp_path: Path, fixture_dsn: str) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: STRINGS
          claim: names inside literals, comments and quoted names are not calls
          check:
            kind: sql
            query: |
              SELECT 'COPY x TO PROGRAM; pg_terminate_backend(1)' AS "copy", $q$ dblink_exec( ; $q$ AS d,
                     E'it\\'s; lo_import(' AS e -- pg_read_file(
                     /* nested /* pg_cancel_backend( */ ; */
            expect: {rows: 1}
        - id: TRAILING
          claim: one statement may end with a semicolon
          check: {kind: sql, query: "WITH x AS (SELECT 1 AS a) SELECT a FROM x;", expect: {value: 1}}
        - id: SETTING
          claim: a setting of the application is fine
          check:
            kind: sql
            query: "SELECT current_setting('app.current_tenant_id')"
            settings: {app.current_tenant_id: "57"}
            expect: {value: "57"}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"STRINGS": "TRUE", "TRAILING": "TRUE", "SETTING": "TRUE"}, res.stderr


def certify_backends(dsn: str, text: str) -> list[tuple[int, str]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT pid, state FROM pg_stat_activity WHERE application_name = 'certify' "
                            "AND query LIKE %s AND pid <> pg_backend_pid()", (f"%{text}%",)).fetchall()
    return [(int(p), str(s)) for p, s in rows]


def test_a_check_out_of_time_leaves_no_query_running(tmp_path: Path, fixture_dsn: str) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: SLOW
          claim: c
          check: {kind: sql, query: "SELECT pg_sleep(30.25)", timeout: 1}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"))
    started = time.monotonic()
    res = certify("run", "-q", cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert res.verdicts == {"SLOW": "UNKNOWN"}
    deadline = time.monotonic() + 2
    while certify_backends(fixture_dsn, "pg_sleep(30.25)") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [s for _, s in certify_backends(fixture_dsn, "pg_sleep(30.25)") if s == "active"] == []


def test_the_pack_says_who_the_checks_ran_as(tmp_path: Path, fixture_dsn: str) -> None:
    with psycopg.connect(fixture_dsn, autocommit=True) as conn:
        conn.execute("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'certify_reader_t') "
                     "THEN CREATE ROLE certify_reader_t NOLOGIN; END IF; END$$")
        conn.execute("GRANT pg_read_all_data, pg_read_all_settings TO certify_reader_t")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: AS-READER
          claim: c
          check: {kind: sql, target: reader, query: "SELECT current_user", expect: {value: certify_reader_t}}
        - id: AS-SUPERUSER
          claim: c
          check: {kind: sql, target: db, query: "SELECT 1", expect: {value: 1}}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"
                f"    reader: {{dsn: '{fixture_dsn}', role: certify_reader_t}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"AS-READER": "TRUE", "AS-SUPERUSER": "TRUE"}
    env = res.results["environment"]
    assert env["postgres db"].endswith(
        "; connected as postgres (superuser: may run server programs and write server files)"), env
    assert env["postgres reader"].endswith("; connected as certify_reader_t"), env
    assert "connected as postgres (superuser" in (res.pack / "EVIDENCE.md").read_text()
    reader = res.results["hypotheses"][0]["checks"][0]["reproduce"]
    assert "-c 'SET ROLE \"certify_reader_t\"; BEGIN READ ONLY; SELECT current_user;" in reader, reader


def test_a_scope_that_names_nothing_is_unknown_and_one_stray_pattern_a_note(tmp_path: Path,
                                                                            fixture_dsn: str) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: RLS-NONE
          claim: c
          check: {kind: rls, tables: [public.no_such_table]}
        - id: RLS-ONE-STRAY
          claim: c
          check: {kind: rls, tables: [public.twins, public.no_such_table]}
        - id: GRANTS-NONE
          claim: c
          check: {kind: grants, role: app_user, on: [public.no_such_*], lacks: [DELETE]}
        - id: GRANTS-ALLOWED-EMPTY
          claim: c
          check: {kind: grants, role: app_user, on: [public.no_such_*], lacks: [DELETE], allow_empty: true}
        - id: DEFINER-NO-SCHEMA
          claim: c
          check: {kind: security_definer, schemas: [no_such_schema]}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"RLS-NONE": "UNKNOWN", "RLS-ONE-STRAY": "TRUE", "GRANTS-NONE": "UNKNOWN",
                            "GRANTS-ALLOWED-EMPTY": "TRUE", "DEFINER-NO-SCHEMA": "UNKNOWN"}
    hyps = {h["id"]: h for h in res.results["hypotheses"]}
    assert hyps["RLS-NONE"]["reason"] == ("tables matched no table: public.no_such_table "
                                          "(set allow_empty: true if that is expected)")
    stray = hyps["RLS-ONE-STRAY"]["checks"][0]["output"]
    assert "note: tables: public.no_such_table matched no table" in stray
    assert hyps["GRANTS-NONE"]["reason"].startswith("objects matched no object: public.no_such_*")
    assert hyps["DEFINER-NO-SCHEMA"]["reason"].startswith("schemas matched no schema: no_such_schema")


def test_an_interrupted_run_cancels_its_query_on_the_server(tmp_path: Path, fixture_dsn: str) -> None:
    import signal
    import subprocess
    import sys

    write(tmp_path / "checks.yaml", spec_text("""
        - id: SLOW
          claim: c
          check: {kind: sql, query: "SELECT pg_sleep(30.75)"}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}', statement_timeout: 60}}\n"))
    proc = subprocess.Popen([sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not [s for _, s in certify_backends(fixture_dsn, "pg_sleep(30.75)") if s == "active"]:
            assert time.monotonic() < deadline, "the query never started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "Traceback" not in err
    assert proc.returncode == 3
    assert [s for _, s in certify_backends(fixture_dsn, "pg_sleep(30.75)") if s == "active"] == []


def test_sql_values_compare_with_their_types(tmp_path: Path, fixture_dsn: str) -> None:
    """Python's True == 1 made `SELECT true` pass `value: 1`, and str() made 5 pass "5"."""
    write(tmp_path / "checks.yaml", spec_text("""
        - id: BOOL-AS-ONE
          claim: c
          check: {kind: sql, target: db, query: "SELECT true", expect: {value: 1}}
        - id: BOOL-AS-ZERO
          claim: c
          check: {kind: sql, target: db, query: "SELECT false", expect: {value: 0}}
        - id: NUMBER-AS-TEXT
          claim: c
          check: {kind: sql, target: db, query: "SELECT 5", expect: {value: "5"}}
        - id: CONTAINS-BOOL
          claim: c
          check: {kind: sql, target: db, query: "SELECT true AS admin", expect: {contains: {admin: 1}}}
        - id: BOOL
          claim: c
          check: {kind: sql, target: db, query: "SELECT true", expect: {value: true}}
        - id: NUMERIC
          claim: c
          check: {kind: sql, target: db, query: "SELECT 1.50::numeric", expect: {value: 1.5}}
        - id: DATE
          claim: c
          check: {kind: sql, target: db, query: "SELECT DATE '2026-01-01'", expect: {value: "2026-01-01"}}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{fixture_dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"BOOL-AS-ONE": "FALSE", "BOOL-AS-ZERO": "FALSE", "NUMBER-AS-TEXT": "FALSE",
                            "CONTAINS-BOOL": "FALSE", "BOOL": "TRUE", "NUMERIC": "TRUE", "DATE": "TRUE"}

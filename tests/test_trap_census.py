"""The wrong-TRUE census: claims that are not true, written the ways users and adversaries
write them. Every one must come out FALSE or UNKNOWN (or be refused as a spec error), never
TRUE. Each test prints its figure; README "What certify guarantees" quotes the total.

The individual traps are also proven one by one beside their kinds; this file keeps the
census in one place so the figure is measured, not counted by hand.
"""

from __future__ import annotations

import json
import tempfile
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import certify, git, spec_text, write

NOT_TRUE = {"FALSE", "UNKNOWN"}


def _census(label: str, verdicts: dict[str, str], expected: set[str]) -> None:
    assert set(verdicts) == expected, f"hypotheses missing from the run: {expected - set(verdicts)}"
    wrong = {h: v for h, v in verdicts.items() if v not in NOT_TRUE}
    print(f"\nwrong-TRUE traps ({label}): {len(verdicts)} tried, {len(wrong)} TRUE")
    assert not wrong, f"traps that came out TRUE: {wrong}"


def _repo(root: Path) -> Path:
    """A git repository holding the shapes the traps are about."""
    repo = root / "repo"
    write(repo / "README.md", "demo\n")
    write(repo / "only/settings.txt", "SECRET_X=1\n")
    # Committed before it was ignored: git tracks it, .gitignore names it.
    write(repo / ".env", "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n")
    # A .ignore file inside the tree must not narrow a claim.
    write(repo / "vendor/.ignore", "*.cfg\n")
    write(repo / "vendor/leak.cfg", "PRIVATE_TOKEN_Q=abc\n")
    # Form feeds in a comment: str.splitlines() sees two lines more than ripgrep, so every
    # block read that way starts two lines early and route b borrows route a's call.
    (repo / "app").mkdir(parents=True)
    (repo / "app/routes.py").write_text(
        "# note \x0c verify_twin_ownership( must be called \x0c\n"
        '@router.get("/a/{twin_id}")\n'
        "def a(twin_id): verify_twin_ownership(twin_id)\n"
        '@router.get("/b/{twin_id}")\n'
        "def b(twin_id): return twin_id\n")
    # UTF-16 with a BOM, read by the Python path (the pattern has a look-ahead).
    (repo / "conf/win.ini").parent.mkdir(parents=True)
    (repo / "conf/win.ini").write_bytes("\ufeffDEBUG_MODE=on\r\n".encode("utf-16-le"))
    # A NUL byte after 8 KB: the rest of the file is still text a claim is about.
    (repo / "data/big.txt").parent.mkdir(parents=True)
    (repo / "data/big.txt").write_bytes(b"x\n" * 5000 + b"\0\n" + b"HARDCODED_PASSWORD=1\n")
    # A symlink inside the repository to a file elsewhere in it.
    write(repo / "private/real.env", "STRIPE_KEY=sk_test_1\n")
    (repo / "config").mkdir()
    (repo / "config/app.env").symlink_to("../private/real.env")
    # A directory where a file is expected.
    (repo / "policy.md").mkdir()
    write(repo / "policy.md/x.txt", "nothing\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    write(repo / ".gitignore", ".env\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore .env")
    return repo


STATIC_TRAPS = """
- id: G-DOT
  claim: no SECRET_X anywhere (paths written as ".")
  check: {kind: grep, pattern: SECRET_X, paths: [.], expect: none}
- id: G-DOTSLASH
  claim: no SECRET_X anywhere (paths written as "./")
  check: {kind: grep, pattern: SECRET_X, paths: [./], expect: none}
- id: G-TRACKED-IGNORED
  claim: no AWS key committed
  check: {kind: grep, pattern: 'AKIA[0-9A-Z]{16}', expect: none}
- id: G-DOT-IGNORE
  claim: no private token anywhere (.ignore inside the tree)
  check: {kind: grep, pattern: PRIVATE_TOKEN_Q, expect: none}
- id: G-NOTHING
  claim: no print( in a folder that does not exist
  check: {kind: grep, pattern: 'print\\(', paths: [does/not/exist/], expect: none}
- id: G-THEN-FF
  claim: every twin route checks ownership within its block
  check:
    kind: grep
    pattern: '@router\\.get\\(".*\\{twin_id\\}'
    paths: [app/]
    then: 'verify_twin_ownership\\('
    window: 2
- id: G-UTF16
  claim: debug mode is never switched on
  check: {kind: grep, pattern: 'DEBUG_MODE=(?=on)', expect: none}
- id: G-NUL-LATE
  claim: no hard-coded password
  check: {kind: grep, pattern: HARDCODED_PASSWORD, expect: none}
- id: G-SYMLINK
  claim: no Stripe key in config/
  check: {kind: grep, pattern: STRIPE_KEY, paths: [config/], expect: none}
- id: F-DIR
  claim: the policy file says who approves
  check: {kind: file, path: policy.md, contains: ['approved by']}
- id: F-UTF16
  claim: the ini file never switches debug on
  check: {kind: file, path: conf/win.ini, not_contains: ['DEBUG_MODE=on']}
- id: C-UNSET-GROUP
  claim: at least 372 tests passed
  check:
    kind: command
    run: echo "no tests ran"
    expect: {stdout: ['(?P<passed>\\d+) passed|no tests ran']}
    values: {passed: ">= 372"}
- id: C-INF
  claim: at least 372 tests passed (a number that is not finite)
  check:
    kind: command
    run: echo "inf passed"
    expect: {stdout: ['(?P<passed>\\S+) passed']}
    values: {passed: ">= 372"}
- id: C-TRUNCATED
  claim: nothing FAILED (the failure comes after 32 MiB of output)
  check:
    kind: command
    run: python3 -c "import sys; sys.stdout.write('.' * (33 * 1024 * 1024) + '\\nFAILED\\n')"
    expect: {stdout_not: ['FAILED']}
"""


def test_static_traps(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    write(tmp_path / "checks.yaml", spec_text(STATIC_TRAPS, header=f"targets:\n  repo: {{path: {repo}}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    ids = {line.split(":")[1].strip() for line in STATIC_TRAPS.splitlines() if line.startswith("- id:")}
    _census("repository, files, commands", res.verdicts, ids)
    assert res.exit_code in (1, 3), res.stderr


LOG_TRAPS = """
- id: L-EMPTY-FILE
  claim: no 403 (the export is empty)
  check: {kind: log_proof, source: empty, filter: 'httpRequest.status=403', expect: {count: 0}}
- id: L-EMPTY-ARRAY
  claim: no 403 (the export is [])
  check: {kind: log_proof, source: brackets, filter: 'httpRequest.status=403', expect: {count: 0}}
- id: L-UNDATED
  claim: no 403 since November (the 403s carry no usable timestamp)
  check:
    kind: log_proof
    source: undated
    filter: 'httpRequest.status=403'
    since: "2026-11-01T00:00:00Z"
    expect: {count: 0}
- id: L-ESCAPED
  claim: the backfill never ran (its URL is JSON-escaped in the export)
  check: {kind: log_proof, source: escaped, filter: 'httpRequest.requestUrl:"backfill"', expect: {count: 0}}
- id: L-VACUOUS-NONE
  claim: after the last call to /x, no call to /x was refused
  check:
    kind: log_proof
    source: vacuous
    filter: 'httpRequest.requestUrl=~"/x"'
    none: 'httpRequest.requestUrl=~"/x" AND httpRequest.status=403'
"""


def _entry(ts: object, status: int, url: str) -> dict[str, object]:
    e: dict[str, object] = {"insertId": f"{url}-{status}-{ts}", "httpRequest": {"status": status,
                                                                               "requestUrl": url}}
    if ts is not None:
        e["timestamp"] = ts
    return e


def test_log_traps(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "brackets.json").write_text("[]")
    undated = [_entry(None, 403, "/a"), _entry(1767225600, 403, "/a"), _entry("yesterday", 403, "/a"),
               _entry("2026-11-05T10:00:00Z", 200, "/a")]
    (tmp_path / "undated.json").write_text(json.dumps(undated))
    # A JSON Lines export whose URL is JSON-escaped (json.dumps(ensure_ascii) writes such text).
    (tmp_path / "escaped.json").write_text(
        '{"insertId": "e1", "timestamp": "2026-11-05T10:00:00Z", '
        '"httpRequest": {"status": 200, "requestUrl": "https://api/\\u0062ackfill"}}\n')
    vac = [_entry("2026-11-05T10:00:00Z", 200, "/x"), _entry("2026-11-05T11:00:00Z", 403, "/x")]
    (tmp_path / "vacuous.json").write_text(json.dumps(vac))
    header = "targets:\n  logs:\n" + "".join(
        f"    {name}: {{files: [{name}.json]}}\n" for name in ("empty", "brackets", "undated", "escaped",
                                                             "vacuous"))
    write(tmp_path / "checks.yaml", spec_text(LOG_TRAPS, header=header))
    res = certify("run", "-q", cwd=tmp_path)
    ids = {line.split(":")[1].strip() for line in LOG_TRAPS.splitlines() if line.startswith("- id:")}
    _census("log proofs", res.verdicts, ids)
    assert res.exit_code in (1, 3), res.stderr


EMPTY_VALUE_TRAPS = {
    "GIT-HEAD": 'check: {kind: git, head: "${RELEASE_SHA:-}"}',
    "GREP-MARKER": 'check: {kind: grep, pattern: "${RELEASE_SHA:-}", expect: some}',
    "FILE-MARKER": 'check: {kind: file, path: a.txt, contains: ["${RELEASE_SHA:-}"]}',
}


def test_empty_expected_values_are_refused(tmp_path: Path) -> None:
    """An expected value that expands to nothing would match anything: refused, not TRUE."""
    git(tmp_path, "init", "-q")
    write(tmp_path / "a.txt", "a\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "a")
    wrong = []
    for hid, check in EMPTY_VALUE_TRAPS.items():
        write(tmp_path / "checks.yaml", spec_text(f"""
            - id: {hid}
              claim: the release {hid.lower()} is what was certified
              {check}
        """))
        res = certify("run", "-q", cwd=tmp_path, env={"RELEASE_SHA": ""})
        if res.exit_code != 2 and res.verdicts.get(hid) not in NOT_TRUE:
            wrong.append(hid)
    print(f"\nwrong-TRUE traps (empty expected values): {len(EMPTY_VALUE_TRAPS)} tried, {len(wrong)} TRUE")
    assert not wrong


# Lines of one length, so that max_body falls exactly on a line boundary.
_METRIC_LINE = 'http_requests_total{{route="/r{}"}} 1\n'
_MAX_BODY = len(_METRIC_LINE.format(1000)) * 500


class _TrapHandler(BaseHTTPRequestHandler):
    """A service whose answers disagree with the claims below in the ways types and sizes can."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/me":
            body, ctype = json.dumps({"admin": 0, "roles": ["admin"], "mfa": 1}).encode(), "application/json"
        elif self.path == "/metrics":
            filler = "".join(_METRIC_LINE.format(i) for i in range(1000, 3000))
            body, ctype = (filler + "debug_endpoint_enabled 1\n").encode(), "text/plain; version=0.0.4"
        else:
            body, ctype = b"{}", "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


HTTP_TRAPS = """
- id: H-BOOL-AS-INT
  claim: the caller is not an admin (false, not 0)
  check: {kind: http, target: svc, path: /me, expect: {json: {admin: false}}}
- id: H-TRUE-AS-ONE
  claim: MFA is on (true, not 1)
  check: {kind: http, target: svc, path: /me, expect: {json: {mfa: true}}}
- id: H-EMPTY-LIST
  claim: the caller holds no roles
  check: {kind: http, target: svc, path: /me, expect: {json: {roles: []}}}
- id: M-OVERSIZE
  claim: the debug endpoint metric is not exposed (it comes after max_body)
  check: {kind: metrics, target: svc, path: /metrics, absent: [debug_endpoint_enabled]}
"""


def test_http_traps(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TrapHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        header = (f"targets:\n  http:\n    svc: {{base_url: 'http://127.0.0.1:{server.server_port}', "
                  f"max_body: {_MAX_BODY}}}\n")
        write(tmp_path / "checks.yaml", spec_text(HTTP_TRAPS, header=header))
        res = certify("run", "-q", cwd=tmp_path)
    finally:
        server.shutdown()
    ids = {line.split(":")[1].strip() for line in HTTP_TRAPS.splitlines() if line.startswith("- id:")}
    _census("HTTP answers", res.verdicts, ids)


PG_SCHEMA = """
CREATE ROLE trap_app_user LOGIN;
CREATE ROLE trap_deleter NOLOGIN;
CREATE ROLE trap_sneaky LOGIN NOINHERIT IN ROLE trap_deleter;
CREATE ROLE trap_api NOLOGIN;
CREATE ROLE trap_schema_owners NOLOGIN;
GRANT trap_schema_owners TO trap_api;
CREATE SCHEMA app;
CREATE SCHEMA shared;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA shared TO trap_schema_owners;
GRANT USAGE ON SCHEMA app, shared TO PUBLIC;
CREATE TABLE app.people (id int PRIMARY KEY, name text, ssn text, is_admin bool, tenant text);
ALTER TABLE app.people ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.people FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON app.people USING (tenant = current_setting('app.tenant', true));
GRANT SELECT (ssn) ON app.people TO trap_app_user;
GRANT UPDATE (is_admin) ON app.people TO trap_app_user;
GRANT SELECT (ssn) ON app.people TO PUBLIC;
CREATE TABLE app.audit (id int);
GRANT DELETE ON app.audit TO trap_deleter;
CREATE FUNCTION app.temp_first() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_temp, app AS 'SELECT 1';
CREATE FUNCTION app.temp_implicit() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = app AS 'SELECT 1';
CREATE FUNCTION app.via_member() RETURNS int LANGUAGE sql SECURITY DEFINER
  SET search_path = shared, pg_temp AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION app.temp_first(), app.temp_implicit(), app.via_member() FROM PUBLIC;
CREATE MATERIALIZED VIEW app.people_copy AS SELECT id, name, tenant FROM app.people;
GRANT SELECT ON app.people_copy TO trap_app_user;
CREATE VIEW app.people_v1 AS SELECT id, name, tenant FROM app.people;
CREATE VIEW app.people_v2 AS SELECT id, name FROM app.people_v1;
ALTER VIEW app.people_v1 SET (security_invoker = true);
"""

PG_TRAPS = """
- id: P-COLUMN-GRANTS
  claim: trap_app_user can neither read nor update people
  check: {kind: grants, target: db, role: trap_app_user, on: [app.people], lacks: [SELECT, UPDATE]}
- id: P-COLUMN-PUBLIC
  claim: nothing on people is granted to PUBLIC
  check: {kind: grants, target: db, on: [app.people], public: none}
- id: P-SET-ROLE
  claim: trap_sneaky cannot delete audit rows
  check: {kind: grants, target: db, role: trap_sneaky, on: [app.audit], lacks: [DELETE]}
- id: P-TEMP-FIRST
  claim: temp_first's search_path is pinned safely
  check: {kind: security_definer, target: db, schemas: [app], views: false,
          allow: ['app.temp_implicit()', 'app.via_member()']}
- id: P-TEMP-IMPLICIT
  claim: temp_implicit's search_path is pinned safely
  check: {kind: security_definer, target: db, schemas: [app], views: false,
          allow: ['app.temp_first()', 'app.via_member()']}
- id: P-CREATE-VIA-MEMBER
  claim: no untrusted role can create in a schema on via_member's path
  check: {kind: security_definer, target: db, schemas: [app], views: false, untrusted: [PUBLIC, trap_api],
          allow: ['app.temp_first()', 'app.temp_implicit()']}
- id: P-SQL-BOOL-AS-ONE
  claim: exactly one person is an admin (the query returns whether any is, true)
  check: {kind: sql, target: db, query: "SELECT true AS any_admin", expect: {value: 1}}
- id: P-MATVIEW
  claim: no view or materialized view exposes people's rows past RLS
  check: {kind: security_definer, target: db, schemas: [app],
          allow: ['app.temp_first()', 'app.temp_implicit()', 'app.via_member()']}
"""


def test_postgres_traps(tmp_path: Path, pg_server: Callable[[list[Path]], str]) -> None:
    dsn = pg_server([write(tmp_path / "schema.sql", PG_SCHEMA)])
    header = f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"
    write(tmp_path / "checks.yaml", spec_text(PG_TRAPS, header=header))
    res = certify("run", "-q", cwd=tmp_path)
    ids = {line.split(":")[1].strip() for line in PG_TRAPS.splitlines() if line.startswith("- id:")}
    _census("PostgreSQL", res.verdicts, ids)


def test_postgres_side_effects(tmp_path: Path, pg_server: Callable[[list[Path]], str]) -> None:
    """`sql` checks that would write or act on the server, run as a superuser (the worst
    case): each is refused at load time or stopped, and the server is left unchanged."""
    import psycopg

    dsn = pg_server([write(tmp_path / "schema.sql", """
        CREATE EXTENSION dblink;
        CREATE TABLE ledger (id int);
    """)])
    # Somewhere the server's OS user can write (tmp_path may belong to another user).
    marker = Path(tempfile.gettempdir()) / f"certify-trap-{uuid.uuid4().hex}"
    attempts = {
        "copy to program": f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
        "copy, second statement": f"SELECT 1; COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
        "dblink_exec": f"SELECT dblink_exec('{dsn}', 'INSERT INTO ledger VALUES (1)')",
        "quoted dblink_exec": f"SELECT \"public\".\"dblink_exec\"('{dsn}', 'INSERT INTO ledger VALUES (2)')",
        "terminate a backend": "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = 'victim'",
        "terminate, odd case": "select PG_Terminate_Backend(pid) from pg_stat_activity "
                               "where application_name = 'victim'",
        "cancel a backend": "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'victim'",
    }
    victim = psycopg.connect(dsn, application_name="victim", autocommit=True)
    try:
        succeeded = []
        for label, query in attempts.items():
            write(tmp_path / "checks.yaml", spec_text(f"""
                - id: SE
                  claim: {label}
                  check: {{kind: sql, target: db, query: {json.dumps(query)}}}
            """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
            res = certify("run", "-q", cwd=tmp_path)
            if res.exit_code != 2:
                succeeded.append(f"{label}: exit {res.exit_code}")
        try:
            victim.execute("SELECT 1")  # still connected: nothing terminated it
            killed = []
        except psycopg.Error:
            killed = ["another session terminated"]
        with psycopg.connect(dsn) as check:
            rows = check.execute("SELECT count(*) FROM ledger").fetchone()
    finally:
        victim.close()
    written = marker.exists()
    marker.unlink(missing_ok=True)
    effects = [*killed, *(["a file written by the server"] if written else []),
               *([f"{rows[0]} rows committed through dblink"] if rows and rows[0] else [])]
    print(f"\nserver-side effects attempted: {len(attempts)}, not refused: {len(succeeded)}, "
          f"effects seen: {len(effects)}")
    assert not effects
    assert not succeeded, succeeded


def test_hangs(tmp_path: Path) -> None:
    """Inputs that hung or grew without bound: each run ends on its own, within seconds of
    the check's timeout, with a pack or a one-line error, and no traceback."""
    import os
    import subprocess
    import time

    from tests.conftest import certify_process

    write(tmp_path / "repo/aaa.txt", "a" * 64 + "!\n")
    evil = "'(a+)+$(?=b)'"
    header = f"targets:\n  repo: {{path: {tmp_path / 'repo'}}}\n"
    cases: dict[str, tuple[str, str]] = {
        "catastrophic regex in grep": (header, f"check: {{kind: grep, pattern: {evil}, timeout: 1}}"),
        "catastrophic regex in file": (header, f"check: {{kind: file, path: aaa.txt, not_contains: [{evil}], "
                                               "timeout: 1}"),
        "catastrophic regex in command output": (
            header, f"check: {{kind: command, run: 'cat aaa.txt', expect: {{stdout_not: [{evil}]}}, "
                    "timeout: 1}"),
        "include /dev/zero": ("include: [/dev/zero]\n", "check: {kind: git}"),
        "include a /proc glob": ('include: ["/proc/self/**/*.yaml"]\n', "check: {kind: git}"),
    }
    survived = []
    for label, (head, check) in cases.items():
        case = tmp_path / label.replace(" ", "-").replace("/", "")
        write(case / "checks.yaml", spec_text(f"""
            - id: HANG
              claim: {label}
              {check}
        """, header=head))
        start = time.monotonic()
        try:
            proc = certify_process("run", "-q", cwd=case, timeout=40)
        except subprocess.TimeoutExpired:
            continue
        took = time.monotonic() - start
        if took < 20 and proc.returncode in (2, 3) and "Traceback" not in proc.stderr:
            survived.append(label)
    fifo = tmp_path / "fifo-spec"
    fifo.mkdir()
    os.mkfifo(fifo / "checks.yaml")
    try:
        proc = certify_process("run", "-q", cwd=fifo, timeout=20)
        if proc.returncode == 2 and "Traceback" not in proc.stderr:
            survived.append("a FIFO as the spec")
    except subprocess.TimeoutExpired:
        pass
    tried = len(cases) + 1
    print(f"\nhangs tried: {tried}, survived: {len(survived)}")
    assert len(survived) == tried, sorted(set(cases) | {"a FIFO as the spec"} - set(survived))

"""The engine's rule for scopes, proven for every kind: a scope that resolves to nothing makes
the check UNKNOWN with one wording ("... matched no ..."), unless `allow_empty: true`.

Every registered kind is either given a case here or named as having no scope, with why; a new
kind fails this test until it is placed.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from certify.kinds.registry import KINDS
from tests.conftest import certify, spec_text, write

# The check of each kind whose scope resolves to nothing.
EMPTY: dict[str, str] = {
    "grep": "{kind: grep, pattern: 'print\\(', paths: [nowhere/]}",
    "file": "{kind: file, references: {in: 'nowhere/*.yml', pattern: 'file: (?P<path>\\S+)'}}",
    "routes": "{kind: routes, code: {paths: [nowhere/]}, routes: ['GET /health']}",
    "log_proof": "{kind: log_proof, source: empty, filter: 'httpRequest.status=403', expect: {count: 0}}",
    "metrics": "{kind: metrics, target: svc, path: /metrics, absent: [debug_enabled]}",
    "migrations": "{kind: migrations, target: fresh}",
    "rls": "{kind: rls, target: db, tables: ['nowhere.*']}",
    "grants": "{kind: grants, target: db, role: app_user, on: ['nowhere.*'], lacks: [DELETE]}",
    "security_definer": "{kind: security_definer, target: db, schemas: [nowhere]}",
}

# Kinds whose every input names one thing: a missing thing is an error of its own, not an
# empty scope.
NO_SCOPE = {
    "command": "runs one command",
    "env": "names each variable",
    "git": "the repository itself",
    "sql": "one statement; its rows are what `expect.rows` counts",
    "http": "one request",
    "auth_matrix": "its requests and identities are required and non-empty (a spec error otherwise)",
    "rls_isolation": "one table, named",
    "cloud_run_service": "one service, named (a missing one is an error naming it)",
    "cloud_scheduler_job": "one job, named (a missing one is an error naming it)",
}


def test_every_kind_is_placed() -> None:
    assert set(EMPTY) | set(NO_SCOPE) == set(KINDS)
    assert not set(EMPTY) & set(NO_SCOPE)


class _Empty(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_empty_scope_is_unknown_in_every_kind_unless_allowed(tmp_path: Path, fixture_dsn: str) -> None:
    from psycopg.conninfo import make_conninfo

    admin = make_conninfo(fixture_dsn, dbname="postgres")
    (tmp_path / "empty.json").write_text("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Empty)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    header = (
        "targets:\n"
        "  logs:\n    empty: {files: [empty.json]}\n"
        f"  http:\n    svc: {{base_url: 'http://127.0.0.1:{server.server_port}'}}\n"
        "  postgres:\n"
        f"    db: {{dsn: '{fixture_dsn}'}}\n"
        f"    fresh: {{ephemeral: {{admin_dsn: '{admin}', migrations: ['nowhere/*.sql']}}}}\n"
    )
    hyps = "".join(
        f"- id: {kind.replace('_', '-')}{suffix}\n  claim: c\n  check: {check[:-1]}{extra}}}\n"
        for kind, check in EMPTY.items()
        for suffix, extra in (("", ""), ("-ALLOWED", ", allow_empty: true")))
    write(tmp_path / "checks.yaml", spec_text(hyps, header=header))
    try:
        res = certify("run", "-q", cwd=tmp_path)
    finally:
        server.shutdown()
    reasons = {h["id"]: h["reason"] for h in res.results["hypotheses"]}
    for kind in EMPTY:
        hid = kind.replace("_", "-")
        assert res.verdicts[hid] == "UNKNOWN", (kind, reasons[hid])
        assert " matched no " in reasons[hid] and "allow_empty: true" in reasons[hid], (kind, reasons[hid])
        allowed = reasons[f"{hid}-ALLOWED"]
        assert " matched no " not in allowed, (kind, allowed)
    # Allowed to be empty is not allowed to be wrong: a route that must exist is still missing.
    assert res.verdicts["routes-ALLOWED"] == "FALSE", reasons["routes-ALLOWED"]

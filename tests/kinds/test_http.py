"""HTTP kinds against real servers on 127.0.0.1: a service certify starts and stops itself,
and small stdlib servers the tests run. Faults are ERROR or FALSE with one line; none hangs."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import certify, processes_mentioning, spec_text, write

TOKENS = {"Bearer tok-acme": "acme", "Bearer tok-globex": "globex"}
METRICS = r'''# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{route="/twins/{id}",status="200"} 40
http_requests_total{route="/twins/{id}",status="404"} 2
celery_queue_depth{queue="default"} 3
celery_queue_depth{queue="slow \"lane\""} 7
'''


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/metrics":
            return self._send(200, METRICS.encode(), "text/plain; version=0.0.4")
        if self.path == "/html":
            return self._send(200, b"<html>not json</html>", "text/html")
        if self.path == "/big":
            return self._send(200, b"x" * 3_000_000, "text/plain")
        if self.path.startswith("/twins/"):
            tenant = TOKENS.get(self.headers.get("Authorization", ""))
            if tenant is None:
                return self._send(401, b'{"error": "unauthenticated"}')
            owner = "acme" if self.path.endswith("t1") else "globex"
            if tenant != owner:
                return self._send(404, b'{"error": "not found"}')
            return self._send(200, json.dumps({"id": self.path[7:], "tenant": owner}).encode())
        if self.path == "/leaky/t1":  # the misbehaving route: no auth at all
            return self._send(200, b'{"id": "t1"}')
        return self._send(404, b"{}")

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 resets connections under certify's fan-out


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run_http(tmp_path: Path, target: str, hypotheses: str, env: dict[str, str] | None = None,
             extra_header: str = "") -> tuple[dict[str, dict], object]:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header=f"targets:\n  http:\n    api: {target}\n"
                                                                   + extra_header))
    res = certify("run", "-q", cwd=tmp_path, env=env)
    assert res.exit_code in (0, 1, 3), res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}, res


def test_http_expectations(tmp_path: Path, api: str) -> None:
    hyps, _ = run_http(tmp_path, f"{{base_url: '{api}'}}", """
        - id: OK
          claim: c
          check: {kind: http, target: api, path: /twins/t1, headers: {Authorization: Bearer tok-acme},
                  expect: {status: 200, json: {tenant: acme}, headers: {content-type: json}, max_ms: 2000}}
        - id: WRONG-JSON
          claim: c
          check: {kind: http, target: api, path: /twins/t1, headers: {Authorization: Bearer tok-acme},
                  expect: {json: {tenant: globex, plan: pro}}}
        - id: NOT-JSON
          claim: c
          check: {kind: http, target: api, path: /html, expect: {json: {status: ok}}}
        - id: STATUS-LIST
          claim: c
          check: {kind: http, target: api, path: /twins/t1, expect: {status: [401, 403]}}
        - id: BIG
          claim: a 3 MB body over a 1 MB limit cannot be checked
          check: {kind: http, target: small, path: /big, expect: {body: 'y'}}
    """, extra_header=f"    small: {{base_url: '{api}', max_body: 1000000}}\n")
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "OK": "TRUE", "WRONG-JSON": "FALSE", "NOT-JSON": "FALSE", "STATUS-LIST": "TRUE", "BIG": "UNKNOWN"}
    assert hyps["WRONG-JSON"]["reason"] == ('GET /twins/t1: $.tenant: expected "globex", got "acme"; '
                                            '$.plan: missing (expected "pro")')
    assert hyps["NOT-JSON"]["reason"] == "GET /html: body: not JSON (text/html), expected JSON"
    assert "larger than 1000000 bytes" in hyps["BIG"]["reason"]
    assert hyps["OK"]["checks"][0]["reproduce"].startswith("curl -sS -i -X GET")


def test_auth_matrix_names_the_wrong_cell(tmp_path: Path, api: str) -> None:
    target = f"{{base_url: '{api}', headers: {{Authorization: 'Bearer ${{API_TOKEN}}'}}}}"
    hyps, res = run_http(tmp_path, target, """
        - id: MATRIX
          claim: only the owner sees a twin
          check:
            kind: auth_matrix
            requests: [{path: /twins/t1}, {path: /leaky/t1}]
            as:
              anonymous: {headers: {}}
              other_tenant: {headers: {Authorization: Bearer tok-globex}}
              owner: {headers: {Authorization: Bearer tok-acme}}
            expect: {anonymous: 401, other_tenant: 404, owner: 200}
    """, env={"API_TOKEN": "tok-acme"}, extra_header="secrets: [API_TOKEN]\n")
    m = hyps["MATRIX"]
    assert m["verdict"] == "FALSE"
    assert [(f["where"], f["what"]) for f in m["checks"][0]["findings"]] == [
        ("GET /leaky/t1 as anonymous", "200, expected 401"),
        ("GET /leaky/t1 as other_tenant", "200, expected 404")]
    assert "| GET /twins/t1 | 401 (want 401) | 404 (want 404) | 200 (want 200) |" in m["checks"][0]["output"]
    # reproduce lines stay pasteable: a secret's value becomes a reference to its variable
    repro = m["checks"][0]["reproduce"]
    assert "# as owner\ncurl -sS -i -X GET -H 'Authorization: Bearer '\"$API_TOKEN\"''" in repro
    assert "-H 'Authorization: Bearer ***'" in repro  # not a declared secret: masked
    for p in res.pack.rglob("*"):  # type: ignore[attr-defined]
        if p.is_file():
            assert "tok-acme" not in p.read_text() and "tok-globex" not in p.read_text()


def test_metrics(tmp_path: Path, api: str) -> None:
    hyps, _ = run_http(tmp_path, f"{{base_url: '{api}'}}", r"""
        - id: OK
          claim: c
          check:
            kind: metrics
            present: [celery_queue_depth, 'http_requests_.*']
            absent: ['worker_task_.*']
            values:
              'http_requests_total{status="200"}': ">= 40"
              'celery_queue_depth{queue="slow \"lane\""}': 7
              'celery_queue_depth': 10
        - id: BAD
          claim: c
          check: {kind: metrics, present: [worker_task_runtime_seconds], absent: ['celery_.*'],
                  values: {'http_requests_total{status="500"}': 0}}
        - id: NOT-PROM
          claim: c
          check: {kind: metrics, path: /html, present: [up]}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {"OK": "TRUE", "BAD": "FALSE", "NOT-PROM": "UNKNOWN"}
    assert [f["where"] for f in hyps["BAD"]["checks"][0]["findings"]] == [
        "worker_task_runtime_seconds", "celery_.*", 'http_requests_total{status="500"}']


def test_refused_and_hanging_servers_are_errors_and_nothing_hangs(tmp_path: Path) -> None:
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(5)  # accepts connections (in the backlog) and never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    start = time.monotonic()
    hyps, _ = run_http(tmp_path, f"{{base_url: 'http://127.0.0.1:{closed_port}'}}", """
        - id: REFUSED
          claim: c
          check: {kind: http, target: api, path: /health}
        - id: HANGS
          claim: c
          check: {kind: http, target: hang, path: /health}
    """, extra_header=f"    hang: {{base_url: 'http://127.0.0.1:{hang.getsockname()[1]}', timeout: 1}}\n")
    hang.close()
    assert time.monotonic() - start < 10
    assert hyps["REFUSED"]["verdict"] == hyps["HANGS"]["verdict"] == "UNKNOWN"
    assert "Connection refused" in hyps["REFUSED"]["reason"]
    assert "timed out" in hyps["HANGS"]["reason"].lower()


def test_a_started_service_is_waited_for_stopped_and_logged(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "health.json", '{"status": "ok"}\n')
    hyps, res = run_http(tmp_path, "{base_url: 'http://127.0.0.1:{port}', ready: /health.json, "
                         "start: 'python3 -m http.server {port} --bind 127.0.0.1 --directory site'}", """
        - id: UP
          claim: c
          check: {kind: http, path: /health.json, expect: {json: {status: ok}}}
    """)
    assert hyps["UP"]["verdict"] == "TRUE", hyps["UP"]["reason"]
    assert processes_mentioning("--directory site") == []  # stopped after the run
    log = res.pack / "attachments" / "targets" / "service-api.log"  # type: ignore[attr-defined]
    assert "GET /health.json" in log.read_text()


def test_a_service_that_never_gets_ready_is_unknown(tmp_path: Path) -> None:
    hyps, _ = run_http(tmp_path, "{base_url: 'http://127.0.0.1:{port}', ready: /health, ready_timeout: 2, "
                       "start: 'echo booting; sleep 30'}", """
        - id: NEVER
          claim: c
          check: {kind: http, path: /health}
    """)
    assert hyps["NEVER"]["verdict"] == "UNKNOWN"
    assert "did not answer within 2s" in hyps["NEVER"]["reason"]
    assert processes_mentioning("echo booting; sleep 30") == []


def test_tls_failure_is_an_error(tmp_path: Path, api: str) -> None:
    https = api.replace("http://", "https://")  # a plain-HTTP server: the TLS handshake fails
    hyps, _ = run_http(tmp_path, f"{{base_url: '{https}', timeout: 3}}", """
        - id: TLS
          claim: c
          check: {kind: http, path: /metrics}
    """)
    assert hyps["TLS"]["verdict"] == "UNKNOWN"
    assert "SSLError" in hyps["TLS"]["reason"] and "\n" not in hyps["TLS"]["reason"]

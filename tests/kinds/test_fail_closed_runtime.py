"""The HTTP kinds fail closed, against a real server on 127.0.0.1 that records what it got:
JSON types and lists match exactly, an identity sends none of the target's credentials,
and a scrape cut at max_body proves nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import MARK, certify, certify_process, processes_mentioning, spec_text, write

FILLER = "".join(f"a_{i:05d} 1\n" for i in range(100))  # 100 lines of exactly 10 bytes
BODIES: dict[str, tuple[str, str]] = {  # path -> (content type, body)
    "/me": ("application/json", '{"admin": 0, "roles": ["admin"], "count": 1.0, "n": 1, '
                                '"items": [{"id": 1, "extra": 2}, {"id": 2}]}'),
    "/dup": ("application/json", '{"admin": true, "admin": false}'),
    "/obj": ("application/json", '{"a": 1}'),
    "/metrics/big": ("text/plain", FILLER + "worker_task_total 1\n"),
    "/metrics/empty": ("text/plain", ""),
    "/metrics/nan": ("text/plain", "errors_total NaN\nup 1\n"),
    "/redos": ("text/plain", "a" * 40 + "b"),
}
RECEIVED: list[tuple[str, dict[str, str]]] = []  # (path, headers) of every request to /whoami...


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/whoami"):
            RECEIVED.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            ctype, body = "application/json", "{}"
        else:
            ctype, body = BODIES.get(self.path, ("text/plain", "not found"))
        data = body.encode()
        self.send_response(200 if self.path in BODIES or self.path.startswith("/whoami") else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if self.path == "/redos":
            self.send_header("X-Pad", "1" * 40)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run(tmp_path: Path, targets: str, hypotheses: str, env: dict[str, str] | None = None
        ) -> dict[str, dict]:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets:\n  http:\n" + targets))
    res = certify("run", "-q", cwd=tmp_path, env=env)
    assert res.exit_code in (0, 1, 3), res.stdout + res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_json_types_and_lists_match_exactly(tmp_path: Path, api: str) -> None:
    hyps = run(tmp_path, f"    api: {{base_url: '{api}'}}\n", """
        - id: FALSE-IS-NOT-0
          claim: not an admin, no roles
          check: {kind: http, path: /me, expect: {json: {admin: false, roles: []}}}
        - id: TRUE-IS-NOT-1
          claim: c
          check: {kind: http, path: /me, expect: {json: {n: true}}}
        - id: NUMBERS
          claim: 1 and 1.0 are the same number
          check: {kind: http, path: /me, expect: {json: {n: 1.0, count: 1}}}
        - id: LIST-IN-ORDER
          claim: objects in a list match element by element (a subset each), the lengths equal
          check: {kind: http, path: /me, expect: {json: {items: [{id: 1}, {id: 2}]}}}
        - id: LIST-SHORTER
          claim: c
          check: {kind: http, path: /me, expect: {json: {items: [{id: 1}]}}}
        - id: LIST-ORDER
          claim: c
          check: {kind: http, path: /me, expect: {json: {items: [{id: 2}, {id: 1}]}}}
        - id: CONTAINS
          claim: the explicit form for "has an item like"
          check: {kind: http, path: /me, expect: {json: {items: {$contains: [{id: 2}]}}}}
        - id: CONTAINS-NOT
          claim: c
          check: {kind: http, path: /me, expect: {json: {roles: {$contains: [user]}}}}
        - id: JSON-NULL
          claim: the body is JSON null
          check: {kind: http, path: /obj, expect: {json: null}}
        - id: DUPLICATE-KEY
          claim: not an admin
          check: {kind: http, path: /dup, expect: {json: {admin: false}}}
    """)
    verdicts = {k: v["verdict"] for k, v in hyps.items()}
    assert verdicts == {
        "FALSE-IS-NOT-0": "FALSE", "TRUE-IS-NOT-1": "FALSE", "NUMBERS": "TRUE", "LIST-IN-ORDER": "TRUE",
        "LIST-SHORTER": "FALSE", "LIST-ORDER": "FALSE", "CONTAINS": "TRUE", "CONTAINS-NOT": "FALSE",
        "JSON-NULL": "FALSE", "DUPLICATE-KEY": "UNKNOWN"}
    assert hyps["FALSE-IS-NOT-0"]["reason"] == (
        "GET /me: $.admin: expected false, got 0; $.roles: expected 0 items, got 1")
    assert hyps["LIST-SHORTER"]["reason"] == "GET /me: $.items: expected 1 item, got 2"
    assert hyps["LIST-ORDER"]["reason"].startswith("GET /me: $.items[0].id: expected 2, got 1")
    assert hyps["CONTAINS-NOT"]["reason"] == 'GET /me: $.roles: no item matches "user"'
    assert hyps["JSON-NULL"]["reason"] == 'GET /obj: $: expected null, got {"a": 1}'
    assert hyps["DUPLICATE-KEY"]["reason"].startswith(
        'not proven: the body repeats the key "admin": which value a client takes is not defined; 200 in ')


CREDENTIALS = {"Authorization": "Bearer target-token", "Api-Key": "target-api-key",
               "Private-Token": "target-private", "X-Custom-Token": "target-custom",
               "Cookie": "session=target-cookie", "Proxy-Authorization": "Basic dGFyZ2V0",
               "X-Api-Secret": "target-secret"}


def test_an_identity_sends_none_of_the_targets_credentials(tmp_path: Path, api: str) -> None:
    headers = ", ".join(f"'{k}': '{v}'" for k, v in {**CREDENTIALS, "X-Trace": "keep-me"}.items())
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    userinfo = api.replace("http://", "http://url-user:url-password@")
    RECEIVED.clear()
    hyps = run(tmp_path, f"    api: {{base_url: '{api}', headers: {{{headers}}}}}\n"
                         f"    withuser: {{base_url: '{userinfo}'}}\n", """
        - id: MATRIX
          claim: c
          check:
            kind: auth_matrix
            target: api
            requests: [{path: /whoami/target}]
            as: {anonymous: {headers: {}}, user: {headers: {Api-Key: user-key}}}
            expect: {anonymous: 200, user: 200}
        - id: URL-CREDENTIALS
          claim: c
          check:
            kind: auth_matrix
            target: withuser
            requests: [{path: /whoami/url}]
            as: {anonymous: {headers: {}}}
            expect: {anonymous: 200}
    """, env={"NETRC": str(netrc)})
    assert hyps["MATRIX"]["verdict"] == hyps["URL-CREDENTIALS"]["verdict"] == "TRUE"
    anonymous, user = [headers for path, headers in RECEIVED if path == "/whoami/target"]  # in `as` order
    (url_anonymous,) = [headers for path, headers in RECEIVED if path == "/whoami/url"]
    for name in CREDENTIALS:
        assert name.lower() not in anonymous, name
    assert "authorization" not in url_anonymous  # neither the URL's user nor ~/.netrc
    assert anonymous["x-trace"] == "keep-me"  # not a credential: still sent
    assert user["api-key"] == "user-key"
    assert not {n.lower() for n in CREDENTIALS} - {"api-key"} & set(user)


def test_metrics_fail_closed(tmp_path: Path, api: str) -> None:
    targets = f"    api: {{base_url: '{api}'}}\n    small: {{base_url: '{api}', max_body: 1000}}\n"
    hyps = run(tmp_path, targets, """
        - id: CUT
          claim: no worker metrics (they are past max_body)
          check: {kind: metrics, target: small, path: /metrics/big, absent: ['worker_task_.*']}
        - id: EMPTY
          claim: an empty scrape proves no absence
          check: {kind: metrics, target: api, path: /metrics/empty, absent: ['worker_task_.*']}
        - id: EMPTY-ALLOWED
          claim: c
          check: {kind: metrics, target: api, path: /metrics/empty, absent: ['worker_task_.*'],
                  allow_empty: true}
        - id: NAN
          claim: errors were counted
          check: {kind: metrics, target: api, path: /metrics/nan, values: {errors_total: "!= 0"}}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "CUT": "UNKNOWN", "EMPTY": "UNKNOWN", "EMPTY-ALLOWED": "TRUE", "NAN": "UNKNOWN"}
    assert hyps["CUT"]["reason"] == ("GET /metrics/big: scrape larger than 1000 bytes (max_body); "
                                     "raise max_body to read all of it")
    assert hyps["EMPTY"]["reason"] == ("scrape matched no series: /metrics/empty "
                                       "(set allow_empty: true if that is expected)")
    assert hyps["NAN"]["reason"] == ("not proven: errors_total is NaN; it compares with nothing; "
                                     "2 metrics scraped")


def test_a_body_regex_that_backtracks_forever_ends_at_the_check_timeout(tmp_path: Path, api: str) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: BODY
          claim: c
          check: {kind: http, path: /redos, timeout: 2, expect: {body: '(a+)+$'}}
        - id: HEADER
          claim: c
          check: {kind: http, path: /redos, timeout: 2, expect: {headers: {X-Pad: '(\\d+)+x'}}}
    """, header=f"targets:\n  http:\n    api: {{base_url: '{api}'}}\n"))
    start = time.monotonic()
    proc = certify_process("run", "-q", cwd=tmp_path, timeout=30, env={MARK: str(tmp_path)})
    assert time.monotonic() - start < 15
    assert proc.returncode == 3, proc.stdout + proc.stderr
    pack = Path(proc.stdout.strip().splitlines()[-1].removeprefix("Evidence pack: "))
    results = json.loads(((pack if pack.is_absolute() else tmp_path / pack) / "results.json").read_text())
    for h in results["hypotheses"]:
        # ours, or the engine's own timeout (which cannot fire while a regex holds the GIL)
        assert "did not finish within" in h["reason"] or "timed out after" in h["reason"], h["reason"]
    assert processes_mentioning("re.compile(source, flags)", marked=str(tmp_path)) == []


def test_credential_headers_of_checks_never_reach_the_pack(tmp_path: Path, api: str) -> None:
    """Identity and check headers are no target config: Api-Key and Private-Token values the
    secret shapes do not know are masked in the reproduce lines; Authorization stays a shape."""
    write(tmp_path / "checks.yaml", spec_text("""
        - id: MATRIX
          claim: c
          check:
            kind: auth_matrix
            requests: [{path: /whoami/leak}]
            as: {user: {headers: {Api-Key: ident-apikey-value-3, Private-Token: ident-private-value-4,
                                  Authorization: Bearer ident-bearer-value-6}}}
            expect: {user: 200}
        - id: HTTP
          claim: c
          check: {kind: http, path: /whoami/leak, headers: {Private-Token: "${CT_PRIVATE}"}}
    """, header=f"targets:\n  http:\n    api: {{base_url: '{api}', headers: {{Apikey: target-value-7}}}}\n"
                "secrets: [CT_PRIVATE]\n"))
    res = certify("run", "-q", cwd=tmp_path, env={"CT_PRIVATE": "http-private-value-5"})
    assert res.verdicts == {"MATRIX": "TRUE", "HTTP": "TRUE"}, res.stdout
    for path in res.pack.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for n in (3, 4, 5, 6, 7):
                assert f"value-{n}" not in text, (path.name, n)
    repro = res.results["hypotheses"][0]["checks"][0]["reproduce"]
    assert "-H 'Api-Key: ***'" in repro and "-H 'Authorization: Bearer ***'" in repro


@pytest.mark.parametrize("check, message", [
    ("{kind: auth_matrix, requests: [], as: {anonymous: {headers: {}}}, expect: {anonymous: 401}}",
     "requests: expected at least one request"),
    ("{kind: auth_matrix, requests: [{path: /x}], as: {}}", "as: expected at least one identity"),
])
def test_an_empty_matrix_is_a_spec_error(tmp_path: Path, api: str, check: str, message: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {check}
    """, header=f"targets:\n  http:\n    api: {{base_url: '{api}'}}\n"))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    assert res.stderr.startswith("checks.yaml:9:") and message in res.stderr, res.stderr

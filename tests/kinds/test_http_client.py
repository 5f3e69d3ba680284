"""The HTTP target's client against real servers on 127.0.0.1: a reset connection is sent again
once (GET, HEAD, OPTIONS only) and the evidence says so, a reset that persists stays UNKNOWN
naming it; a target's checks share keep-alive connections but never cookies; proxies from the
environment still apply."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import certify, spec_text, write

OK = b'{"status": "ok"}'
# How a reset reads: whether the client was reading or writing when the RST came decides which.
RESET = ("Connection reset by peer", "Remote end closed connection without response")


class Resetting:
    """Accepts connections, reads a request, and resets the first `resets` connections (RST, no
    answer); later ones get 200 {"status": "ok"}. Counts the connections."""

    def __init__(self, resets: int) -> None:
        self.resets = resets
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(5)
            with contextlib.suppress(OSError):
                conn.recv(65536)
                if self.connections <= self.resets:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(OK), OK))
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@contextlib.contextmanager
def resetting(resets: int) -> Iterator[Resetting]:
    server = Resetting(resets)
    try:
        yield server
    finally:
        server.close()


class KeepAlive(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive. /login sets a cookie; /whoami answers 409 when any cookie came
    back; anything else echoes the path. Counts connections on the server."""

    protocol_version = "HTTP/1.1"
    server: Any

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        cookie = self.headers.get("Cookie")
        status = 409 if self.path == "/whoami" and cookie else 200
        body = json.dumps({"path": self.path, "cookie": cookie}).encode()
        self.send_response(status)
        if self.path == "/login":
            self.send_header("Set-Cookie", "session=owner-session; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.connections = 0
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run(tmp_path: Path, url: str, hypotheses: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    header = f"targets:\n  http:\n    api: {{base_url: '{url}', timeout: 5}}\n"
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header=header))
    res = certify("run", "-q", cwd=tmp_path, env=env)
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_a_get_whose_connection_is_reset_is_sent_again_once(tmp_path: Path) -> None:
    with resetting(1) as server:
        hyps = run(tmp_path, server.url, """
            - id: UP
              claim: the service answers
              check: {kind: http, path: /health, expect: {json: {status: ok}}}
        """)
        assert server.connections == 2
    assert hyps["UP"]["verdict"] == "TRUE"
    output = hyps["UP"]["checks"][0]["output"]
    said = {f"(sent a second time: the first attempt failed with ConnectionError: {why})" for why in RESET}
    assert output.splitlines()[1] in said, output


def test_a_reset_that_persists_is_unknown_naming_it(tmp_path: Path) -> None:
    with resetting(2) as server:
        url = server.url
        hyps = run(tmp_path, url, """
            - id: UP
              claim: the service answers
              check: {kind: http, path: /health}
        """)
        assert server.connections == 2  # sent once more, not more
    assert hyps["UP"]["verdict"] == "UNKNOWN"
    reason = hyps["UP"]["reason"]
    hint = ("(a service with a small listen backlog resets connections when many checks call it at once: "
            "try a lower -j)")
    assert reason in {f"GET {url}/health: ConnectionError: {why}, and again when sent a second time {hint}"
                      for why in RESET}, reason


def test_a_post_is_not_sent_twice(tmp_path: Path) -> None:
    with resetting(1) as server:
        hyps = run(tmp_path, server.url, """
            - id: CREATE
              claim: a write is accepted
              check: {kind: http, method: POST, path: /items, json: {name: x}}
        """)
        assert server.connections == 1
    assert hyps["CREATE"]["verdict"] == "UNKNOWN"
    assert any(hyps["CREATE"]["reason"].endswith(f"/items: ConnectionError: {why}") for why in RESET), \
        hyps["CREATE"]["reason"]


def test_one_keep_alive_connection_serves_a_matrix(tmp_path: Path) -> None:
    with serving(KeepAlive) as server:
        hyps = run(tmp_path, server.url, """
            - id: MATRIX
              claim: everyone may read the three pages
              check:
                kind: auth_matrix
                requests: [{path: /a}, {path: /b}, {path: /c}]
                as: {anonymous: {headers: {}}, owner: {headers: {Authorization: Bearer tok}}}
                expect: {anonymous: 200, owner: 200}
        """)
        assert hyps["MATRIX"]["verdict"] == "TRUE", hyps["MATRIX"]["reason"]
        assert server.connections == 1  # six requests, one after the other, on one connection


def test_a_cookie_set_for_one_request_never_rides_with_another(tmp_path: Path) -> None:
    """A shared connection pool must not become a shared session: the owner's login cookie would
    make the anonymous cell of a matrix (or any later check) authenticated."""
    with serving(KeepAlive) as server:
        hyps = run(tmp_path, server.url, """
            - id: NO-COOKIE
              claim: after a login, an anonymous call still carries no cookie
              check:
                kind: auth_matrix
                requests: [{path: /login}, {path: /whoami}, {path: /login}, {path: /whoami}]
                as: {owner: {headers: {}}, anonymous: {headers: {}}}
                expect: {owner: 200, anonymous: 200}
        """)
    assert hyps["NO-COOKIE"]["verdict"] == "TRUE", hyps["NO-COOKIE"]["reason"]


def test_proxies_from_the_environment_still_apply(tmp_path: Path) -> None:
    """The environment is read once per origin rather than per request, but still read."""
    with serving(KeepAlive) as proxy:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: only the proxy can answer for it
        try:
            port = closed.getsockname()[1]
            hyps = run(tmp_path, f"http://127.0.0.1:{port}", """
                - id: VIA
                  claim: the request goes through the proxy
                  check: {kind: http, path: /health}
            """, env={"HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "NO_PROXY": "", "no_proxy": ""})
        finally:
            closed.close()
    assert hyps["VIA"]["verdict"] == "TRUE", hyps["VIA"]["reason"]
    assert f'"path": "http://127.0.0.1:{port}/health"' in hyps["VIA"]["checks"][0]["output"]

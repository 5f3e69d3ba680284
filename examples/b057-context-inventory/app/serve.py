"""Plumbing shared by the two fixture services (api.py, exporter.py): a threaded HTTP server
on 127.0.0.1 that prints one line when it listens and stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # certify fans out; the default backlog of 5 would reset connections


def serve(name: str, port: int, handler: type[BaseHTTPRequestHandler]) -> int:
    try:
        server = Server(("127.0.0.1", port), handler)
    except OSError as exc:
        print(f"{name}: cannot listen on 127.0.0.1:{port}: {exc}", file=sys.stderr, flush=True)
        return 1
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"{name} listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


class Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "skeldir-fixture/1"
    routes: dict[tuple[str, str], Callable[..., None]] = {}

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    def send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(n, 1 << 20)) if n > 0 else b""

    def dispatch(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        self.body = self.read_body()
        handler = self.routes.get((self.command, path))
        if handler is not None:
            handler(self)
        elif any(p == path for (_, p) in self.routes):
            self.send(405, b'{"detail":"Method Not Allowed"}', "application/json")
        else:
            self.send(404, b'{"detail":"Not Found"}', "application/json")

    do_GET = do_POST = do_HEAD = dispatch  # noqa: N815

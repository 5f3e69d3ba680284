"""Stand-in for the deployed twinly API (repo/backend), for the runtime claims of the Day 5 record.

Standard library only; certify starts it with `python3 app/server.py --port {port}` and stops it.

Its routes and its guards are not written here: at start it reads repo/backend/main.py and
repo/backend/routers/*.py (Python's ast) and serves exactly the routes that code declares,
each with exactly the guards its handler calls. Depends(get_current_user) authenticates
(missing, unknown, expired or revoked session -> 401, as backend/modules/auth_guard.py does);
each verify_twin/source/conversation_ownership(<param>, user) call in the handler (also in a
`for source_id in body.source_ids:` loop) answers 404 for a row of another tenant. A handler
that calls no verify_* serves any signed-in user, as the code would; a route the code loses
is 404. Edit the routers and the running API changes with them.

The stand-in's own parts: the data below (sessions, twins, sources, conversations, graph job
counts) and the response bodies, which are summaries, not the code's.

Sessions (the Authorization: Bearer value):
    sess-acme-owner    alice@acme.test   tenant acme    active
    sess-globex-owner  bob@globex.test   tenant globex  active
    sess-acme-revoked  carol@acme.test   tenant acme    user revoked (public.users.status)
    sess-acme-expired  dave@acme.test    tenant acme    session expired 2025-01-31 (checked against the clock)

Prints `twinly stand-in listening on http://127.0.0.1:PORT` once it accepts connections;
exits 0 on SIGTERM/SIGINT.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import json
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SESSIONS = {
    "sess-acme-owner": {"user": "alice@acme.test", "tenant": "acme", "status": "active",
                        "expires_at": 4102444800},  # 2100-01-01
    "sess-globex-owner": {"user": "bob@globex.test", "tenant": "globex", "status": "active",
                          "expires_at": 4102444800},
    "sess-acme-revoked": {"user": "carol@acme.test", "tenant": "acme", "status": "revoked",
                          "expires_at": 4102444800},
    "sess-acme-expired": {"user": "dave@acme.test", "tenant": "acme", "status": "active",
                          "expires_at": 1738281600},  # 2025-01-31
}

TWINS = {"twin-acme-1": "acme", "twin-globex-1": "globex"}
SOURCES = {"src-acme-1": "twin-acme-1", "src-acme-2": "twin-acme-1", "src-globex-1": "twin-globex-1"}
CONVERSATIONS = {"conv-acme-1": "twin-acme-1", "conv-globex-1": "twin-globex-1"}
# graph_extraction jobs by twin: enqueued by chat, never picked up (no worker handles them)
GRAPH_JOBS = {"twin-acme-1": {"queued": 2, "processing": 0, "complete": 0, "failed": 0},
              "twin-globex-1": {"queued": 1, "processing": 0, "complete": 0, "failed": 0}}


class Reply(Exception):
    def __init__(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def unauthorized(detail: str) -> Reply:
    return Reply(401, {"detail": detail}, {"WWW-Authenticate": "Bearer"})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "twinly-standin/1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            for route in ROUTES:
                m = route.pattern.fullmatch(path)
                if m and self.command == route.method:
                    self.serve_route(route, m.groupdict())
            raise Reply(404, {"detail": "Not Found"})
        except Reply as r:
            body = json.dumps(r.body).encode()
            self.send_response(r.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in r.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _dispatch  # noqa: N815

    # ---- backend/modules/auth_guard.py -----------------------------------------------------
    def get_current_user(self) -> dict:
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer "):
            raise unauthorized("missing bearer token")
        session = SESSIONS.get(header.split(" ", 1)[1].strip())
        if session is None:
            raise unauthorized("invalid token")
        if session["expires_at"] <= time.time():
            raise unauthorized("token expired")
        if session["status"] != "active":
            raise unauthorized("user revoked")
        return session

    def verify_twin_ownership(self, twin_id: str, user: dict) -> None:
        if TWINS.get(twin_id) != user["tenant"]:
            raise Reply(404, {"detail": "twin not found"})

    def verify_source_ownership(self, source_id: str, user: dict) -> None:
        if TWINS.get(SOURCES.get(source_id, "")) != user["tenant"]:
            raise Reply(404, {"detail": "source not found"})

    def verify_conversation_ownership(self, conversation_id: str, user: dict) -> None:
        if TWINS.get(CONVERSATIONS.get(conversation_id, "")) != user["tenant"]:
            raise Reply(404, {"detail": "conversation not found"})

    def source_ids(self) -> list[str]:
        try:
            ids = json.loads(self.body or b"null")["source_ids"]
        except (ValueError, TypeError, KeyError):
            ids = None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Reply(422, {"detail": "expected {\"source_ids\": [\"...\"]}"})
        return ids

    # ---- a route of the code, with the guards its handler calls ---------------------------
    def serve_route(self, route: Route, params: dict[str, str]) -> None:
        user = self.get_current_user() if route.authenticated else {}
        for kind, param in route.guards:
            verify = getattr(self, f"verify_{kind}_ownership")
            if param == "body.source_ids":
                for source_id in self.source_ids():  # every id before any change
                    verify(source_id, user)
            elif param in params:
                verify(params[param], user)
        raise Reply(200, body_of(route, params))


def body_of(route: Route, params: dict[str, str]) -> object:
    if route.literal is not None:  # the handler returns a literal: that is the answer
        return route.literal
    if route.handler == "graph_job_status":
        return {"twin_id": params["twin_id"], "job_type": "graph_extraction",
                "counts": GRAPH_JOBS.get(params["twin_id"], dict.fromkeys(("queued", "processing",
                                                                           "complete", "failed"), 0))}
    if route.handler == "list_chunks":
        chunks = [{"position": 0, "content": f"first chunk of {params['source_id']}"}]
        return {"source_id": params["source_id"], "chunks": chunks if params["source_id"] in SOURCES else []}
    return {"route": f"{route.method} {route.path}", "handler": route.handler, **params}


@dataclass
class Route:
    method: str
    path: str
    handler: str
    pattern: re.Pattern[str]
    authenticated: bool = False
    guards: list[tuple[str, str]] = field(default_factory=list)  # (twin|source|conversation, param)
    literal: object = None  # what the handler returns, when the code returns a literal


def _depends_on_current_user(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and ast.unparse(d) == "Depends(get_current_user)"
               for d in [*node.args.defaults, *node.args.kw_defaults] if d is not None)


def _routes_of(file: Path, owner: str) -> list[Route]:
    """The routes `owner` (router or app) declares in `file`, with the guards each handler calls."""
    out: list[Route] = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                    and ast.unparse(deco.func.value) == owner and deco.args
                    and isinstance(deco.args[0], ast.Constant)):
                continue
            path = str(deco.args[0].value)
            rx = "".join(f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
                         for part in re.split(r"(\{\w+\})", path))
            route = Route(deco.func.attr.upper(), path, node.name, re.compile(rx),
                          _depends_on_current_user(node))
            loops = {ast.unparse(f.target) for f in ast.walk(node)
                     if isinstance(f, ast.For) and ast.unparse(f.iter) == "body.source_ids"}
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.args:
                    m = re.fullmatch(r"verify_(twin|source|conversation)_ownership", call.func.id)
                    if m:
                        arg = ast.unparse(call.args[0])
                        route.guards.append((m.group(1), "body.source_ids" if arg in loops else arg))
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    with contextlib.suppress(ValueError):
                        route.literal = ast.literal_eval(ret.value)
                    break
            out.append(route)
    return out


def load_routes(backend: Path) -> list[Route]:
    routes = _routes_of(backend / "main.py", "app")
    for file in sorted((backend / "routers").glob("*.py")):
        routes += _routes_of(file, "router")
    # literal paths before parameters: /sources/bulk-approve is not /sources/{source_id}
    return sorted(routes, key=lambda r: r.path.count("{"))


ROUTES: list[Route] = []


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # certify fans out requests


def main() -> int:
    ap = argparse.ArgumentParser(description="twinly API stand-in (Day 5 fixture)")
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--backend", default=str(Path(__file__).resolve().parent.parent / "repo" / "backend"),
                    help="the backend tree whose routes and guards are served")
    args = ap.parse_args()
    ROUTES[:] = load_routes(Path(args.backend))
    port = args.port
    server = Server(("127.0.0.1", port), Handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"twinly stand-in listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

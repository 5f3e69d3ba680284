"""Stand-in for the deployed twinly API (repo/backend), for the runtime claims of the Day 5 record.

Python with psycopg; certify starts it with `python3 app/server.py --port {port} --run $PPID`
and stops it.

Its routes and its guards are not written here: at start it reads repo/backend/main.py and
repo/backend/routers/*.py (Python's ast) and serves exactly the routes that code declares,
each with exactly the guards its handler calls. Depends(get_current_user) authenticates
(missing, unknown or expired token -> 401; a user whose public.users row is missing or not
active -> 401, as backend/modules/auth_guard.py does); each
verify_twin/source/conversation_ownership(<param>, user) call in the handler (also in a
`for source_id in body.source_ids:` loop) answers 404 unless the row belongs to the caller's
tenant. A handler that calls no verify_* serves any signed-in user, as the code would; a route
the code loses is 404. Edit the routers and the running API changes with them.

Its data is the database certify built for this run (app/database.py, as service_role, like
the real API's Supabase client): users, twins, sources, chunks, conversations, jobs, from
repo/backend/database/seed.sql. Edit the seed and the running API answers differently.

The stand-in's own parts: the bearer tokens below (what Supabase's JWTs would carry: whose they
are and when they expire) and the response bodies, which are summaries, not the code's.

    sess-acme-owner    alice@acme.test   (acme)
    sess-globex-owner  bob@globex.test   (globex)
    sess-acme-revoked  carol@acme.test   (acme, revoked in public.users)
    sess-acme-expired  alice@acme.test   token expired 2025-01-31 (checked against the clock)

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
from typing import Any

import database

ACME_ALICE, ACME_CAROL = "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002"
GLOBEX_BOB = "b0000000-0000-4000-8000-000000000001"
# The bearer tokens the stand-in accepts, like Supabase access tokens: whose they are (the JWT
# `sub`, a user of the seeded database) and when they expire. Everything else (is the user
# active, which tenant, which rows) is read from the database.
SESSIONS = {
    "sess-acme-owner": {"sub": ACME_ALICE, "expires_at": 4102444800},    # 2100-01-01
    "sess-globex-owner": {"sub": GLOBEX_BOB, "expires_at": 4102444800},
    "sess-acme-revoked": {"sub": ACME_CAROL, "expires_at": 4102444800},  # public.users.status
    "sess-acme-expired": {"sub": ACME_ALICE, "expires_at": 1738281600},  # 2025-01-31
}
OWNER_SQL = {  # the row, if it belongs to the tenant (what auth_guard.py asks Supabase)
    "twin": "SELECT 1 FROM public.twins WHERE id::text = %s AND tenant_id = %s",
    "source": "SELECT 1 FROM public.sources s JOIN public.twins t ON t.id = s.twin_id "
              "WHERE s.id::text = %s AND t.tenant_id = %s",
    "conversation": "SELECT 1 FROM public.conversations c JOIN public.twins t ON t.id = c.twin_id "
                    "WHERE c.id::text = %s AND t.tenant_id = %s",
}


def query(sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of one read, on the stand-in's one connection (like a pool of one: certify fans
    out its requests, and a connection each would exhaust the server's slots)."""
    global _conn
    with _lock:
        for attempt in (1, 2):
            try:
                if _conn is None or _conn.closed:
                    _conn = database.connect(RUN, wait_s=0.0 if _gave_up.is_set() else 20.0)
                return list(_conn.execute(sql, params).fetchall())
            except Exception as exc:  # noqa: BLE001 - reconnect once, then no database, no answer
                if isinstance(exc, ConnectionError):
                    _gave_up.set()  # waited for the build once: later requests do not wait again
                _conn = None
                if attempt == 2:
                    raise Reply(503, {"detail": f"database unavailable: {type(exc).__name__}"}) from None
    raise AssertionError("unreachable")


RUN = ""
_conn: Any = None
_lock = threading.Lock()
_gave_up = threading.Event()


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
        rows = query("SELECT id::text, tenant_id::text, status FROM public.users WHERE id::text = %s",
                     session["sub"])
        if not rows or rows[0][2] != "active":
            raise unauthorized("user revoked")
        return {"id": rows[0][0], "tenant_id": rows[0][1]}

    def verify_ownership(self, kind: str, row_id: str, user: dict) -> None:
        if not query(OWNER_SQL[kind], row_id, user["tenant_id"]):
            raise Reply(404, {"detail": f"{kind} not found"})

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
            if param == "body.source_ids":
                for source_id in self.source_ids():  # every id before any change
                    self.verify_ownership(kind, source_id, user)
            elif param in params:
                self.verify_ownership(kind, params[param], user)
        raise Reply(200, body_of(route, params))


def body_of(route: Route, params: dict[str, str]) -> object:
    if route.literal is not None:  # the handler returns a literal: that is the answer
        return route.literal
    if route.handler == "graph_job_status":
        counts = dict.fromkeys(("queued", "processing", "complete", "failed"), 0)
        counts.update({str(s): int(str(n)) for s, n in query(
            "SELECT status, count(*) FROM public.jobs WHERE twin_id::text = %s "
            "AND job_type = 'graph_extraction' GROUP BY status", params["twin_id"])})
        return {"twin_id": params["twin_id"], "job_type": "graph_extraction", "counts": counts}
    if route.handler == "list_chunks":
        rows = query("SELECT position, content FROM public.chunks WHERE source_id::text = %s "
                     "ORDER BY position", params["source_id"])
        return {"source_id": params["source_id"], "chunks": [{"position": p, "content": c} for p, c in rows]}
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
    ap.add_argument("--run", required=True, help="the certify process ($PPID): finds the run's database")
    args = ap.parse_args()
    global RUN
    RUN = args.run
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

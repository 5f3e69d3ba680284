"""Stand-in for the deployed twinly API (repo/backend), for the runtime claims of the Day 5 record.

Standard library only; certify starts it with `python3 app/server.py --port {port}` and stops it.
It answers the routes of repo/backend/routers the way that code does: the Supabase session
behind the bearer token decides who the caller is (missing, unknown, expired or revoked -> 401),
and a row of another tenant answers 404, exactly like a row that does not exist. It also keeps
the one defect of that code: GET /sources/{source_id}/chunks (repo/backend/routers/ingestion.py)
never calls verify_source_ownership(), so any signed-in user reads any tenant's chunks.

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
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            for pattern, methods in ROUTES:
                m = pattern.fullmatch(path)
                if m and self.command in methods:
                    getattr(self, methods[self.command])(*m.groups())
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

    # ---- backend/main.py -------------------------------------------------------------------
    def health(self) -> None:
        raise Reply(200, {"status": "healthy"})

    # ---- backend/routers/twins.py ----------------------------------------------------------
    def get_twin(self, twin_id: str) -> None:
        user = self.get_current_user()
        self.verify_twin_ownership(twin_id, user)
        raise Reply(200, {"id": twin_id, "tenant": user["tenant"]})

    def graph_job_status(self, twin_id: str) -> None:
        user = self.get_current_user()
        self.verify_twin_ownership(twin_id, user)
        raise Reply(200, {"twin_id": twin_id, "job_type": "graph_extraction",
                          "counts": GRAPH_JOBS[twin_id], "last_job": f"{twin_id}-job-2"})

    # ---- backend/routers/sources.py --------------------------------------------------------
    def list_sources(self, twin_id: str) -> None:
        user = self.get_current_user()
        self.verify_twin_ownership(twin_id, user)
        raise Reply(200, [{"id": s} for s, t in SOURCES.items() if t == twin_id])

    def source_action(self, source_id: str, action: str) -> None:
        user = self.get_current_user()
        self.verify_source_ownership(source_id, user)
        raise Reply(200, {"source_id": source_id, "action": action})

    def bulk(self, action: str) -> None:
        user = self.get_current_user()
        ids = self.source_ids()
        for source_id in ids:  # every id before any change
            self.verify_source_ownership(source_id, user)
        raise Reply(200, [{"source_id": s, "action": action} for s in ids])

    # ---- backend/routers/ingestion.py ------------------------------------------------------
    def list_chunks(self, source_id: str) -> None:
        # Mirrors the code: authenticated, but no verify_source_ownership().
        self.get_current_user()
        if source_id not in SOURCES:
            raise Reply(200, {"source_id": source_id, "chunks": []})
        raise Reply(200, {"source_id": source_id,
                          "chunks": [{"position": 0, "content": f"first chunk of {source_id}"}]})

    # ---- backend/routers/conversations.py --------------------------------------------------
    def list_conversations(self, twin_id: str) -> None:
        user = self.get_current_user()
        self.verify_twin_ownership(twin_id, user)
        raise Reply(200, [{"id": c} for c, t in CONVERSATIONS.items() if t == twin_id])

    def list_messages(self, conversation_id: str) -> None:
        user = self.get_current_user()
        self.verify_conversation_ownership(conversation_id, user)
        raise Reply(200, [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])

    # routes: one method per action, so that the table below stays declarative
    def approve(self, s: str) -> None: self.source_action(s, "approve")
    def reject(self, s: str) -> None: self.source_action(s, "reject")
    def source_health(self, s: str) -> None: self.source_action(s, "health")
    def source_logs(self, s: str) -> None: self.source_action(s, "logs")
    def retry(self, s: str) -> None: self.source_action(s, "retry")
    def deep_scrub(self, s: str) -> None: self.source_action(s, "deep-scrub")
    def bulk_approve(self) -> None: self.bulk("approve")
    def bulk_update(self) -> None: self.bulk("update")


_ID = "([^/]+)"
ROUTES = [(re.compile(p), m) for p, m in [
    ("/health", {"GET": "health"}),
    (f"/twins/{_ID}", {"GET": "get_twin"}),
    (f"/twins/{_ID}/graph-job-status", {"GET": "graph_job_status"}),
    (f"/twins/{_ID}/sources", {"GET": "list_sources"}),
    (f"/twins/{_ID}/conversations", {"GET": "list_conversations"}),
    ("/sources/bulk-approve", {"POST": "bulk_approve"}),
    ("/sources/bulk-update", {"POST": "bulk_update"}),
    (f"/sources/{_ID}/approve", {"POST": "approve"}),
    (f"/sources/{_ID}/reject", {"POST": "reject"}),
    (f"/sources/{_ID}/health", {"GET": "source_health"}),
    (f"/sources/{_ID}/logs", {"GET": "source_logs"}),
    (f"/sources/{_ID}/retry", {"POST": "retry"}),
    (f"/sources/{_ID}/deep-scrub", {"POST": "deep_scrub"}),
    (f"/sources/{_ID}/chunks", {"GET": "list_chunks"}),
    (f"/conversations/{_ID}/messages", {"GET": "list_messages"}),
]]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # certify fans out requests


def main() -> int:
    ap = argparse.ArgumentParser(description="twinly API stand-in (Day 5 fixture)")
    ap.add_argument("--port", type=int, default=18080)
    port = ap.parse_args().port
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

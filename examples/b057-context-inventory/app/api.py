"""A stand-in for the Skeldir API (repo/backend/app/main.py under uvicorn), standard library
plus psycopg.

    python3 app/api.py --port 18000 --run $PPID [--worker stopped] [--postgres down]

Every answer that depends on the system's state is read from the database certify built
for this run (app/database.py), as app_user, like the real API:

  GET  /health/live     200 always (no dependencies)
  GET  /health/ready    database: a connection as app_user; rls: RLS enabled, forced and with
                        a policy on every tenant table (pg_class, pg_policy); tenant_guc:
                        app.current_tenant_id set and read back. 503 when any is not ok
  GET  /health/worker   broker: kombu_queue readable as app_user; worker and database: the
                        worker process (app/worker.py, started by this process) answered a
                        ping by reading the broker itself. 503 when any is not ok
  GET  /metrics         http_requests_total (the requests this process served, one series per
                        route) and the broker-truth gauges: kombu_message rows per kombu_queue,
                        refreshed at most every 15 s; a refresh that fails keeps the last good
                        values and increments celery_queue_stats_refresh_errors_total
  POST /api/webhooks/...  the five routes of repo/backend/app/api/webhooks.py: the tenant
                        lookup runs the query of tenant_context.py as app_user. PostgreSQL's
                        "permission denied for table tenants" becomes the record's 500; an
                        unknown key with the grant in place a 401

Two states of the record a run cannot cause are start flags, and they only take away what
the real outage took away:
  --worker stopped    no worker process is started (the record killed the Celery worker)
  --postgres down     after its first refresh of the gauges, this instance loses its
                      database: every later connection goes to a server that does not exist
                      (the record stopped Postgres under a running API)
Nothing else is decided by a flag.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import database
from serve import Base, serve

WEBHOOK_PATHS = (
    "/api/webhooks/shopify/order_create",
    "/api/webhooks/stripe/payment_intent_succeeded",
    "/api/webhooks/stripe/payment_intent/succeeded",
    "/api/webhooks/paypal/sale_completed",
    "/api/webhooks/woocommerce/order_completed",
)
TENANT_TABLES = ("tenants", "attribution_events", "webhook_events", "worker_failed_jobs",
                 "llm_api_calls", "llm_monthly_costs")
RLS_SQL = """
    SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ANY(%s)
      AND c.relrowsecurity AND c.relforcerowsecurity
      AND EXISTS (SELECT 1 FROM pg_policy AS p WHERE p.polrelid = c.oid)
"""
QUEUE_STATS_SQL = """
    SELECT q.name, count(m.id) AS depth,
           coalesce(extract(epoch FROM now() - min(m.timestamp)), 0) AS oldest_age_s
    FROM kombu_queue q LEFT JOIN kombu_message m ON m.queue_id = q.id AND m.visible
    GROUP BY q.name ORDER BY q.name
"""
TENANT_SQL = "SELECT id, webhook_secrets FROM tenants WHERE api_key_hash = %s AND status = 'active'"


class State:
    run = ""
    down_after_first_refresh = False
    lost_database = False
    worker: subprocess.Popen[str] | None = None
    worker_lock = threading.Lock()
    stats_lock = threading.Lock()
    last_refresh = float("-inf")
    depth: dict[str, float] = {}
    oldest: dict[str, float] = {}
    refresh_errors = 0
    requests: Counter[tuple[str, str]] = Counter()
    gave_up = threading.Event()


def connect() -> Any:
    if State.lost_database:
        raise ConnectionError("connection refused: the database is down")
    try:  # wait for certify to build the database, unless an earlier wait already gave up
        return database.connect(State.run, wait_s=0.0 if State.gave_up.is_set() else 20.0)
    except ConnectionError:
        State.gave_up.set()
        raise


def probe(fn: Any) -> str:
    try:
        with connect() as conn:
            return "ok" if fn(conn) else "error"
    except Exception as exc:  # noqa: BLE001 - a probe that cannot run reports error, with why
        print(f"probe {fn.__name__}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return "error"


def database_ok(conn: Any) -> bool:
    return conn.execute("SELECT 1").fetchone() == (1,)


def rls_ok(conn: Any) -> bool:
    enforced = {r[0] for r in conn.execute(RLS_SQL, (list(TENANT_TABLES),))}
    missing = sorted(set(TENANT_TABLES) - enforced)
    if missing:
        print(f"readiness: RLS not enforced on {', '.join(missing)}", file=sys.stderr, flush=True)
    return not missing


def tenant_guc_ok(conn: Any) -> bool:
    with conn.transaction():
        conn.execute("SELECT set_config('app.current_tenant_id', %s, true)", ("probe",))
        return conn.execute("SELECT current_setting('app.current_tenant_id', true)").fetchone() == ("probe",)


def broker_ok(conn: Any) -> bool:
    return conn.execute("SELECT count(*) FROM kombu_queue").fetchone() is not None


def ask_worker() -> dict[str, Any]:
    """The worker's answer to one ping (it reads the broker itself), or why there is none."""
    with State.worker_lock:
        w = State.worker
        if w is None or w.poll() is not None or w.stdin is None or w.stdout is None:
            return {"worker": "error", "why": "no worker process"}
        url = "" if State.lost_database else database.rendezvous(State.run).read_text(encoding="utf-8")
        w.stdin.write(json.dumps({"ping": True, "url": url}) + "\n")
        w.stdin.flush()
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(w.stdout.readline() if w.stdout else ""))
        reader.start()
        reader.join(10.0)
        if not answer or not answer[0]:
            return {"worker": "error", "why": "the worker did not answer within 10 s"}
        reply: dict[str, Any] = json.loads(answer[0])
        return reply


def begin_outage() -> None:
    """A Postgres-down instance: on its first request, the last good refresh, then the outage."""
    with State.stats_lock:
        if State.down_after_first_refresh:
            State.down_after_first_refresh = False
            _refresh()
            State.lost_database = True
            State.last_refresh = float("-inf")


def refresh_queue_stats(max_age_s: float = 15.0) -> None:
    """What /metrics does before it answers (queue_stats.refresh_queue_stats_cached)."""
    with State.stats_lock:
        if time.monotonic() - State.last_refresh >= max_age_s:
            _refresh()


def _refresh() -> None:
    try:
        with connect() as conn:
            rows = conn.execute(QUEUE_STATS_SQL).fetchall()
    except Exception as exc:  # noqa: BLE001 - keep last-good gauges, count the failure
        State.refresh_errors += 1
        print(f"queue stats refresh failed: {exc}", file=sys.stderr, flush=True)
        return
    State.depth = {name: float(depth) for name, depth, _ in rows}
    State.oldest = {name: float(age) for name, _, age in rows}
    State.last_refresh = time.monotonic()


class Api(Base):
    def json(self, status: int, obj: object) -> None:
        self.send(status, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

    def send(self, status: int, body: bytes, ctype: str) -> None:
        State.requests[(self.command, self.path.split("?", 1)[0].rstrip("/") or "/")] += 1
        super().send(status, body, ctype)

    def live(self) -> None:
        self.json(200, {"status": "ok"})

    def ready(self) -> None:
        begin_outage()
        checks = {"database": probe(database_ok), "rls": probe(rls_ok), "tenant_guc": probe(tenant_guc_ok)}
        ok = all(v == "ok" for v in checks.values())
        self.json(200 if ok else 503, {"status": "ok" if ok else "unhealthy", **checks})

    def worker(self) -> None:
        begin_outage()
        broker = probe(broker_ok)
        reply = ask_worker() if broker == "ok" else {"worker": "error", "why": "broker unreachable"}
        result = {"broker": broker, "database": reply.get("database", "error"), "worker": reply["worker"]}
        ok = all(v == "ok" for v in result.values())
        self.json(200 if ok else 503, {"status": "ok" if ok else "unhealthy", **result,
                                       "queue": "housekeeping", "task": "app.tasks.health.ping"})

    def metrics(self) -> None:
        begin_outage()
        refresh_queue_stats()
        served = State.requests.copy()
        served[("GET", "/metrics")] += 1  # this scrape, counted by send() below
        lines = ["# HELP http_requests_total API requests, by method and route template.",
                 "# TYPE http_requests_total counter"]
        lines += [f'http_requests_total{{method="{m}",route="{r}"}} {served[(m, r)]}'
                  for m, r in sorted(self.routes)]
        lines += ["# HELP celery_queue_depth Visible messages waiting in the broker, by queue.",
                  "# TYPE celery_queue_depth gauge"]
        lines += [f'celery_queue_depth{{queue="{q}"}} {n}' for q, n in State.depth.items()]
        lines += ["# HELP celery_queue_oldest_message_age_seconds Age of the oldest visible message.",
                  "# TYPE celery_queue_oldest_message_age_seconds gauge"]
        lines += [f'celery_queue_oldest_message_age_seconds{{queue="{q}"}} {a}'
                  for q, a in State.oldest.items()]
        lines += ["# HELP celery_queue_stats_refresh_errors_total Failed refreshes of the queue gauges.",
                  "# TYPE celery_queue_stats_refresh_errors_total counter",
                  f"celery_queue_stats_refresh_errors_total {float(State.refresh_errors)}"]
        self.send(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4; charset=utf-8")

    def webhook(self) -> None:
        key = self.headers.get("X-Skeldir-Tenant-Key")
        if not key:
            self.json(422, {"detail": [{"loc": ["header", "x-skeldir-tenant-key"], "msg": "field required"}]})
            return
        try:
            with connect() as conn:
                row = conn.execute(TENANT_SQL, (hashlib.sha256(key.encode()).hexdigest(),)).fetchone()
        except Exception as exc:  # noqa: BLE001 - what uvicorn does with an unhandled error
            print(f"ERROR webhook {self.path}: {type(exc).__name__}: {' '.join(str(exc).split())}\n"
                  "  in backend/app/core/tenant_context.py:get_tenant_with_webhook_secrets()",
                  file=sys.stderr, flush=True)
            self.send(500, b"Internal Server Error", "text/plain; charset=utf-8")
            return
        if row is None:
            self.json(401, {"detail": "unknown tenant key"})
            return
        self.json(200, {"status": "accepted"})

    routes = {
        ("GET", "/health/live"): live,
        ("GET", "/health/ready"): ready,
        ("GET", "/health/worker"): worker,
        ("GET", "/metrics"): metrics,
        **dict.fromkeys((("POST", p) for p in WEBHOOK_PATHS), webhook),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Skeldir API stand-in (see the module docstring)")
    ap.add_argument("--port", type=int, default=18000)
    ap.add_argument("--run", required=True, help="the certify process ($PPID): finds the run's database")
    ap.add_argument("--worker", choices=["running", "stopped"], default="running")
    ap.add_argument("--postgres", choices=["up", "down"], default="up")
    args = ap.parse_args(argv)
    State.run = args.run
    State.down_after_first_refresh = args.postgres == "down"
    if args.worker == "running":
        State.worker = subprocess.Popen([sys.executable, str(Path(__file__).with_name("worker.py"))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    print(f"api: worker={args.worker} postgres={args.postgres}; database as {database.RUNTIME_ROLE} "
          f"(the database of certify run {args.run})", flush=True)
    try:
        return serve("api", args.port, Api)
    finally:
        if State.worker is not None:
            State.worker.terminate()
        # the run is over (certify stops its services at the end): its database is gone too
        database.rendezvous(args.run).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())

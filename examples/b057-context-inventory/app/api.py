"""A stand-in for the Skeldir API (repo/backend/app/main.py under uvicorn), standard library only.

    python3 app/api.py --port 18000 --migrations 'db/migrations/*.sql' [--worker stopped] [--postgres down]

It answers the routes the record exercised, with the record's semantics:

  GET  /health/live     200 always (no dependencies)
  GET  /health/ready    200 database/rls/tenant_guc ok; 503 with "database": "error" when --postgres down
  GET  /health/worker   200 when the Celery round trip works; 503 when --worker stopped or
                        --postgres down (the broker is Postgres, so "broker": "error" then)
  GET  /metrics         API metrics + broker-truth queue gauges (celery_queue_*), never
                        celery_task_* / matview_refresh_* (those are on the exporter). With
                        --postgres down it still answers 200, keeps the last good gauges and
                        counts the failed refresh in celery_queue_stats_refresh_errors_total.
  POST /api/webhooks/...  the five webhook routes of repo/backend/app/api/webhooks.py

The states a run cannot create on its own (worker stopped, Postgres down) are start flags:
the spec starts one instance per state. Nothing else is simulated.

The webhook tenant lookup is not a constant: it reads the same migrations the ephemeral
database is built from and decides, as PostgreSQL would, whether app_user (directly or
through a role it is a member of) holds SELECT on public.tenants. Without it the lookup
fails like the record's asyncpg call did: 500 "Internal Server Error", with the traceback
line in the service log. With it, an unknown X-Skeldir-Tenant-Key is a clean 401.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import re
import sys
from pathlib import Path

from serve import Base, serve

WEBHOOK_PATHS = (
    "/api/webhooks/shopify/order_create",
    "/api/webhooks/stripe/payment_intent_succeeded",
    "/api/webhooks/stripe/payment_intent/succeeded",
    "/api/webhooks/paypal/sale_completed",
    "/api/webhooks/woocommerce/order_completed",
)
RUNTIME_ROLE = "app_user"  # DATABASE_URL's role

# Broker truth as of the last good refresh (the visible kombu_message rows per kombu_queue
# that db/migrations/006_runtime_state.sql leaves: llm 2, maintenance 1, the others 0).
QUEUE_DEPTH = {"housekeeping": 0, "maintenance": 1, "llm": 2, "attribution": 0}
QUEUE_OLDEST_AGE_S = {"housekeeping": 0.0, "maintenance": 45.0, "llm": 345.0, "attribution": 0.0}


def strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


GRANT_ON = re.compile(r"\bGRANT\s+([A-Z ,]+?)\s+ON\s+(?:TABLE\s+)?([\w.,\s\"]+?)\s+TO\s+([\w,\s\"]+?)\s*;",
                      re.I | re.S)
GRANT_ROLE = re.compile(r"\bGRANT\s+(\w+)\s+TO\s+([\w,\s]+?)\s*;", re.I)


def can_select_tenants(migration_glob: str) -> tuple[bool, str]:
    """(allowed, why) for SELECT on public.tenants by RUNTIME_ROLE, from the GRANTs in the migrations."""
    files = sorted(glob.glob(migration_glob))
    if not files:
        raise SystemExit(f"api: no migrations match {migration_glob!r}")
    table_grants: list[tuple[set[str], set[str], set[str]]] = []
    member_of: dict[str, set[str]] = {}
    for f in files:
        sql = strip_comments(Path(f).read_text(encoding="utf-8"))
        for privs, objects, roles in GRANT_ON.findall(sql):
            if "SCHEMA" in objects.upper() and "ALL TABLES" not in privs.upper() + objects.upper():
                continue
            p = {x.strip().upper() for x in privs.split(",")}
            o = {x.strip().strip('"').lower().removeprefix("public.") for x in objects.split(",")}
            r = {x.strip().strip('"').lower() for x in roles.split(",")}
            table_grants.append((p, o, r))
        for role, grantees in GRANT_ROLE.findall(sql):
            if role.upper() in {"SELECT", "INSERT", "UPDATE", "DELETE", "ALL", "USAGE", "EXECUTE"}:
                continue
            for g in grantees.split(","):
                member_of.setdefault(g.strip().lower(), set()).add(role.lower())
    roles = {RUNTIME_ROLE}
    frontier = [RUNTIME_ROLE]
    while frontier:
        for parent in member_of.get(frontier.pop(), ()):
            if parent not in roles:
                roles.add(parent)
                frontier.append(parent)
    for p, o, r in table_grants:
        if ({"SELECT", "ALL", "ALL PRIVILEGES"} & p) and ("tenants" in o or "all tables in schema public" in o) \
                and (r & (roles | {"public"})):
            return True, f"SELECT on public.tenants granted to {sorted(r & (roles | {'public'}))}"
    return False, f"no GRANT of SELECT on public.tenants to {sorted(roles)} in {len(files)} migrations"


class Api(Base):
    worker_running = True
    postgres_up = True
    tenants_readable = False
    refresh_errors = 0

    def json(self, status: int, obj: object) -> None:
        self.send(status, json.dumps(obj, separators=(",", ":")).encode(), "application/json")

    def live(self) -> None:
        self.json(200, {"status": "ok"})

    def ready(self) -> None:
        checks = {"database": "ok" if self.postgres_up else "error", "rls": "ok", "tenant_guc": "ok"}
        ok = all(v == "ok" for v in checks.values())
        self.json(200 if ok else 503, {"status": "ok" if ok else "unhealthy", **checks})

    def worker(self) -> None:
        if not self.postgres_up:
            probe = {"broker": "error", "database": "error", "worker": "error"}
        elif not self.worker_running:
            probe = {"broker": "ok", "database": "error", "worker": "error"}  # result.get() timed out
        else:
            probe = {"broker": "ok", "database": "ok", "worker": "ok"}
        ok = all(v == "ok" for v in probe.values())
        self.json(200 if ok else 503, {"status": "ok" if ok else "unhealthy", **probe,
                                       "queue": "housekeeping", "task": "app.tasks.health.ping"})

    def metrics(self) -> None:
        lines = [
            "# HELP http_requests_total API requests, by method, route template and status.",
            "# TYPE http_requests_total counter",
            'http_requests_total{method="GET",route="/health/live",status="200"} 12',
            'http_requests_total{method="GET",route="/health/ready",status="200"} 12',
            'http_requests_total{method="POST",route="/api/webhooks/paypal/sale_completed",status="500"} 1',
            "# HELP celery_queue_depth Visible messages waiting in the broker (kombu_message), by queue.",
            "# TYPE celery_queue_depth gauge",
            *[f'celery_queue_depth{{queue="{q}"}} {n}' for q, n in QUEUE_DEPTH.items()],
            "# HELP celery_queue_oldest_message_age_seconds Age of the oldest visible message, by queue.",
            "# TYPE celery_queue_oldest_message_age_seconds gauge",
            *[f'celery_queue_oldest_message_age_seconds{{queue="{q}"}} {a}' for q, a in QUEUE_OLDEST_AGE_S.items()],
            "# HELP celery_queue_stats_refresh_errors_total Failed refreshes of the broker-truth gauges.",
            "# TYPE celery_queue_stats_refresh_errors_total counter",
            f"celery_queue_stats_refresh_errors_total {float(self.refresh_errors)}",
        ]
        self.send(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4; charset=utf-8")

    def webhook(self) -> None:
        key = self.headers.get("X-Skeldir-Tenant-Key")
        if not key:
            self.json(422, {"detail": [{"loc": ["header", "x-skeldir-tenant-key"], "msg": "field required"}]})
            return
        if not self.postgres_up or not self.tenants_readable:
            why = ("connection refused" if not self.postgres_up
                   else "asyncpg.exceptions.InsufficientPrivilegeError: permission denied for table tenants")
            print(f"ERROR webhook {self.path}: {why}\n  in backend/app/core/tenant_context.py:"
                  "get_tenant_with_webhook_secrets()", file=sys.stderr, flush=True)
            self.send(500, b"Internal Server Error", "text/plain; charset=utf-8")
            return
        known = {hashlib.sha256(k.encode()).hexdigest() for k in ("sk_tenant_057", "sk_tenant_058")}
        if hashlib.sha256(key.encode()).hexdigest() not in known:
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
    ap.add_argument("--migrations", required=True, help="glob of the migrations the database is built from")
    ap.add_argument("--worker", choices=["running", "stopped"], default="running")
    ap.add_argument("--postgres", choices=["up", "down"], default="up")
    args = ap.parse_args(argv)
    Api.worker_running = args.worker == "running"
    Api.postgres_up = args.postgres == "up"
    Api.refresh_errors = 0 if Api.postgres_up else 1
    Api.tenants_readable, why = can_select_tenants(args.migrations)
    print(f"api: worker={args.worker} postgres={args.postgres}; tenant lookup as {RUNTIME_ROLE}: {why}",
          flush=True)
    return serve("api", args.port, Api)


if __name__ == "__main__":
    sys.exit(main())

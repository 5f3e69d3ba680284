"""A stand-in for the Celery worker's side of the health round trip (app.tasks.health.ping),
started by app/api.py. For each ping on stdin it connects to the broker database as app_user
and reads its queue (kombu_queue), then answers on stdout. A worker that is not running
answers nothing; a worker whose database is gone answers database: error."""

from __future__ import annotations

import json
import sys

import database


def main() -> int:
    import psycopg

    for line in sys.stdin:
        url = json.loads(line).get("url", "")
        try:
            if not url:
                raise ConnectionError("no database")
            with psycopg.connect(database.as_role(url, database.RUNTIME_ROLE), connect_timeout=3) as conn:
                conn.execute("SELECT count(*) FROM kombu_queue WHERE name = 'housekeeping'").fetchone()
            reply = {"worker": "ok", "database": "ok"}
        except Exception as exc:  # noqa: BLE001 - the worker reports, it does not crash
            reply = {"worker": "ok", "database": "error", "why": " ".join(str(exc).split())[:200]}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

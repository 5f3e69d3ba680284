"""Where the stand-in API finds the database certify built for this run, and how it talks to
it: logging in as `authenticator` and acting as `service_role`, as the real API's Supabase
client (service key) does, through psycopg.

certify builds the database from db/ and then runs the ephemeral `command`:

    python3 app/database.py publish --run $PPID

which writes the run's DATABASE_URL to a file named after this folder and the certify
process ($PPID of the shell certify starts). The stand-in is started with the same
`--run $PPID` and reads that file on each connection attempt, so every answer it gives
(users, twins, sources, conversations, jobs) is read from the very database the `sql` checks
read. The URL
has no password (a private cluster on a Unix socket) and the file holds nothing else.

A stand-in that cannot reach that database answers 503; it never invents an answer.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

RUNTIME_ROLE = "authenticator"  # the login role PostgREST uses; the API then acts as service_role
HERE = Path(__file__).resolve().parent.parent


def rendezvous(run: str) -> Path:
    key = hashlib.sha256(str(HERE).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"certify-day5-{key}-{run}.url"


def publish(run: str) -> None:
    url = os.environ["DATABASE_URL"]
    path = rendezvous(run)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(url, encoding="utf-8")
    tmp.replace(path)


def as_role(url: str, role: str) -> str:
    """The same database URL, logging in as `role` (trust authentication on the private cluster)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "user"]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}", query=urlencode(query, quote_via=quote)))


def connect(run: str, wait_s: float = 20.0) -> Any:
    """A connection to the run's database as service_role. Waits up to `wait_s` for certify to
    build it (the services may start first); raises with the reason when it cannot."""
    import psycopg

    deadline = time.monotonic() + wait_s
    why = "certify has not built the database yet"
    while True:
        try:
            url = rendezvous(run).read_text(encoding="utf-8")
            conn = psycopg.connect(as_role(url, RUNTIME_ROLE), connect_timeout=3, autocommit=True)
            conn.execute("SET ROLE service_role")
            return conn
        except (OSError, psycopg.Error) as exc:  # not published yet, or a file a finished run left
            why = " ".join(str(exc).split())[:200] or type(exc).__name__
        if time.monotonic() > deadline:
            raise ConnectionError(why)
        time.sleep(0.1)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "publish" or sys.argv[2] != "--run":
        sys.exit("usage: database.py publish --run PID")
    publish(sys.argv[3])

"""The PostgreSQL catalog checks pay for a run's fixed work once: the schema list is read once
per target, no connection is opened just to learn the server's version, and checks that run
one after another share one connection (its catalog caches warm), never with SQL a spec wrote.
What they send is counted on the wire, by a relay between certify and a real server."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from certify.kinds import grants, rls, security_definer
from certify.kinds.pg_common import SCHEMAS_SQL
from certify.spec.errors import Mark
from certify.spec.model import TargetSpec
from certify.targets.postgres import PostgresConfig, PostgresTarget
from tests.conftest import certify, spec_text, write

SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102


class Relay:
    """Forwards TCP connections on 127.0.0.1 to the server, and records for each connection the
    SQL text of every statement the client sent (simple Query and Parse messages)."""

    def __init__(self, dsn: str) -> None:
        params = {k: v for k, v in conninfo_to_dict(dsn).items() if k != "hostaddr"}
        host, port = str(params.get("host") or "/tmp"), int(params.get("port") or 5432)
        self.upstream: str | tuple[str, int] = (f"{host}/.s.PGSQL.{port}" if host.startswith("/")
                                                else (host, port))
        self.connections: list[list[str]] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        params.update(host="127.0.0.1", port=self.listener.getsockname()[1], sslmode="disable",
                      gssencmode="disable")
        self.dsn = make_conninfo("", **params)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            family = socket.AF_UNIX if isinstance(self.upstream, str) else socket.AF_INET
            server = socket.socket(family, socket.SOCK_STREAM)
            try:
                server.connect(self.upstream)
            except OSError:
                client.close()
                continue
            statements: list[str] = []
            with self.lock:
                self.connections.append(statements)
            threading.Thread(target=self._pump, args=(server, client, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, statements), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, statements: list[str] | None) -> None:
        """Copy src to dst; with `statements`, record each statement before passing it on (so it
        is on record by the time the server answers it)."""
        buffer, started = b"", False
        try:
            while data := src.recv(65536):
                if statements is not None:
                    buffer, started = self._read(buffer + data, started, statements)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _read(buffer: bytes, started: bool, statements: list[str]) -> tuple[bytes, bool]:
        """Take the whole messages off `buffer`, recording their SQL; return what is left."""
        while True:
            if not started:  # untyped packets: SSL/GSSAPI requests, then the startup one
                size = int.from_bytes(buffer[:4], "big") if len(buffer) >= 8 else len(buffer) + 1
                if len(buffer) < size:
                    return buffer, started
                code = int.from_bytes(buffer[4:8], "big")
                buffer = buffer[size:]
                started = code not in (SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST)
                continue
            size = int.from_bytes(buffer[1:5], "big") + 1 if len(buffer) >= 5 else len(buffer) + 1
            if len(buffer) < size:
                return buffer, started
            kind, body, buffer = buffer[:1], buffer[5:size], buffer[size:]
            if kind == b"Q":
                statements.append(body.split(b"\0")[0].decode())
            elif kind == b"P":  # statement name, then the query
                statements.append(body.split(b"\0")[1].decode())

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def relay(fixture_dsn: str) -> Iterator[Relay]:
    r = Relay(fixture_dsn)
    yield r
    r.close()


CHECKS = """
    - id: RLS
      claim: c
      check: {kind: rls, tables: [public.*], expect: {enabled: true}}
    - id: GRANTS
      claim: c
      check: {kind: grants, role: app_user, on: [public.*], lacks: [TRUNCATE]}
    - id: DEFINER
      claim: c
      check: {kind: security_definer, schemas: [public]}
"""


def header(dsn: str) -> str:
    return f"targets:\n  postgres:\n    db: {{dsn: {json.dumps(dsn)}}}\n"


def statements(relay: Relay) -> list[list[str]]:
    """What each connection sent, each statement cut short (for a failing assertion)."""
    return [[" ".join(s.split())[:60] for s in c] for c in relay.connections]


def sent(relay: Relay, text: str) -> list[int]:
    """For each connection that sent a statement containing `text`, how many it sent."""
    return [n for n in (sum(text in s for s in c) for c in relay.connections) if n]


def test_checks_one_after_another_share_the_schema_list_and_one_connection(
        relay: Relay, tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text(CHECKS, header=header(relay.dsn)))
    res = certify("run", "-q", "-j", "1", cwd=tmp_path)
    assert res.results, res.stdout + res.stderr
    assert "error" not in {h["checks"][0]["status"] for h in res.results["hypotheses"]}, res.stdout
    assert sent(relay, SCHEMAS_SQL) == [1], (res.stdout, statements(relay))
    assert sent(relay, "server_version_num") == []
    catalog = [query.strip()[:40] for query in (rls.QUERY, grants.QUERY, security_definer.QUERY)]
    carrying = [c for c in relay.connections if any(q in s for s in c for q in catalog)]
    assert len(carrying) == 1, statements(relay)


def test_checks_at_once_each_have_their_connection_and_read_the_schema_list_once(
        relay: Relay, tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text(CHECKS, header=header(relay.dsn)))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.results, res.stdout + res.stderr
    assert sum(sent(relay, SCHEMAS_SQL)) == 1, (res.stdout, statements(relay))
    assert sent(relay, "server_version_num") == []


def target(dsn: str) -> PostgresTarget:
    return PostgresTarget(TargetSpec("postgres", "db", PostgresConfig(dsn=dsn), Path.cwd(),
                                     Mark("checks.yaml", 1, 1)))


def backend(pg: PostgresTarget) -> int:
    with pg.session(catalog=True, reuse=True) as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid: int = cur.fetchone()[0]
    return pid


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not done():
        assert time.monotonic() < deadline, "the server never did it"
        time.sleep(0.05)


def test_a_connection_is_reused_only_while_the_server_keeps_it(fixture_dsn: str) -> None:
    pg = target(fixture_dsn)
    try:
        first = backend(pg)
        assert backend(pg) == first  # left by the first session, taken by the next
        with psycopg.connect(fixture_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            wait_until(lambda: not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                                 (first,)).fetchall())
        assert backend(pg) != first  # a closed one is not handed out
    finally:
        pg.close()


def test_sessions_that_run_a_specs_sql_never_share_a_connection(fixture_dsn: str) -> None:
    pg = target(fixture_dsn)
    try:
        catalog = backend(pg)
        with pg.session(settings={"app.tenant": "a"}) as cur:  # not the connection left above
            cur.execute("SELECT pg_backend_pid()")
            tenant = cur.fetchone()[0]
        assert tenant != catalog
        # Its connection is closed, not left: a custom setting, once set, reads as '' (not
        # unset) on that backend even after the rollback.
        assert backend(pg) == catalog
        with pg.session() as cur:
            cur.execute("SELECT pg_backend_pid()")
            assert cur.fetchone()[0] not in (catalog, tenant)
    finally:
        pg.close()


GLOBS = """
CREATE TABLE public.a_b (id int);
CREATE TABLE public.axb (id int);
CREATE TABLE public."p%q" (id int);
CREATE TABLE public.pxq (id int);
ALTER TABLE public.a_b ENABLE ROW LEVEL SECURITY;
"""


def test_a_globs_underscore_and_percent_are_the_characters_themselves(
        pg_server: Callable[[list[Path]], str], tmp_path: Path) -> None:
    sql = tmp_path / "globs.sql"
    sql.write_text(GLOBS)
    dsn = pg_server([sql])
    write(tmp_path / "checks.yaml", spec_text("""
        - id: RLS
          claim: c
          check: {kind: rls, tables: [public.a_b, 'public.p%q']}
        - id: GRANTS
          claim: c
          check: {kind: grants, on: [public.a_b, 'public.p%q'], public: none}
    """, header=f"targets:\n  postgres:\n    db: {{dsn: '{dsn}'}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    checks = {h["id"]: h["checks"][0] for h in res.results["hypotheses"]}
    assert checks["RLS"]["values"]["tables"] == 2
    assert [f["where"] for f in checks["RLS"]["findings"]] == ['public."p%q"']
    assert checks["GRANTS"]["values"]["objects"] == 2

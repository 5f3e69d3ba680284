"""The PostgreSQL target: read-only sessions with timeouts, role and tenant switches inside
transactions that are always rolled back, and throwaway databases built from migrations.

Never harm the target: every session sets `default_transaction_read_only`, a
`statement_timeout` (never past the check's own deadline) and a `lock_timeout`, none of
which a spec may override, and every transaction ends in ROLLBACK. A check that is
interrupted or runs out of time has its query cancelled on the server before it reports.
Identifiers reach SQL only through `psycopg.sql.Identifier`.
"""

from __future__ import annotations

import contextlib
import glob as globlib
import select
import shlex
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from certify.errors import CheckError
from certify.spec.binder import meta
from certify.spec.model import TargetSpec

T = TypeVar("T")

# Settings certify sets to protect the server and to fix who the session is: no spec may set them.
GUARDED_SETTINGS = frozenset({
    "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
    "idle_session_timeout", "default_transaction_read_only", "transaction_read_only",
    "default_transaction_isolation", "transaction_isolation", "role", "session_authorization",
})


class Guard(Protocol):
    """What bounds a session: the check's deadline, and the run's interrupt (a CheckContext)."""

    cancelled: threading.Event

    @property
    def remaining(self) -> float: ...


@dataclass(frozen=True)
class EphemeralConfig:
    """A throwaway database built for the run and dropped afterwards."""

    setup: list[str] = field(default_factory=list, metadata=meta(
        "SQL files run first, as superuser (e.g. roles.sql)"))
    migrations: list[str] = field(default_factory=list, metadata=meta(
        "globs of SQL migration files, applied in name order"))
    command: str | None = field(default=None, metadata=meta(
        "a migration command run after the files, with DATABASE_URL set (alembic upgrade heads)"))
    admin_dsn: str | None = field(default=None, metadata=meta(
        "build a scratch database on this server instead of starting a private cluster"))
    timeout: float = field(default=300.0, metadata=meta("seconds allowed to build it"))


@dataclass(frozen=True)
class PostgresConfig:
    """A PostgreSQL database: a `dsn`, or an `ephemeral` one built from migrations."""

    dsn: str | None = field(default=None, metadata=meta(
        "libpq connection string or postgresql:// URL (its password is never written)"))
    ephemeral: EphemeralConfig | None = field(default=None, metadata=meta(
        "build a throwaway database instead"))
    statement_timeout: float = field(default=10.0, metadata=meta("seconds per statement"))
    lock_timeout: float = field(default=2.0, metadata=meta("seconds to wait for a lock"))
    connect_timeout: int = field(default=5, metadata=meta("seconds to connect"))
    role: str | None = field(default=None, metadata=meta(
        "SET ROLE to this role before any check (e.g. a read-only certify_reader)"))
    allow_writes: Literal["rollback"] | None = field(default=None, metadata=meta(
        "rollback = let checks probe writes (rls_isolation's `writes:`) in transactions that are "
        "always rolled back; an ephemeral database allows them without it. Rows never persist, "
        "but a sequence an INSERT draws from stays advanced"))

    def __post_init__(self) -> None:
        if (self.dsn is None) == (self.ephemeral is None):
            raise ValueError("give exactly one of `dsn:` and `ephemeral:`")
        if self.role is not None and not self.role.strip():
            raise ValueError("role: give a role name")
        for name in ("statement_timeout", "lock_timeout", "connect_timeout"):
            if not getattr(self, name) > 0:  # 0 would mean no limit to the server and to libpq
                raise ValueError(f"{name}: give a number of seconds above 0")


def dsn_password(dsn: str) -> str | None:
    from psycopg.conninfo import conninfo_to_dict

    try:
        value = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001 - a malformed DSN fails when connecting, with its reason
        return None
    return str(value) if value else None


def public_dsn(dsn: str) -> str:
    """The DSN without its password (for reproduce lines)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001
        return "<unparseable dsn>"
    parts.pop("password", None)
    return make_conninfo("", **parts)


def pg_error(exc: BaseException) -> CheckError:
    """A one-line reason from a psycopg error."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return CheckError(f"PostgreSQL: {text}")


def split_name(name: str, default_schema: str = "public") -> tuple[str, str]:
    """`schema.table` -> (schema, table); a name without a dot is in `default_schema`."""
    schema, dot, rest = name.partition(".")
    if dot and '"' not in schema:
        return schema, rest
    return default_schema, name


class PostgresTarget:
    def __init__(self, spec: TargetSpec) -> None:
        from certify.targets import pgcluster

        self.name = spec.name
        self.config: PostgresConfig = spec.config
        self.build: pgcluster.Build | None = None
        self.base_dir = spec.base_dir
        self._throwaway: pgcluster.PrivateCluster | pgcluster.ScratchDatabase | None = None
        self._lock = threading.Lock()
        from certify.targets import cleanup  # loaded when a target opens, not when a spec is validated

        cleanup.reap_once()  # what a killed run left (a cluster, a service), before anything runs
        self._server_version: str | None = None
        self._who = ""
        self._version_num: int | None = None
        self._read_once: dict[str, Any] = {}
        self._read_once_lock = threading.Lock()
        self._left: dict[tuple[bool, bool], list[Any]] = {}  # idle connections, by session kind
        self._closing = False
        if self.config.dsn is not None:
            self.dsn = self.config.dsn
        else:
            assert self.config.ephemeral is not None
            self.dsn = self._build(self.config.ephemeral, spec.base_dir)

    # ------------------------------------------------------------ ephemeral

    def _build(self, eph: EphemeralConfig, base: Path) -> str:
        from certify.targets import pgcluster

        throwaway = (pgcluster.ScratchDatabase(eph.admin_dsn) if eph.admin_dsn
                     else pgcluster.PrivateCluster())
        self._throwaway = throwaway
        try:
            dsn = throwaway.start()
        except Exception:
            throwaway.stop()
            raise
        build = pgcluster.Build()
        self.build = build
        files = [base / f for f in eph.setup]
        for pattern in eph.migrations:
            found = sorted(globlib.glob(str(base / pattern)), key=lambda p: Path(p).name)
            if not found and not globlib.has_magic(pattern):
                found = [str(base / pattern)]
            files += [Path(p) for p in found]
        for path in files:
            if not path.is_file():
                build.steps.append(pgcluster.Applied(path.name, False, 0.0, f"{path}: no such file"))
                break
            step = pgcluster.run_sql_file(dsn, path, eph.timeout)
            build.steps.append(step)
            if not step.ok:
                break
        if eph.command and not build.failed:
            build.steps.append(pgcluster.run_command(eph.command, base, pgcluster.as_url(dsn),
                                                     eph.timeout))
        return dsn

    def build_script(self) -> str:
        """The shell line that builds the same database by hand: setup files, then each
        migration pattern in order, then the command, stopping at the first failure."""
        eph = self.config.ephemeral
        assert eph is not None
        files = " ".join([shlex.quote(f) for f in eph.setup] + list(eph.migrations))  # globs expand
        here = shlex.quote(str(self.base_dir.resolve()))
        line = (f"cd {here} && createdb certify_scratch && (for f in {files}; "
                'do psql -X -q -v ON_ERROR_STOP=1 -d certify_scratch -f "$f" || exit 1; done)')
        if eph.command:
            line += f" && DATABASE_URL=postgresql:///certify_scratch {eph.command}"
        return line

    def close(self) -> None:
        with self._lock:
            self._closing = True
            left = [conn for conns in self._left.values() for conn in conns]
            self._left.clear()
        for conn in left:
            with contextlib.suppress(Exception):
                conn.close()
        if self._throwaway is not None:
            self._throwaway.stop()
            self._throwaway = None

    # ------------------------------------------------------------ sessions

    def _ready(self) -> None:
        if self.build is not None and self.build.failed:
            f = self.build.failed
            raise CheckError(f"the ephemeral database did not build: {f.name}: {f.error}")

    @property
    def writes_allowed(self) -> bool:
        """Whether checks may probe writes (always rolled back): an ephemeral database, or a dsn
        whose target says `allow_writes: rollback`."""
        return self.config.ephemeral is not None or self.config.allow_writes == "rollback"

    @contextlib.contextmanager
    def session(self, role: str | None = None, settings: Mapping[str, str] | None = None,
                catalog: bool = False, guard: Guard | None = None, writes: bool = False,
                reuse: bool = False) -> Iterator[Any]:
        """A read-only transaction (as `role`, with `settings` set locally), always rolled back.

        `writes=True` (only where `writes_allowed`) opens a read-write transaction instead, for
        probes that must be refused; it is rolled back all the same.

        `catalog=True` pins search_path to pg_catalog, so regclass and regprocedure print
        schema-qualified names (`public.fn(uuid)`). With a `guard`, no statement runs past
        its deadline (the server cancels it), and an interrupt cancels it on the server.

        `reuse=True` is for sessions that run only certify's own catalog SQL: one that ends
        cleanly leaves its connection to the next such session of the same kind (catalog or
        not), which skips connecting and finds the server's catalog caches warm. Not for SQL a
        spec wrote: a rollback undoes what a transaction set, but not every trace (a custom
        setting, once set, reads as '' instead of raising). One that failed, was cancelled or
        ran out of time closes its connection.
        """
        import psycopg

        self._ready()
        if writes and not self.writes_allowed:
            raise CheckError(f"write probes need `allow_writes: rollback` on the postgres target {self.name}")
        for name in settings or {}:
            if name.strip().lower() in GUARDED_SETTINGS:
                raise CheckError(f"{name} may not be set by a check")
        c = self.config
        timeout = c.statement_timeout if guard is None else min(c.statement_timeout, guard.remaining)
        kind = (catalog, writes)
        conn = self._begin(kind, reuse, role, settings, timeout)
        done, timed_out = threading.Event(), threading.Event()
        watcher = None
        if guard is not None:
            watcher = threading.Thread(target=_cancel_when_due, args=(conn, guard, done, timed_out),
                                       daemon=True, name="certify-pg-cancel")
            watcher.start()
        clean = False
        try:
            with conn.cursor() as cur:
                yield cur
            clean = True
        except psycopg.Error as exc:
            if guard is not None and guard.cancelled.is_set():
                raise CheckError("interrupted: the query was cancelled on the server") from None
            if timed_out.is_set():
                raise CheckError("the check ran out of time: its query was cancelled on the server "
                                 f"({pg_error(exc)})") from None
            raise pg_error(exc) from None
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
            with contextlib.suppress(Exception):
                conn.rollback()
            self._release(kind, conn, reuse and clean and not timed_out.is_set()
                          and not (guard is not None and guard.cancelled.is_set()))

    def _begin(self, kind: tuple[bool, bool], reuse: bool, role: str | None,
               settings: Mapping[str, str] | None, timeout: float) -> Any:
        """A connection whose transaction is set up for a session: with `reuse`, one a session
        of this kind left, else a new one."""
        import psycopg

        conn = (self._idle(kind) if reuse else None) or self._connect(*kind)
        try:
            self._start(conn, role, settings, timeout)
        except psycopg.Error as exc:
            with contextlib.suppress(Exception):
                conn.close()
            raise pg_error(exc) from None
        return conn

    def _connect(self, catalog: bool, writes: bool) -> Any:
        import psycopg

        c = self.config
        try:
            conn = psycopg.connect(self.dsn, connect_timeout=c.connect_timeout,
                                   options=connection_options(c, catalog, writes),
                                   application_name="certify", autocommit=False)
        except psycopg.Error as exc:
            raise pg_error(exc) from None
        conn.read_only = not writes  # every transaction starts with BEGIN READ ONLY
        conn.prepare_threshold = None  # every statement planned for its own parameters
        if self._version_num is None:
            self._version_num = conn.info.server_version
        return conn

    def _start(self, conn: Any, role: str | None, settings: Mapping[str, str] | None,
               timeout: float) -> None:
        """Set the session up in its transaction (begun by the first statement): the target's
        role, a statement timeout shorter than the target's when the check has less time
        left, `role` and `settings`. The rollback undoes all of it."""
        from psycopg import sql

        c = self.config
        with conn.cursor() as cur:
            if c.role is not None:
                cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(c.role)))
            ms = max(1, int(timeout * 1000))
            if ms < max(1, int(c.statement_timeout * 1000)):
                cur.execute("SELECT set_config('statement_timeout', %s, true)", (str(ms),))
            if role is not None:
                cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            for name, value in (settings or {}).items():
                cur.execute("SELECT set_config(%s, %s, true)", (name, value))

    def _idle(self, kind: tuple[bool, bool]) -> Any:
        """A connection a session left, that has nothing to say: one the server has written
        to since (closing it, for idle_session_timeout) is closed instead."""
        while True:
            with self._lock:
                left = self._left.get(kind)
                conn = left.pop() if left else None
            if conn is None:
                return None
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
            if not readable:
                return conn
            with contextlib.suppress(Exception):
                conn.close()

    def _release(self, kind: tuple[bool, bool], conn: Any, reusable: bool) -> None:
        """Leave the connection for the next session, or close it."""
        from psycopg.pq import TransactionStatus

        with self._lock:
            if reusable and not self._closing and not conn.closed \
                    and conn.info.transaction_status == TransactionStatus.IDLE:
                self._left.setdefault(kind, []).append(conn)
                return
        with contextlib.suppress(Exception):
            conn.close()

    def query(self, query: Any, params: Sequence[Any] | Mapping[str, Any] | None = None, *,
              role: str | None = None, settings: Mapping[str, str] | None = None,
              catalog: bool = False, guard: Guard | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one statement; return (column names, rows)."""
        with self.session(role, settings, catalog, guard) as cur:
            # prepare=True: the extended protocol takes exactly one statement, so a query
            # cannot smuggle in `COMMIT; ...` to escape the read-only transaction.
            cur.execute(query, params, prepare=True)
            columns = [d.name for d in cur.description] if cur.description else []
            rows = cur.fetchall() if cur.description else []
        return columns, rows

    # ------------------------------------------------------------ evidence

    def reproduce(self, statement: str, role: str | None = None,
                  settings: Mapping[str, str] | None = None, writes: bool = False) -> str:
        """A psql one-liner doing what the check did (password removed)."""
        parts = ["BEGIN;" if writes else "BEGIN READ ONLY;"]
        if self.config.role:
            parts.insert(0, f"SET ROLE {quote_ident(self.config.role)};")
        if role:
            parts.append(f"SET LOCAL ROLE {quote_ident(role)};")
        for k, v in (settings or {}).items():
            parts.append(f"SELECT set_config({quote_literal(k)}, {quote_literal(v)}, true);")
        parts += [" ".join(statement.split()).rstrip(";") + ";", "ROLLBACK;"]
        note = "  # ephemeral database: rebuild it from the same migrations" if self.build else ""
        return f"psql {shlex.quote(public_dsn(self.dsn))} -X -c {shlex.quote(' '.join(parts))}{note}"

    def how_to_connect(self) -> str:
        """A psql line to the database (without its password) while it is up."""
        role = f"  # then: SET ROLE {quote_ident(self.config.role)};" if self.config.role else ""
        return f"psql {shlex.quote(public_dsn(self.dsn))}{role}"

    def facts(self) -> dict[str, str]:
        """The server's version, and who the checks ran as, saying when that role could act on
        the server beyond reading (a read-only transaction does not stop a superuser's COPY
        ... TO PROGRAM; only certify's SQL guard does)."""
        if self._server_version is None:
            try:
                _, rows = self.query(WHO_QUERY)
            except CheckError as exc:
                self._server_version = f"unreachable ({exc})"
            else:
                version, user, superuser, program, write = rows[0]
                powers = [p for p, held in (("run server programs", superuser or program),
                                            ("write server files", superuser or write)) if held]
                why = "superuser" if superuser else ", ".join(
                    f"member of {r}" for r, held in (("pg_execute_server_program", program),
                                                     ("pg_write_server_files", write)) if held)
                self._server_version = f"{version}"
                self._who = f"; connected as {user}" + (
                    f" ({why}: may {' and '.join(powers)})" if powers else "")
        kind = "ephemeral" if self.build is not None else "dsn"
        writes = ("; write probes allowed, always rolled back (allow_writes: rollback)"
                  if self.config.allow_writes == "rollback" else "")
        return {f"postgres {self.name}": f"PostgreSQL {self._server_version} ({kind}){self._who}{writes}"}

    def server_version_num(self) -> int:
        """The server's version as a number (150018), read once: the first session's connection
        tells it, so inside a session it costs no query."""
        if self._version_num is None:
            _, rows = self.query("SELECT current_setting('server_version_num')::int")
            self._version_num = int(rows[0][0])
        return self._version_num

    def read_once(self, key: str, read: Callable[[], T]) -> T:
        """`read()`, called once per run for this target (the first caller's session reads it;
        checks running at the same time wait for that), e.g. the database's list of schemas."""
        with self._read_once_lock:
            if key not in self._read_once:
                self._read_once[key] = read()
            value: T = self._read_once[key]
            return value

    def secret_values(self) -> list[str]:
        pw = dsn_password(self.dsn)
        return [pw] if pw else []


def connection_options(c: PostgresConfig, catalog: bool, writes: bool) -> str:
    """The settings a session's connection starts with (libpq `options`). A catalog session
    reads with search_path pinned to pg_catalog and without parallel workers: its queries are
    small, a worker costs more to start than it saves, and workers are the server's to share."""
    options = ("-c default_transaction_read_only=" + ("off" if writes else "on") +
               f" -c statement_timeout={max(1, int(c.statement_timeout * 1000))}"
               f" -c lock_timeout={max(1, int(c.lock_timeout * 1000))}"
               " -c idle_in_transaction_session_timeout=60000")
    if catalog:
        options += " -c search_path=pg_catalog -c max_parallel_workers_per_gather=0"
    return options


WHO_QUERY = """
SELECT current_setting('server_version'), current_user, r.rolsuper,
       pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER'),
       pg_has_role(current_user, 'pg_write_server_files', 'MEMBER')
FROM pg_roles r WHERE r.rolname = current_user
"""


def _cancel_when_due(conn: Any, guard: Guard, done: threading.Event, timed_out: threading.Event) -> None:
    """Cancel the session's running statement on the server when the run is interrupted or the
    check's deadline passes (each statement also has it as its statement_timeout; a session of
    several statements could otherwise outlast it)."""
    deadline = time.monotonic() + guard.remaining
    # Waiting on `done` (not on the interrupt) lets the session end without waiting out a poll.
    while not done.wait(0.05):
        if guard.cancelled.is_set() or time.monotonic() >= deadline:
            if not guard.cancelled.is_set():
                timed_out.set()
            if not done.is_set():
                with contextlib.suppress(Exception):
                    conn.cancel_safe(timeout=5.0)
            return


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def open_target(spec: TargetSpec) -> PostgresTarget:
    return PostgresTarget(spec)


def config_secrets(config: PostgresConfig) -> list[str]:
    """Secret values knowable from the config alone, before anything runs."""
    found = [dsn_password(d) for d in (config.dsn, config.ephemeral and config.ephemeral.admin_dsn) if d]
    return [f for f in found if f]

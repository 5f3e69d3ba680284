"""Throwaway PostgreSQL: a private cluster started with the local binaries, or a scratch
database on a server reached through an admin DSN. Always torn down by `stop()`.

`initdb` refuses to run as root, so when certify runs as root the cluster is created
and run as the `postgres` OS user. The cluster listens only on a Unix socket in a
private folder (no TCP port), in its own process session so that a Ctrl-C in the
terminal reaches certify, which then stops the cluster, rather than the server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from certify.targets import cleanup


class ClusterError(RuntimeError):
    pass


def find_bindir() -> Path:
    """Where initdb and pg_ctl live: PATH, then `pg_config --bindir`, then /usr/lib/postgresql."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    if versions:
        return Path(versions[-1]).parent
    raise ClusterError("no PostgreSQL server binaries found (initdb/pg_ctl not on PATH, no "
                       "pg_config, nothing under /usr/lib/postgresql/*/bin); install the "
                       "PostgreSQL server package or give the target an `admin_dsn`")


def psql_binary() -> str:
    found = shutil.which("psql")
    if found:
        return found
    try:
        candidate = find_bindir() / "psql"
    except ClusterError:
        candidate = None
    if candidate and candidate.exists():
        return str(candidate)
    raise ClusterError("psql not found; install the PostgreSQL client")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Applied:
    """One SQL file (or command) applied while building a throwaway database."""

    name: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class Build:
    """What building a throwaway database did, for the `migrations` kind and for errors."""

    steps: list[Applied] = field(default_factory=list)

    @property
    def failed(self) -> Applied | None:
        return next((s for s in self.steps if not s.ok), None)


def run_sql_file(dsn: str, path: Path, timeout: float) -> Applied:
    """Apply a SQL file with psql (its meta-commands work; stops at the first error)."""
    start = time.monotonic()
    try:
        proc = subprocess.run([psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
                               "-f", str(path)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Applied(path.name, False, time.monotonic() - start, f"timed out after {timeout:g}s")
    seconds = time.monotonic() - start
    if proc.returncode == 0:
        return Applied(path.name, True, seconds)
    errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln or "FATAL" in ln]
    message = (errors or proc.stderr.strip().splitlines() or [f"psql exited {proc.returncode}"])[0]
    message = re.sub(r"^psql:", "", message).replace(str(path.parent) + "/", "")
    return Applied(path.name, False, seconds, message.strip())


def run_command(command: str, cwd: Path, database_url: str, timeout: float) -> Applied:
    start = time.monotonic()
    env = {**os.environ, "DATABASE_URL": database_url}
    try:
        proc = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        return Applied(command, False, time.monotonic() - start, f"timed out after {timeout:g}s")
    seconds = time.monotonic() - start
    if proc.returncode == 0:
        return Applied(command, True, seconds)
    tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
    return Applied(command, False, seconds, f"exit {proc.returncode}: " + " | ".join(tail))


def as_url(dsn: str) -> str:
    """A postgresql:// URL for tools that want DATABASE_URL (alembic, prisma...)."""
    parts = conninfo_to_dict(dsn)
    host = parts.get("host", "")
    user = parts.get("user", "postgres")
    pw = f":{parts['password']}" if parts.get("password") else ""
    db = parts.get("dbname", "postgres")
    if str(host).startswith("/"):
        return f"postgresql://{user}{pw}@/{db}?host={host}&port={parts.get('port', 5432)}"
    return f"postgresql://{user}{pw}@{host}:{parts.get('port', 5432)}/{db}"


class PrivateCluster:
    """A cluster in a temporary folder, owned by the postgres OS user when we are root."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="certify-pg-"))
        self.pid: int | None = None  # the server's, once started
        cleanup.register(self)
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError("running as root and there is no `postgres` OS user to run "
                                   "initdb as") from None
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.user = "postgres"
        self.started = False

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True, cwd=self.root)

    def start(self) -> str:
        data = self.root / "data"
        init = self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                         "--locale=C", "--no-sync")
        if init.returncode != 0:
            raise ClusterError(f"initdb failed: {(init.stderr or init.stdout).strip()[-300:]}")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        started = self._run("pg_ctl", "-D", str(data), "-o", opts, "-l", str(self.root / "server.log"),
                            "-w", "-t", "60", "start", timeout=90)
        if started.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text()[-300:] if log.exists() else started.stderr
            raise ClusterError(f"pg_ctl start failed: {tail.strip()}")
        self.started = True
        with contextlib.suppress(OSError, ValueError, IndexError):
            self.pid = int((data / "postmaster.pid").read_text().split()[0])
        cleanup.record(self)  # now with the server's pid, for a later run to reap
        return self.dsn("postgres")

    def identity(self) -> dict[str, object]:
        """What a later run needs to stop this cluster should this run die (see cleanup.reap)."""
        return {"what": "postgres cluster", "pid": self.pid, "folder": str(self.root), "signal": "SIGQUIT"}

    def dsn(self, dbname: str) -> str:
        return make_conninfo(host=str(self.root), port=self.port, user="postgres", dbname=dbname)

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
        cleanup.unregister(self)


class ScratchDatabase:
    """A database created for the run on an existing server (admin DSN), dropped afterwards."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.name = f"certify_{secrets.token_hex(6)}"
        self.created = False

    def start(self) -> str:
        cleanup.register(self)  # recorded first: a run killed right after CREATE leaves a record
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True
        return self.dsn(self.name)

    def identity(self) -> dict[str, object]:
        """What a later run needs to drop this database should this run die (see cleanup.reap):
        its name and the server, without the password (the later run's libpq supplies one)."""
        server = {k: v for k, v in conninfo_to_dict(self.admin_dsn).items() if k != "password"}
        return {"what": "scratch database", "database": self.name, "server": make_conninfo("", **server)}

    def dsn(self, dbname: str) -> str:
        return make_conninfo(self.admin_dsn, dbname=dbname)

    def stop(self) -> None:
        if not self.created:
            cleanup.unregister(self)
            return
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(self.name)))
        self.created = False
        cleanup.unregister(self)

"""Everything a run starts (throwaway databases, services) registers here, so an
interrupted run still stops it at exit, including one a worker thread was still
starting when the interrupt came.

A run killed outright (kill -9, a lost machine session) cannot stop anything, so each
started thing is also recorded on disk while it lives: one small JSON file per thing in a
per-user runtime folder, naming the run (its pid and start time), the started process
(pid and start time) and its folder, or the scratch database and its server (no
password). `reap()` (run once per process, before a run starts anything) stops what a
dead run left: only a process whose pid *and* start time match the record, of a run that
is gone, then removes its folder; a scratch database of a run that is gone is dropped.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import threading
import time
from pathlib import Path
from typing import Any, Protocol


class Stoppable(Protocol):
    def stop(self) -> None: ...


_LIVE: set[Stoppable] = set()
_LOCK = threading.Lock()
_RECORDS: dict[int, Path] = {}  # id(thing) -> its record
_REAPED = False


def register(thing: Stoppable) -> None:
    reap_once()
    with _LOCK:
        _LIVE.add(thing)
    record(thing)


def unregister(thing: Stoppable) -> None:
    with _LOCK:
        _LIVE.discard(thing)
        path = _RECORDS.pop(id(thing), None)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def stop_all() -> None:
    with _LOCK:
        live = list(_LIVE)
    for thing in live:
        with contextlib.suppress(Exception):
            thing.stop()


atexit.register(stop_all)


# ---------------------------------------------------------------- records on disk


def runtime_folder() -> Path | None:
    """$XDG_RUNTIME_DIR/certify, else /tmp/certify-<uid>/live: made private (0700), and used
    only when it is a real folder of ours (not a link another user planted)."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(xdg) / "certify" if xdg and Path(xdg).is_dir() else \
        Path("/tmp") / f"certify-{os.getuid()}" / "live"
    try:
        for part in (folder.parent, folder):
            part.mkdir(mode=0o700, exist_ok=True)
            info = part.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                return None
        folder.chmod(0o700)
    except OSError:
        return None
    return folder


def start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or None
    when there is no such process. With the pid, it names one process for good."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = text.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 and fields[0] != "Z" else None


def record(thing: Stoppable) -> None:
    """Write (or rewrite) the thing's record: call again once its process is known."""
    identity = getattr(thing, "identity", None)
    folder = runtime_folder() if identity is not None else None
    if identity is None or folder is None:
        return
    info: dict[str, Any] = dict(identity())
    pid = info.get("pid")
    info.update(run_pid=os.getpid(), run_start=start_time(os.getpid()),
                pid_start=start_time(pid) if isinstance(pid, int) else None)
    with _LOCK:
        if thing not in _LIVE:
            return
        path = _RECORDS.setdefault(id(thing), folder / f"{os.getpid()}-{secrets.token_hex(4)}.json")
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(info))
        tmp.replace(path)
    except OSError:
        return


def reap_once() -> None:
    global _REAPED
    with _LOCK:
        if _REAPED:
            return
        _REAPED = True
    reap()


def reap() -> list[str]:
    """Stop what runs that are gone left running, and remove their folders. Returns what it did."""
    folder = runtime_folder()
    if folder is None:
        return []
    done = []
    for path in sorted(folder.glob("*.json")):
        try:
            info = json.loads(path.read_text())
            run_pid, run_start = int(info["run_pid"]), info["run_start"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if run_start is not None and start_time(run_pid) == run_start:
            continue  # its run is still going
        done.append(_reap_one(info))
        with contextlib.suppress(OSError):
            path.unlink()
    return done


SCRATCH_NAME = re.compile(r"^certify_[0-9a-f]{12}$")  # as pgcluster.ScratchDatabase names them


def _reap_one(info: dict[str, Any]) -> str:
    database, server = info.get("database"), info.get("server")
    if isinstance(database, str) and isinstance(server, str):
        return _drop_database(server, database)
    pid, pid_start = info.get("pid"), info.get("pid_start")
    where = info.get("folder")
    if not (isinstance(pid, int) and pid_start) and isinstance(where, str):
        pid, pid_start = _postmaster(Path(where))  # a cluster its run died while starting
    stopped = ""
    if isinstance(pid, int) and pid > 1 and pid_start and start_time(pid) == pid_start:
        _stop(pid, bool(info.get("group")), str(info.get("signal", "SIGTERM")))
        stopped = f"stopped pid {pid}"
    for key in ("folder", "log"):  # only what certify names certify-* (cluster folder, service log)
        leftover = info.get(key)
        if not isinstance(leftover, str) or not Path(leftover).name.startswith("certify-"):
            continue
        if Path(leftover).is_dir() and not Path(leftover).is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                Path(leftover).unlink()
    return stopped or "nothing running"


def _drop_database(server: str, name: str) -> str:
    """Drop a scratch database a dead run created (only a name certify gives its own)."""
    if not SCRATCH_NAME.match(name):
        return "not a certify scratch database"
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return f"could not drop database {name}: {' '.join(str(exc).split())}"
    return f"dropped database {name}"


def _postmaster(folder: Path) -> tuple[int | None, str | None]:
    """The server of a private cluster in `folder`, identified by its pid file and by its
    command line naming the cluster's data folder."""
    try:
        pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return None, None
    if str(folder / "data") not in cmdline:
        return None, None
    return pid, start_time(pid)


def _stop(pid: int, group: bool, first: str) -> None:
    """Ask, then force: the first signal (a cluster: SIGQUIT, its immediate shutdown), then
    SIGKILL after 5 seconds; the whole process group when the record says so."""
    send = os.killpg if group else os.kill
    start = start_time(pid)
    for sig, wait in ((getattr(signal, first, signal.SIGTERM), 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            send(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and start_time(pid) == start:
            time.sleep(0.05)
        if start_time(pid) != start:
            break
    if group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

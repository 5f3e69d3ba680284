"""Processes certify starts: each in its own process group, waited for in short steps (so an
interrupted run stops it at once), and killed with everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from typing import Any


def wait_or_kill(proc: subprocess.Popen[Any], timeout: float,
                 cancelled: threading.Event | None = None) -> int | None:
    """The exit code, or None when the process group was killed (timeout or cancelled)."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                return proc.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline or (cancelled and cancelled.is_set()):
                    return None
    finally:
        # Timed out, cancelled or interrupted: stop it. Exited: stop what it left running in
        # its group (`cmd &`), so nothing certify started outlives the check.
        kill_group(proc)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

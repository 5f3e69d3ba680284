"""Everything a run starts (throwaway databases, services) registers here, so an
interrupted run still stops it at exit, including one a worker thread was still
starting when the interrupt came."""

from __future__ import annotations

import atexit
import contextlib
import threading
from typing import Protocol


class Stoppable(Protocol):
    def stop(self) -> None: ...


_LIVE: set[Stoppable] = set()
_LOCK = threading.Lock()


def register(thing: Stoppable) -> None:
    with _LOCK:
        _LIVE.add(thing)


def unregister(thing: Stoppable) -> None:
    with _LOCK:
        _LIVE.discard(thing)


def stop_all() -> None:
    with _LOCK:
        live = list(_LIVE)
    for thing in live:
        with contextlib.suppress(Exception):
            thing.stop()


atexit.register(stop_all)

"""Environment facts for the pack: which tools, at which versions, ran the proofs.

Finding them out takes three processes: git and ripgrep say their versions, and `uname -p` names
the platform's processor (platform.platform() asks it). They run at once; `start`, called as a run
begins, sets them going beside its checks, so that the run does not wait for them at its end.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import threading

from certify import __version__
from certify.targets.textscan import ripgrep


def _spawn(argv: list[str]) -> subprocess.Popen[str] | None:
    if shutil.which(argv[0]) is None and "/" not in argv[0]:
        return None
    try:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError:
        return None


def _first_line(proc: subprocess.Popen[str] | None) -> str | None:
    """The first line a version probe printed, or None when it failed or took over 10 s."""
    if proc is None:
        return None
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    text = (out or err).strip().splitlines()
    return text[0] if proc.returncode == 0 and text else None


def _probe() -> dict[str, str]:
    rg = ripgrep()
    git_probe = _spawn(["git", "--version"])
    rg_probe = _spawn([rg, "--version"]) if rg is not None else None
    facts = {
        "certify": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),  # while git and rg answer
    }
    facts["git"] = _first_line(git_probe) or "not found"
    if rg is None:
        facts["ripgrep"] = "not found (grep scans in Python)"
    else:
        facts["ripgrep"] = _first_line(rg_probe) or "unusable"
    return facts


class _Probing(threading.Thread):
    """_probe() in a thread of its own."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="tool-versions")
        self.facts: dict[str, str] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.facts = _probe()
        except BaseException as exc:  # noqa: BLE001 - raised again to the caller of tool_versions
            self.error = exc

    def result(self) -> dict[str, str]:
        self.join()
        if self.error is not None:
            raise self.error
        return self.facts


_lock = threading.Lock()
_started: _Probing | None = None  # what `start` set going, until tool_versions takes it


def start() -> None:
    """Find the facts out from now on, beside what runs next; tool_versions collects them."""
    global _started
    probing = _Probing()
    probing.start()
    with _lock:
        _started = probing


def tool_versions() -> dict[str, str]:
    """The facts `start` set going, or else found out now."""
    global _started
    with _lock:
        probing, _started = _started, None
    return probing.result() if probing is not None else _probe()

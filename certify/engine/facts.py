"""Environment facts for the pack: which tools, at which versions, ran the proofs."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys

from certify import __version__
from certify.targets.textscan import ripgrep


def _version(argv: list[str]) -> str | None:
    if shutil.which(argv[0]) is None and "/" not in argv[0]:
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if proc.returncode == 0 and text else None


def tool_versions() -> dict[str, str]:
    facts = {
        "certify": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
    }
    git = _version(["git", "--version"])
    facts["git"] = git or "not found"
    rg = ripgrep()
    if rg is None:
        facts["ripgrep"] = "not found (grep scans in Python)"
    else:
        facts["ripgrep"] = _version([rg, "--version"]) or "unusable"
    return facts

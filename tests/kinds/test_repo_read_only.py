"""Reading a repository runs nothing of the repository's own and writes nothing into it: its
config cannot make certify execute a command (core.fsmonitor), and git does not refresh the
index behind the run's back."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import certify, git, spec_text, write


def test_the_repository_config_runs_nothing_and_the_index_is_not_written(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "a.txt", "MARK\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "c")
    marker = tmp_path / "hook-ran"
    hook = write(tmp_path / "hook.sh", f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    hook.chmod(0o755)
    git(root, "config", "core.fsmonitor", str(hook))
    index = root / ".git" / "index"
    old = index.read_bytes(), index.stat().st_mtime_ns
    time.sleep(0.01)
    os.utime(root / "a.txt")  # stat-dirty: `git status` would rewrite the index to refresh it
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: GREP, claim: c, check: {kind: grep, pattern: MARK, expect: 1}}
        - {id: GIT, claim: c, check: {kind: git, clean: true}}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"GREP": "TRUE", "GIT": "TRUE"}
    assert not marker.exists(), "the repository's core.fsmonitor command was run"
    assert (index.read_bytes(), index.stat().st_mtime_ns) == old, "the index was rewritten"

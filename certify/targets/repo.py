"""The repository target: where static checks look (files, git state, text scans)."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from certify.targets import textscan
from certify.targets.textscan import LineMatch


@dataclass(frozen=True)
class RepoConfig:
    """The repository static checks run in."""

    path: str = field(default=".", metadata={"doc": "the repository root, relative to the spec's folder"})


@dataclass(frozen=True)
class GitState:
    is_repo: bool
    commit: str = ""
    branch: str = ""
    dirty: bool = False
    changed: tuple[str, ...] = ()  # `git status --porcelain` lines
    error: str = ""

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit else "nogit"


class RepoTarget:
    """A repository on disk. Text scans of all grep checks share one pass over the tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._wanted: list[str] = []
        self._scanned: dict[str, list[LineMatch]] = {}
        self.unreadable: list[str] = []  # paths the scans could not read
        self._files: list[str] | None = None
        self._git: GitState | None = None

    # ------------------------------------------------------------ git

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True,
                              timeout=60)

    def git_state(self) -> GitState:
        if self._git is None:
            self._git = self._read_git()
        return self._git

    def _read_git(self) -> GitState:
        try:
            top = self.git("rev-parse", "--is-inside-work-tree")
        except FileNotFoundError:
            return GitState(False, error="git is not installed")
        except subprocess.TimeoutExpired:
            return GitState(False, error="git timed out")
        if top.returncode != 0:
            return GitState(False, error=top.stderr.strip().splitlines()[-1] if top.stderr.strip()
                            else "not a git repository")
        head = self.git("rev-parse", "HEAD")
        branch = self.git("rev-parse", "--abbrev-ref", "HEAD")
        status = self.git("status", "--porcelain=v1", "--untracked-files=normal", "--", ".")
        changed = tuple(line for line in status.stdout.splitlines() if line.strip())
        return GitState(
            True,
            commit=head.stdout.strip() if head.returncode == 0 else "",
            branch=branch.stdout.strip() if branch.returncode == 0 else "",
            dirty=bool(changed),
            changed=changed,
            error="" if head.returncode == 0 else "the repository has no commits yet",
        )

    # ------------------------------------------------------------ files and scans

    def files(self) -> list[str]:
        """Every file that is not ignored, relative to the root, sorted."""
        with self._lock:
            if self._files is None:
                self._files = textscan.list_files(self.root)
            return self._files

    def want(self, pattern: str) -> None:
        """Announce a pattern before scanning starts, so one pass serves every check."""
        with self._lock:
            if pattern not in self._wanted:
                self._wanted.append(pattern)

    def matches(self, pattern: str) -> list[LineMatch]:
        """Every non-ignored line matching the pattern (one shared pass for all wanted ones)."""
        with self._lock:
            if pattern not in self._scanned:
                todo = [p for p in self._wanted if p not in self._scanned]
                if pattern not in todo:
                    todo.append(pattern)
                self._scanned.update(textscan.scan(self.root, todo, self.unreadable))
            return self._scanned[pattern]

    def facts(self) -> dict[str, str]:
        state = self.git_state()
        if not state.is_repo:
            return {"repository": f"{self.root} (not a git repository)"}
        return {"repository": f"{self.root} @ {state.short} on {state.branch}"
                              f"{' (dirty)' if state.dirty else ''}"}

"""The repository target: where static checks look (files, git state, text scans)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certify.errors import CheckError
from certify.targets.own_output import is_certify_output

if TYPE_CHECKING:  # the scanner loads when a check reads the tree, not when a spec is validated
    from certify.targets.textscan import Failed, LineMatch, Listing


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
    changed: tuple[str, ...] = ()  # `git status --porcelain` lines, certify's own output left out
    own: tuple[str, ...] = ()  # untracked paths holding only what certify wrote (packs, the ledger)
    status_error: str = ""  # why `git status` failed: then nothing is known of the tree's state
    error: str = ""

    @property
    def short(self) -> str:
        return self.commit[:7] if self.commit else "nogit"


class RepoTarget:
    """A repository on disk. Text scans of all grep checks share one pass over the tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._list_lock = threading.Lock()
        self._git_lock = threading.Lock()
        self._ready = threading.Condition()
        self._budget: dict[str, float] = {}  # pattern -> seconds its scan may take
        self._started: set[str] = set()
        self._results: dict[str, list[LineMatch] | Failed] = {}
        self.unreadable: list[str] = []  # paths the listing or the scans could not read
        self._listing: Listing | None = None
        self._listing_started = False
        self._git: GitState | None = None

    # ------------------------------------------------------------ git

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        from certify.targets import textscan

        return subprocess.run([*textscan.GIT, "-C", str(self.root), *args], capture_output=True,
                              text=True, timeout=60)

    def git_state(self) -> GitState:
        """Read once: every check of a run asks at once (32 threads each ran git status)."""
        with self._git_lock:
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
        lines = [line for line in status.stdout.splitlines() if line.strip()]
        root = self.git("rev-parse", "--show-toplevel").stdout.strip()
        own = tuple(c for c in lines if root and is_certify_output(Path(root), c))
        changed = tuple(c for c in lines if c not in own)
        return GitState(
            True,
            commit=head.stdout.strip() if head.returncode == 0 else "",
            branch=branch.stdout.strip() if branch.returncode == 0 else "",
            dirty=bool(changed),
            changed=changed,
            own=own,
            error="" if head.returncode == 0 else "the repository has no commits yet",
            status_error="" if status.returncode == 0 else
            (status.stderr.strip().splitlines() or [f"git status exited {status.returncode}"])[-1],
        )

    # ------------------------------------------------------------ files and scans

    def require_root(self) -> None:
        """CheckError unless the repository is a folder: nothing in it can be proven otherwise."""
        if not self.root.is_dir():
            raise CheckError(f"the repository {self.root} is not a folder (targets: repo: path)")

    def listing(self) -> Listing:
        """What scans read: git's list of the tree (see `textscan.list_files`)."""
        from certify.targets import textscan

        self.require_root()
        with self._list_lock:
            if self._listing is None:
                self._listing = textscan.list_files(self.root)
                self.unreadable += [p for p in self._listing.unreadable if p not in self.unreadable]
            return self._listing

    def files(self) -> list[str]:
        """Every file scans read, relative to the root, sorted."""
        return self.listing().files

    def want(self, pattern: str, timeout: float) -> None:
        """Announce a pattern (and how long its check may take) before scanning starts, so one
        pass serves every check. The tree starts being listed now: the checks read the
        repository's git state first (git status walks the tree too), beside the listing."""
        with self._ready:
            self._budget[pattern] = max(self._budget.get(pattern, 0.0), timeout)
            start, self._listing_started = not self._listing_started, True
        if start:
            threading.Thread(target=self._list_ahead, daemon=True, name="repo-list").start()

    def _list_ahead(self) -> None:
        with contextlib.suppress(Exception):  # not kept: the check that lists again hears why
            self.listing()

    def matches(self, pattern: str, timeout: float,
                cancelled: threading.Event | None = None) -> list[LineMatch]:
        """Every scanned line matching the pattern (one shared pass for all wanted ones), waiting
        at most `timeout` seconds. CheckError when its scan did not finish (a regex that ran past
        its check's timeout, an interrupted run)."""
        from certify.targets.textscan import Failed

        deadline = time.monotonic() + timeout
        files = self.files()
        with self._ready:
            if pattern not in self._started:
                self._budget[pattern] = max(self._budget.get(pattern, 0.0), timeout)
                now = time.monotonic()
                todo = {p: now + b for p, b in self._budget.items() if p not in self._started}
                self._started.update(todo)
                threading.Thread(target=self._scan, args=(files, todo, cancelled), daemon=True,
                                 name="repo-scan").start()
            while pattern not in self._results and time.monotonic() < deadline \
                    and not (cancelled is not None and cancelled.is_set()):
                self._ready.wait(0.1)
            result = self._results.get(pattern)
        if isinstance(result, Failed):
            raise CheckError(result.reason)
        if result is None:
            raise CheckError("interrupted while scanning" if cancelled is not None and cancelled.is_set()
                             else f"regex timed out: /{pattern}/ did not finish within the check's timeout")
        return result

    def _scan(self, files: list[str], deadlines: dict[str, float],
              cancelled: threading.Event | None) -> None:
        from certify.targets import textscan
        from certify.targets.textscan import Failed

        def publish(pattern: str, result: list[LineMatch] | Failed) -> None:
            with self._ready:
                self._results[pattern] = result
                self._ready.notify_all()

        try:
            textscan.scan(self.root, files, deadlines, self.unreadable, cancelled, publish)
        except Exception as exc:  # noqa: BLE001 - every waiting check hears why, none hangs
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            for pattern in deadlines:
                if pattern not in self._results:
                    publish(pattern, Failed(f"the scan failed: {first}"))

    def facts(self) -> dict[str, str]:
        state = self.git_state()
        if not state.is_repo:
            return {"repository": f"{self.root} (not a git repository)"}
        return {"repository": f"{self.root} @ {state.short} on {state.branch}"
                              f"{' (dirty)' if state.dirty else ''}"}

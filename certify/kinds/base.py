"""What every check kind is made of, and what it returns.

A kind is a `KindSpec`: its field dataclass (validated by the spec loader), the target
type it needs, and `run(fields, ctx) -> Outcome`. An `Outcome` always carries
evidence: what ran, the key output, and a command a person can paste to reproduce it.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from certify.errors import CheckError as CheckError  # re-exported for kinds
from certify.spec.model import Proof
from certify.targets.repo import RepoTarget

Status = Literal["pass", "fail", "error", "skip"]
F = TypeVar("F")


@dataclass(frozen=True)
class Finding:
    """One thing found wrong (or, for inventories, found at all), naming the object exactly."""

    where: str  # schema.table, path:line, METHOD /path, role ...
    what: str
    fix: str | None = None


@dataclass
class Outcome:
    """What a check saw. A kind reports; the engine's `settle` decides the status from it:

    - `findings` are violations: a passing outcome with findings becomes FAIL, its reason
      naming the first few (`lead` says what they are, e.g. "2 of 5 matches lack /x/").
      Set `inventory` when findings list what was found rather than what is wrong.
    - `unproven` holds why a pass would not be proven (a file in scope could not be read,
      output was cut): a pass with any becomes UNKNOWN (status error) with the first reason.
    - empty scopes are recorded with `CheckContext.scope`, not here.
    """

    status: Status
    reason: str  # one line
    ran: str = ""  # the command, SQL, request or scan that was run
    output: str = ""  # the key output (the full text goes into `attachments`)
    reproduce: str = ""  # paste this to see it yourself
    findings: list[Finding] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # facts measured (counts, versions...)
    attachments: dict[str, str] = field(default_factory=dict)  # name -> full text
    unproven: list[str] = field(default_factory=list)
    lead: str = ""
    inventory: bool = False


@dataclass(frozen=True)
class Scope:
    """What one part of a check's scope resolved to (see `CheckContext.scope`)."""

    label: str  # "paths", "tables", "migration files", "log source" ...
    noun: str  # what it should have matched: "file", "table", "entry" ...
    patterns: tuple[str, ...]
    unmatched: tuple[str, ...]  # patterns that matched nothing
    total: int  # how many objects the whole scope reached

    @property
    def empty(self) -> bool:
        return self.total == 0

    def describe(self) -> str:
        if self.empty:
            shown = ", ".join(self.patterns) if self.patterns else "(none given)"
            return f"{self.label} matched no {self.noun}: {shown}"
        return f"{self.label}: {', '.join(self.unmatched)} matched no {self.noun}"


@dataclass
class CheckContext(Generic[F]):
    """What a running check may use."""

    repo: RepoTarget
    target: Any  # the opened target of the kind's target type (the repo for static kinds)
    timeout: float
    cancelled: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    draft: Outcome | None = None  # the outcome being built: an error keeps its `ran` and `reproduce`
    scopes: list[Scope] = field(default_factory=list)

    def scope(self, label: str, patterns: Sequence[str], matched: Callable[[str], bool] | Sequence[str],
              total: int | None = None, noun: str = "file") -> Scope:
        """Record what the check's scope resolved to. `matched` is a predicate over patterns
        (or the list of patterns that matched something); `total` how many objects the scope
        reached (default: how many patterns matched). The engine makes a check whose whole
        scope reached nothing UNKNOWN (unless the spec says `allow_empty: true`) and notes
        single patterns that matched nothing in the evidence."""
        hit = matched if callable(matched) else set(matched).__contains__
        unmatched = tuple(p for p in patterns if not hit(p))
        if total is None:
            total = len(patterns) - len(unmatched)
        record = Scope(label, noun, tuple(patterns), unmatched, total)
        self.scopes.append(record)
        return record

    def outcome(self, **evidence: Any) -> Outcome:
        """Start the check's outcome (passing until findings say otherwise) with what it runs and
        how to reproduce it. Should the check then raise, its ERROR still carries both."""
        self.draft = Outcome("pass", "", **evidence)
        return self.draft

    @property
    def remaining(self) -> float:
        return max(0.1, self.timeout - (time.monotonic() - self.started))


@dataclass(frozen=True)
class KindSpec(Generic[F]):
    name: str
    summary: str  # what it proves, one line
    fields: type[F]
    run: Callable[[F, CheckContext[F]], Outcome]
    proof: Proof = "local"
    target_type: str | None = "repo"
    default_timeout: float = 60.0
    example: str = ""
    # Called for every selected check before any runs (e.g. to share one scan).
    plan: Callable[[F, CheckContext[F]], None] | None = None
    # At most this many checks of the kind at once (None: as many as -j allows). Checks that
    # wait on the network can run by the dozen; commands compete for the CPU.
    parallel: int | None = None


def findings_reason(findings: Sequence[Finding], lead: str = "", limit: int = 3) -> str:
    """The one wording of a failing check's reason: what failed, then the first few findings."""
    first = "; ".join(f"{f.where}: {f.what}" for f in findings[:limit])
    more = f" (and {len(findings) - limit} more)" if len(findings) > limit else ""
    text = first + more
    return f"{lead}: {text}" if lead and text else (lead or text)


def shell_join(argv: Sequence[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


def in_dir(root: Path, command: str) -> str:
    """A reproduce line that runs `command` in `root`."""
    return f"cd {shlex.quote(str(root))} && {command}"


def head(lines: Sequence[str], limit: int = 20) -> str:
    """The first `limit` lines, saying how many more there are."""
    shown = list(lines[:limit])
    if len(lines) > limit:
        shown.append(f"... {len(lines) - limit} more (all of them in results.json and the attachment)")
    return "\n".join(shown)

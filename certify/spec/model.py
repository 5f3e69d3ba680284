"""The typed spec: what `load_spec` returns and every later stage reads."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from certify.spec.binder import meta
from certify.spec.errors import Mark

Proof = Literal["local", "runtime"]
# A hypothesis id names files and anchors in the pack: letters, digits, `.`, `_`, `-`, at most 64.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# A control of a framework: `SOC2:CC6.1`, `ISO27001:A.8.3`, `PCI-DSS:7.2.1`, `NIST-800-53:AC-6(1)`.
CONTROL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9._()/-]*")


def _quoted(value: str) -> str:
    """A value as a spec error quotes it (JSON's escapes), json loaded only for an error."""
    import json

    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Retry:
    """Re-run a check that did not pass, for facts that arrive late (logs...)."""

    attempts: int = field(default=3, metadata=meta("how many times to run it in all"))
    interval: float = field(default=5.0, metadata=meta("seconds to wait between attempts"))


@dataclass(frozen=True)
class CheckCommon:
    """Fields every check has, whatever its kind."""

    kind: str = field(metadata=meta("the check kind (see `certify explain KIND`)"))
    name: str | None = field(default=None, metadata=meta("a short name shown in the pack"))
    target: str | None = field(default=None, metadata=meta(
        "which target of the kind's type to use (default: the only one)"))
    source: str | None = field(default=None, metadata=meta(
        "the same as `target`, read better for log kinds (`source: prod`)"))
    timeout: float | None = field(default=None, metadata=meta("seconds before the check is ERROR"))
    retry: Retry | None = field(default=None, metadata=meta("re-run until it passes"))
    allow_empty: bool = field(default=False, metadata=meta(
        "true = a scope that resolves to nothing (no file, table, log entry...) may pass; by default "
        "it makes the check UNKNOWN"))
    authored: bool = field(default=False, metadata=meta(
        "true = the evidence is an observation written down (a production log, a deployment "
        "count), not measured by this run; the pack labels it authored"))


@dataclass(frozen=True)
class Waiver:
    """An accepted risk: a FALSE or UNKNOWN verdict that does not fail the gate until it expires
    (the last day it holds, compared with the run's date in UTC)."""

    reason: str = field(metadata=meta("why the risk is accepted"))
    expires: dt.date = field(metadata=meta("the last day the waiver holds, in UTC (YYYY-MM-DD)"))
    by: str = field(metadata=meta("who accepted it"))
    since: dt.date | None = field(default=None, metadata=meta("the day it was accepted (YYYY-MM-DD)"))
    ticket: str | None = field(default=None, metadata=meta("the ticket that tracks it (e.g. SEC-42)"))
    risk: str | None = field(default=None, metadata=meta("the risk accepted, when there is no ticket"))

    def __post_init__(self) -> None:
        if self.since is not None and self.since > self.expires:
            raise ValueError(f"since: {self.since.isoformat()} is after expires: {self.expires.isoformat()}; "
                             "a waiver is accepted before it expires")

    def valid_on(self, day: dt.date) -> bool:
        return day <= self.expires


@dataclass(frozen=True)
class FindingWaiver(Waiver):
    """An accepted finding: the findings whose `where` matches (exactly, or as a glob with `*`)
    do not count against the claim until it expires; the others still do."""

    where: str = field(default="", metadata=meta(
        "the finding's `where`, as the pack prints it (`public.create_user(text)`, `app/x.py:12`); "
        "`*` matches anything"))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.where.strip():
            raise ValueError("where: expected the `where` of a finding, as the pack prints it")


@dataclass(frozen=True)
class HypothesisFields:
    """A claim about the system, backed by checks (`check:` for one, `checks:` for several)."""

    id: str = field(metadata=meta("unique id shown in every output, e.g. H-C4"))
    claim: str = field(metadata=meta("what is claimed, in one sentence"))
    group: str | None = field(default=None, metadata=meta("the truth-table section (a key of `groups`)"))
    proof: Proof | None = field(default=None, metadata=meta(
        "local = proven from the repository/CI, runtime = from the running system "
        "(default: runtime when any check is a runtime kind)"))
    gate: bool = field(default=True, metadata=meta("false = informational, never fails the gate"))
    tags: list[str] = field(default_factory=list, metadata=meta("labels for --tag"))
    question: str | None = field(default=None, metadata=meta(
        "asked in the pack when the verdict is FALSE or UNKNOWN"))
    waiver: Waiver | None = field(default=None, metadata=meta("an accepted risk, until it expires"))
    waive: list[FindingWaiver] = field(default_factory=list, metadata=meta(
        "accepted findings, one by one (`where`), each until it expires; the claim's other findings count"))
    controls: list[str] = field(default_factory=list, metadata=meta(
        "the controls this claim is evidence for, as FRAMEWORK:ID (`SOC2:CC6.1`, `ISO27001:A.8.3`)"))

    def __post_init__(self) -> None:
        for control in self.controls:
            if not CONTROL_PATTERN.fullmatch(control):
                raise ValueError(f"controls: {_quoted(control)} is not a control; "
                                 "expected FRAMEWORK:ID, e.g. SOC2:CC6.1 or ISO27001:A.8.3")
        if not ID_PATTERN.fullmatch(self.id):
            raise ValueError(f"id: {_quoted(self.id)} is not a usable id; expected "
                             f"^{ID_PATTERN.pattern}$ (a letter or digit, then letters, digits, `.`, `_` "
                             "or `-`, at most 64 characters)")


@dataclass(frozen=True)
class CheckSpec:
    """One check of a hypothesis, validated against its kind."""

    kind: str
    name: str
    target: str | None  # resolved target name (None for kinds without a target)
    timeout: float | None
    retry: Retry | None
    fields: Any  # the kind's own field dataclass
    mark: Mark
    index: int  # position within its hypothesis, from 1
    allow_empty: bool = False
    authored: bool = False  # the evidence was written down, not measured (shown in the pack)


@dataclass(frozen=True)
class Hypothesis:
    id: str
    claim: str
    group: str
    proof: Proof
    gate: bool
    tags: tuple[str, ...]
    question: str | None
    waiver: Waiver | None
    checks: tuple[CheckSpec, ...]
    mark: Mark
    waive: tuple[FindingWaiver, ...] = ()
    controls: tuple[str, ...] = ()
    unset_vars: tuple[tuple[str, Mark], ...] = ()  # ${VAR}s this hypothesis needs but are unset


@dataclass(frozen=True)
class TargetSpec:
    """A way to reach the system under test, of one type (repo, postgres, http, logs)."""

    type: str
    name: str
    config: Any  # the target type's config dataclass
    base_dir: Path  # the folder of the spec file that declared it
    mark: Mark
    unset_vars: tuple[tuple[str, Mark], ...] = ()
    # (field path, VAR, value) for each ${VAR} its config expanded: `("dsn", "DATABASE_URL", "...")`
    substituted: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Spec:
    path: Path
    source: bytes = field(repr=False)  # the bytes of the spec file
    version: int
    phase: str
    description: str | None
    groups: dict[str, str]
    secrets: tuple[str, ...]
    targets: dict[tuple[str, str], TargetSpec]  # (type, name) -> target
    hypotheses: tuple[Hypothesis, ...]
    files: tuple[Path, ...]  # the spec and every file it included
    # (NAME, value) of every value a secret variable (or one made from a secret) took, wherever it
    # came from: the environment, `vars:`, an include's `vars`, a `:-default`
    secret_values: tuple[tuple[str, str], ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def sha256(self) -> str:
        """The sha256 of the spec file: it names the run. Computed when asked, so `validate`
        loads no hashing library."""
        import hashlib

        return hashlib.sha256(self.source).hexdigest()

    def target(self, type_: str, name: str | None) -> TargetSpec | None:
        if name is None:
            return None
        return self.targets.get((type_, name))

    def group_title(self, group: str) -> str:
        return self.groups.get(group, group)


class Catalog(Protocol):
    """What the loader needs to know about check kinds and target types (the registry)."""

    def kind_names(self) -> list[str]: ...

    def kind_fields(self, kind: str) -> type | None: ...

    def kind_target_type(self, kind: str) -> str | None: ...

    def kind_proof(self, kind: str) -> Proof: ...

    def target_types(self) -> list[str]: ...

    def target_config(self, type_: str) -> type | None: ...

    def target_is_single(self, type_: str) -> bool: ...

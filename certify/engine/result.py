"""The result of a run: plain data, built by the engine and read by every reporter."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from certify.kinds.base import Finding, Status

Verdict = Literal["TRUE", "FALSE", "UNKNOWN", "WAIVED"]
SCHEMA_VERSION = 1
# Findings of one check that EVIDENCE.md and results.json list (as many as the table shows); all of
# them go to FINDINGS_FILE. 100 checks of 200 findings made results.json 2 MB and its writing the
# run's biggest cost.
FINDINGS_KEPT = 50
FINDINGS_FILE = "findings.txt"  # the check's attachment listing every finding, one line each


@dataclass
class CheckResult:
    kind: str
    name: str
    index: int
    status: Status
    reason: str
    ran: str = ""
    output: str = ""
    reproduce: str = ""
    findings: list[Finding] = field(default_factory=list)  # the first FINDINGS_KEPT when capped
    values: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)  # name -> full text
    seconds: float = 0.0
    attempts: int = 1
    target: str | None = None
    spec_at: str = ""  # file:line of the check in the spec
    authored: bool = False  # evidence written down by people, not measured by this run
    findings_total: int | None = None  # set when `findings` was capped: how many there were

    @property
    def finding_count(self) -> int:
        """How many findings the check had, whether or not the pack lists each of them."""
        return len(self.findings) if self.findings_total is None else self.findings_total


def finding_line(f: Finding) -> str:
    """A finding as one line of text (FINDINGS_FILE): `where: what`, and its fix if it has one."""
    return f"{f.where}: {f.what}" + (f" (fix: {f.fix})" if f.fix else "")


def _listing(findings: list[Finding]) -> str:
    """FINDINGS_FILE: one line per finding (a line break inside one becomes a space)."""
    text = "\n".join([finding_line(f) for f in findings])
    if "\r" in text or text.count("\n") != len(findings) - 1:
        text = "\n".join(finding_line(f).replace("\r", " ").replace("\n", " ") for f in findings)
    return text


def capped(c: CheckResult, keep: int = FINDINGS_KEPT) -> CheckResult:
    """The check as the pack shows it: its first `keep` findings, how many there were, and every
    one of them in the attachment FINDINGS_FILE, one line each. A claim with 100,000 violations
    then costs the pack one line per finding (not a JSON object, a table row and a redaction of
    each), and its EVIDENCE.md and results.json stay readable. Judge first: verdicts and waivers
    need every finding."""
    if len(c.findings) <= keep:
        return c
    return dataclasses.replace(c, findings=c.findings[:keep], findings_total=len(c.findings),
                               attachments={**c.attachments, FINDINGS_FILE: _listing(c.findings)})


@dataclass
class HypothesisResult:
    id: str
    group: str
    group_title: str
    claim: str
    proof: str
    gate: bool
    tags: list[str]
    question: str | None
    verdict: Verdict
    reason: str  # the evidence in one line
    checks: list[CheckResult]
    # reason, expires, by, state (valid | expired | unused), and since, ticket, risk when given
    waiver: dict[str, str] | None = None
    spec_at: str = ""
    # `waive:` entries: where, reason, expires, by, state (applied | expired | unused), matched (wheres)...
    finding_waivers: list[dict[str, Any]] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)  # FRAMEWORK:ID this claim is evidence for

    @property
    def underlying(self) -> str:
        """The verdict the checks gave, before any waiver."""
        return verdict_of([c.status for c in self.checks])


def verdict_of(statuses: list[Status]) -> Verdict:
    """All checks pass: TRUE. Any fails: FALSE. Otherwise (error, skipped): UNKNOWN."""
    if "fail" in statuses:
        return "FALSE"
    if statuses and all(s == "pass" for s in statuses):
        return "TRUE"
    return "UNKNOWN"


@dataclass
class Baseline:
    commit: str
    branch: str
    dirty: bool
    started: str
    finished: str
    repo: str
    who: str
    where: str


@dataclass
class Gate:
    passed: bool
    exit_code: int
    runtime_proof_claimed: bool
    runtime_proof_reason: str
    counts: dict[str, int]
    allow_unknown: bool
    summary: str


@dataclass
class RunResult:
    phase: str
    description: str | None
    spec_path: str
    spec_sha256: str
    spec_files: list[str]
    tool_version: str
    baseline: Baseline
    environment: dict[str, str]
    gate: Gate
    hypotheses: list[HypothesisResult]
    selection: dict[str, Any]
    groups: dict[str, str]
    interrupted: bool = False
    attachments: dict[str, str] = field(default_factory=dict)  # run-level: service logs...
    # --shard K/N: {"index": K, "of": N, "hypotheses": [every id the N shards cover, in order]}
    shard: dict[str, Any] | None = None
    schema_version: int = SCHEMA_VERSION
    base_dir: str = ""  # the spec's folder, absolute: paths in the pack are relative to it

    @property
    def label(self) -> str:
        """The phase as the ledger shows it: a shard or a merge says so."""
        if self.shard:
            return f"{self.phase} (shard {self.shard['index']}/{self.shard['of']})"
        if "merged" in self.selection:
            return f"{self.phase} (merged: {self.selection['merged']})"
        return self.phase

"""results.json: everything in the pack, for tools (SPEC §5; names there are fixed), and its
reading back (for `certify merge`), kept beside the writing so the two stay in step."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from certify.engine.result import FINDINGS_FILE, Baseline, CheckResult, Gate, HypothesisResult, RunResult
from certify.kinds.base import Finding
from certify.report.naming import attachment_path, run_attachment_path


def _check(hyp: HypothesisResult, c: CheckResult) -> dict[str, Any]:
    return {
        "kind": c.kind, "name": c.name, "index": c.index, "status": c.status, "reason": c.reason,
        "ran": c.ran, "output": c.output, "reproduce": c.reproduce,
        "findings": [{"where": f.where, "what": f.what, "fix": f.fix} for f in c.findings],
        # capped (engine/result.py): the first FINDINGS_KEPT above, how many there were, and where all are
        **({"findings_total": c.findings_total, "findings_file": attachment_path(hyp, c, FINDINGS_FILE)}
           if c.findings_total is not None else {}),
        "values": c.values, "attachments": [attachment_path(hyp, c, n) for n in c.attachments],
        "seconds": c.seconds, "attempts": c.attempts, "target": c.target, "spec_at": c.spec_at,
        **({"authored": True} if c.authored else {}),
    }


def controls(r: RunResult) -> dict[str, dict[str, str]]:
    """Each control (sorted) -> the hypotheses that are evidence for it -> their verdicts."""
    out: dict[str, dict[str, str]] = {}
    for h in r.hypotheses:
        for c in h.controls:
            out.setdefault(c, {})[h.id] = h.verdict
    return dict(sorted(out.items()))


def all_waivers(r: RunResult) -> list[dict[str, Any]]:
    """Every waiver of the run, whole-claim and per-finding, with its state (valid, applied,
    expired, unused): what an auditor reviews as the run's exceptions."""
    out: list[dict[str, Any]] = []
    for h in r.hypotheses:
        if h.waiver:
            out.append({"hypothesis": h.id, **h.waiver})
        out.extend({"hypothesis": h.id, **w} for w in h.finding_waivers)
    return out


def to_dict(r: RunResult) -> dict[str, Any]:
    return {
        "schema_version": r.schema_version,
        "tool": {"name": "certify", "version": r.tool_version},
        "phase": r.phase,
        "description": r.description,
        "spec": {"path": r.spec_path, "sha256": r.spec_sha256, "files": r.spec_files, "base": r.base_dir},
        "baseline": dataclasses.asdict(r.baseline),
        "environment": r.environment,
        "selection": r.selection,
        "interrupted": r.interrupted,
        "shard": r.shard,
        "gate": {
            "passed": r.gate.passed, "exit_code": r.gate.exit_code,
            "runtime_proof_claimed": r.gate.runtime_proof_claimed,
            "runtime_proof_reason": r.gate.runtime_proof_reason,
            "allow_unknown": r.gate.allow_unknown, "summary": r.gate.summary,
            "counts": r.gate.counts,
        },
        "groups": r.groups,
        "waivers": all_waivers(r),
        "controls": controls(r),
        "attachments": [run_attachment_path(n) for n in r.attachments],
        "hypotheses": [
            {"id": h.id, "group": h.group, "group_title": h.group_title, "claim": h.claim,
             "proof": h.proof, "gate": h.gate, "tags": h.tags, "question": h.question,
             "verdict": h.verdict, "underlying_verdict": h.underlying, "reason": h.reason,
             "controls": h.controls, "waiver": h.waiver, "finding_waivers": h.finding_waivers,
             "spec_at": h.spec_at,
             "checks": [_check(h, c) for c in h.checks]}
            for h in r.hypotheses
        ],
    }


def render(r: RunResult) -> str:
    return json.dumps(to_dict(r), indent=2, ensure_ascii=False, default=str) + "\n"


def _check_from_dict(raw: dict[str, Any], hyp: HypothesisResult, pack: Path) -> CheckResult:
    c = CheckResult(
        kind=raw["kind"], name=raw["name"], index=raw["index"], status=raw["status"],
        reason=raw["reason"], ran=raw.get("ran", ""), output=raw.get("output", ""),
        reproduce=raw.get("reproduce", ""),
        findings=[Finding(f["where"], f["what"], f.get("fix")) for f in raw.get("findings", [])],
        values=raw.get("values", {}), seconds=raw.get("seconds", 0.0), attempts=raw.get("attempts", 1),
        target=raw.get("target"), spec_at=raw.get("spec_at", ""), authored=raw.get("authored") is True,
        findings_total=raw.get("findings_total"))
    prefix = attachment_path(hyp, c, "")
    for rel in raw.get("attachments", []):
        c.attachments[rel.removeprefix(prefix)] = read_attachment(pack, rel)
    return c


def read_attachment(pack: Path, rel: str) -> str:
    """An attachment a written pack's results.json names: a file inside the pack, never outside."""
    from certify.report.verify import inside

    if not isinstance(rel, str) or not rel.startswith("attachments/") or not inside(pack, rel):
        raise ValueError(f"{pack}/results.json: the attachment {rel!r} is outside the pack")
    return (pack / rel).read_text(encoding="utf-8")


def hypothesis_from_dict(raw: dict[str, Any], pack: Path) -> HypothesisResult:
    """A hypothesis of a written pack's results.json, with its checks' attachments read back."""
    hyp = HypothesisResult(
        id=raw["id"], group=raw["group"], group_title=raw["group_title"], claim=raw["claim"],
        proof=raw["proof"], gate=raw["gate"], tags=raw.get("tags", []), question=raw.get("question"),
        verdict=raw["verdict"], reason=raw["reason"], checks=[], waiver=raw.get("waiver"),
        spec_at=raw.get("spec_at", ""), finding_waivers=raw.get("finding_waivers", []),
        controls=raw.get("controls", []))
    hyp.checks = [_check_from_dict(c, hyp, pack) for c in raw["checks"]]
    return hyp


def run_header_from_dict(raw: dict[str, Any]) -> RunResult:
    """A written pack's run without its hypotheses: what its ledger row says (phase, shard or
    merge, baseline, gate)."""
    b, g = raw["baseline"], raw["gate"]
    return RunResult(
        phase=raw["phase"], description=raw.get("description"), spec_path=raw["spec"]["path"],
        spec_sha256=raw["spec"]["sha256"], spec_files=raw["spec"].get("files", []),
        tool_version=raw["tool"]["version"],
        baseline=Baseline(commit=b["commit"], branch=b["branch"], dirty=b["dirty"], started=b["started"],
                          finished=b["finished"], repo=b["repo"], who=b["who"], where=b["where"]),
        environment=raw.get("environment", {}),
        gate=Gate(passed=g["passed"], exit_code=g["exit_code"],
                  runtime_proof_claimed=g["runtime_proof_claimed"],
                  runtime_proof_reason=g["runtime_proof_reason"], counts=g["counts"],
                  allow_unknown=g["allow_unknown"], summary=g["summary"]),
        hypotheses=[], selection=raw.get("selection", {}), groups=raw.get("groups", {}),
        interrupted=raw.get("interrupted", False), shard=raw.get("shard"),
        base_dir=raw["spec"].get("base", ""))

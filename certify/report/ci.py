"""CI outputs: GitHub Actions annotations and step summary, and SARIF 2.1.0 for code scanning.

Only findings that name a file and a line become annotations or SARIF results; a FALSE or
UNKNOWN hypothesis without one is annotated on its line in the spec, so nothing that failed
the gate is invisible in the pull request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certify import __version__
from certify.engine.result import HypothesisResult, RunResult
from certify.report.markdown import cell, inline

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_WHERE = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+)(?::\d+)?$")
_AT = re.compile(r"\bat (?P<path>[^\s:()]+):(?P<line>\d+)\b")


@dataclass(frozen=True)
class Located:
    hypothesis: HypothesisResult
    path: str  # relative to the working directory, with forward slashes
    line: int
    message: str


def _relative(path: str, base: Path, cwd: Path) -> str:
    full = Path(path) if Path(path).is_absolute() else base / path
    try:
        return Path(os.path.relpath(full, cwd)).as_posix()
    except ValueError:  # another drive
        return full.as_posix()


def located_findings(result: RunResult, cwd: Path) -> Iterator[Located]:
    """Findings of FALSE and UNKNOWN hypotheses that name a file and a line."""
    repo = Path(result.baseline.repo)
    for h in result.hypotheses:
        if h.verdict in ("TRUE", "WAIVED"):
            continue
        for c in h.checks:
            if c.status not in ("fail", "error"):
                continue
            for f in c.findings:
                m = _WHERE.match(f.where) or _AT.search(f.what)
                if m:
                    message = f"{h.id}: {h.claim} — {f.where}: {f.what}" if not _WHERE.match(f.where) \
                        else f"{h.id}: {h.claim} — {f.what}"
                    yield Located(h, _relative(m.group("path"), repo, cwd), int(m.group("line")), message)


def _spec_line(h: HypothesisResult, cwd: Path) -> tuple[str, int] | None:
    """Where the hypothesis is written: its spec path is as given on the command line, from cwd."""
    m = re.match(r"^(?P<path>.+):(?P<line>\d+)$", h.spec_at)
    return (_relative(m.group("path"), cwd, cwd), int(m.group("line"))) if m else None


# ---------------------------------------------------------------- GitHub Actions


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_annotations(result: RunResult, cwd: Path) -> list[str]:
    """`::error file=..,line=..::` lines (warnings for hypotheses that do not gate)."""
    out = []
    annotated: set[str] = set()
    for loc in located_findings(result, cwd):
        level = "error" if loc.hypothesis.gate else "warning"
        title = _escape(f"{loc.hypothesis.id} {loc.hypothesis.verdict}", True)
        out.append(f"::{level} file={_escape(loc.path, True)},line={loc.line},title={title}::"
                   f"{_escape(loc.message)}")
        annotated.add(loc.hypothesis.id)
    for h in result.hypotheses:
        if h.verdict in ("TRUE", "WAIVED") or h.id in annotated:
            continue
        level = "error" if h.gate else "warning"
        where = _spec_line(h, cwd)
        place = f"file={_escape(where[0], True)},line={where[1]}," if where else ""
        out.append(f"::{level} {place}title={_escape(f'{h.id} {h.verdict}', True)}::"
                   f"{_escape(f'{h.claim} — {h.reason}')}")
    return out


def github_summary(result: RunResult) -> str:
    """The step summary: the gate, the counts, and the truth table."""
    icon = {"TRUE": "✅", "FALSE": "❌", "UNKNOWN": "❔", "WAIVED": "⏸️"}
    g = result.gate
    counts = " · ".join(f"{k} {v}" for k, v in g.counts.items())
    lines = [f"## certify: {inline(result.phase)}", "",
             f"**{inline(g.summary)}** (exit code {g.exit_code})", "", counts, "",
             "| ID | Claim | Verdict | Evidence |", "|---|---|---|---|"]
    for h in result.hypotheses:
        lines.append(f"| {cell(h.id)} | {cell(h.claim)} | {icon.get(h.verdict, '')} {h.verdict} | "
                     f"{cell(h.reason)} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- SARIF


def sarif(result: RunResult, cwd: Path) -> dict[str, Any]:
    """SARIF 2.1.0: one rule per hypothesis, one result per located finding."""
    rules = [{"id": h.id, "name": h.id, "shortDescription": {"text": h.claim},
              "properties": {"group": h.group, "proof": h.proof, "tags": h.tags,
                             **({"controls": h.controls} if h.controls else {})}}
             for h in result.hypotheses]
    index = {h.id: i for i, h in enumerate(result.hypotheses)}
    results = []
    for loc in located_findings(result, cwd):
        h = loc.hypothesis
        results.append({
            "ruleId": h.id, "ruleIndex": index[h.id],
            "level": "error" if h.gate and h.verdict == "FALSE" else "warning",
            "message": {"text": loc.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(1, loc.line)}}}],
            "partialFingerprints": {"certifyFinding/v1": f"{h.id}:{loc.path}:{loc.message}"},
        })
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "certify", "version": __version__,
                            "informationUri": "https://github.com/certify/certify", "rules": rules}},
        # no absolute uri: the machine's folder stays out of the report (paths are relative to it)
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the folder certify ran in"}}},
        "results": results,
        "properties": {"phase": result.phase, "gate": {"passed": result.gate.passed,
                                                        "exit_code": result.gate.exit_code}},
    }]}

"""From check outcomes to hypothesis verdicts, and from verdicts to the gate (SPEC §4)."""

from __future__ import annotations

import datetime as dt
import fnmatch
from typing import Any

from certify.engine.result import CheckResult, Gate, HypothesisResult, Verdict, capped, verdict_of
from certify.spec.model import FindingWaiver, Hypothesis, Waiver

EXIT_PASS, EXIT_FALSE, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _waiver_dict(w: Waiver, state: str) -> dict[str, str]:
    out = {"reason": w.reason, "expires": w.expires.isoformat(), "by": w.by, "state": state}
    for key, value in (("since", w.since and w.since.isoformat()), ("ticket", w.ticket), ("risk", w.risk)):
        if value:
            out[key] = value
    return out


def _matches(w: FindingWaiver, where: str) -> bool:
    return fnmatch.fnmatchcase(where, w.where) if "*" in w.where else where == w.where


def _finding_waivers(hyp: Hypothesis, checks: list[CheckResult],
                     today: dt.date) -> tuple[list[dict[str, Any]], bool, list[str]]:
    """Each `waive:` entry with its state (applied | expired | unused) and the findings it matched;
    whether every failing check fails only on findings a valid entry accepts; the wheres waived."""
    out: list[dict[str, Any]] = []
    failing = [ci for ci, c in enumerate(checks) if c.status == "fail"]
    waived: set[tuple[int, int]] = set()
    for w in hyp.waive:
        matched = [(ci, fi, f.where) for ci in failing
                   for fi, f in enumerate(checks[ci].findings) if _matches(w, f.where)]
        state = "unused" if not matched else ("applied" if w.valid_on(today) else "expired")
        if state == "applied":
            waived.update((ci, fi) for ci, fi, _ in matched)
        entry: dict[str, Any] = {"where": w.where, **_waiver_dict(w, state)}
        entry["matched"] = sorted({where for _, _, where in matched})
        out.append(entry)
    all_waived = bool(failing) and all(
        checks[ci].findings and all((ci, fi) in waived for fi in range(len(checks[ci].findings)))
        for ci in failing)
    wheres = sorted({checks[ci].findings[fi].where for ci, fi in waived})
    return out, all_waived, wheres


def judge(hyp: Hypothesis, checks: list[CheckResult], group_title: str,
          today: dt.date) -> HypothesisResult:
    underlying = verdict_of([c.status for c in checks])
    verdict: Verdict = underlying
    waiver = None
    if hyp.waiver is not None:
        w = hyp.waiver
        state = "valid" if w.valid_on(today) else "expired"
        if underlying == "TRUE":
            state = "unused"
        elif state == "valid":
            verdict = "WAIVED"
        waiver = _waiver_dict(w, state)
    finding_waivers, all_waived, wheres = _finding_waivers(hyp, checks, today)
    if underlying == "FALSE" and all_waived:
        verdict = "WAIVED"
    reason = _reason(underlying, checks, waiver)
    if wheres:
        accepted = ", ".join(wheres)
        reason = (f"every finding is waived one by one ({accepted}); {reason}" if all_waived
                  else f"{reason} (waived one by one: {accepted}; the other findings count)")
    return HypothesisResult(
        id=hyp.id, group=hyp.group, group_title=group_title, claim=hyp.claim, proof=hyp.proof,
        gate=hyp.gate, tags=list(hyp.tags), question=hyp.question, verdict=verdict,
        reason=reason, checks=[capped(c) for c in checks], waiver=waiver,  # judged on every finding
        spec_at=f"{hyp.mark.file}:{hyp.mark.line}", finding_waivers=finding_waivers,
        controls=list(hyp.controls),
    )


def _reason(underlying: Verdict, checks: list[CheckResult], waiver: dict[str, str] | None) -> str:
    if underlying == "TRUE":
        text = "; ".join(c.reason for c in checks)
    else:
        bad = [c for c in checks if c.status != "pass"]
        text = "; ".join(f"{c.name}: {c.reason}" if len(checks) > 1 else c.reason for c in bad)
    if waiver and waiver["state"] == "valid":
        ticket = f", {waiver['ticket']}" if waiver.get("ticket") else ""
        text = f"waived until {waiver['expires']} by {waiver['by']}{ticket} ({waiver['reason']}); {text}"
    elif waiver and waiver["state"] == "expired":
        text = f"waiver expired on {waiver['expires']}; {text}"
    return text


def _noun(ids: list[str]) -> str:
    return "hypotheses" if len(ids) > 1 else "hypothesis"


def _measured(hyp: HypothesisResult) -> bool:
    """Whether one of the hypothesis's checks observed the running system itself: a check of a
    runtime kind whose evidence is not marked authored."""
    from certify.kinds import registry

    return any(not c.authored and registry.get(c.kind).proof == "runtime" for c in hyp.checks)


def gate(results: list[HypothesisResult], allow_unknown: bool, interrupted: bool = False) -> Gate:
    counts = {v: sum(1 for r in results if r.verdict == v) for v in ("TRUE", "FALSE", "UNKNOWN", "WAIVED")}
    gating = [r for r in results if r.gate]
    false = [r.id for r in gating if r.verdict == "FALSE"]
    unknown = [r.id for r in gating if r.verdict == "UNKNOWN"]
    if false:
        code = EXIT_FALSE
        summary = f"FAILED: {len(false)} gating {_noun(false)} FALSE ({', '.join(false)})"
    elif unknown and not allow_unknown:
        code = EXIT_UNKNOWN
        summary = f"NOT PROVEN: {len(unknown)} gating {_noun(unknown)} UNKNOWN ({', '.join(unknown)})"
    else:
        code = EXIT_PASS
        summary = "PASSED" + (f" (allowing {len(unknown)} UNKNOWN: {', '.join(unknown)})" if unknown else "")
    if interrupted:
        summary = f"INCOMPLETE (interrupted): {summary}"
        if code == EXIT_PASS:
            code = EXIT_UNKNOWN
    runtime = [r for r in results if r.proof == "runtime"]
    not_true = [f"{r.id} {r.verdict}" for r in runtime if r.verdict != "TRUE"]
    authored = [r.id for r in runtime if not _measured(r)]
    if not runtime:
        claimed, why = False, "no runtime hypothesis was checked; this pack is local proof only"
    elif not_true:
        claimed, why = False, f"not every runtime hypothesis is TRUE: {', '.join(not_true)}"
    elif authored:
        claimed, why = False, (f"{', '.join(authored)} rest{'s' if len(authored) == 1 else ''} on authored "
                               "evidence only (written down, not measured by this run)")
    else:
        claimed, why = True, f"all {len(runtime)} runtime hypotheses are TRUE"
    return Gate(passed=code == EXIT_PASS, exit_code=code, runtime_proof_claimed=claimed,
                runtime_proof_reason=why, counts=counts, allow_unknown=allow_unknown, summary=summary)

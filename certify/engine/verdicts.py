"""From check outcomes to hypothesis verdicts, and from verdicts to the gate (SPEC §4)."""

from __future__ import annotations

import datetime as dt

from certify.engine.result import CheckResult, Gate, HypothesisResult, Verdict, verdict_of
from certify.spec.model import Hypothesis

EXIT_PASS, EXIT_FALSE, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


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
        waiver = {"reason": w.reason, "expires": w.expires.isoformat(), "by": w.by, "state": state}
    return HypothesisResult(
        id=hyp.id, group=hyp.group, group_title=group_title, claim=hyp.claim, proof=hyp.proof,
        gate=hyp.gate, tags=list(hyp.tags), question=hyp.question, verdict=verdict,
        reason=_reason(underlying, checks, waiver), checks=checks, waiver=waiver,
        spec_at=f"{hyp.mark.file}:{hyp.mark.line}",
    )


def _reason(underlying: Verdict, checks: list[CheckResult], waiver: dict[str, str] | None) -> str:
    if underlying == "TRUE":
        text = "; ".join(c.reason for c in checks)
    else:
        bad = [c for c in checks if c.status != "pass"]
        text = "; ".join(f"{c.name}: {c.reason}" if len(checks) > 1 else c.reason for c in bad)
    if waiver and waiver["state"] == "valid":
        text = f"waived until {waiver['expires']} by {waiver['by']} ({waiver['reason']}); {text}"
    elif waiver and waiver["state"] == "expired":
        text = f"waiver expired on {waiver['expires']}; {text}"
    return text


def _noun(ids: list[str]) -> str:
    return "hypotheses" if len(ids) > 1 else "hypothesis"


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
    if not runtime:
        claimed, why = False, "no runtime hypothesis was checked; this pack is local proof only"
    elif not_true:
        claimed, why = False, f"not every runtime hypothesis is TRUE: {', '.join(not_true)}"
    else:
        claimed, why = True, f"all {len(runtime)} runtime hypotheses are TRUE"
    return Gate(passed=code == EXIT_PASS, exit_code=code, runtime_proof_claimed=claimed,
                runtime_proof_reason=why, counts=counts, allow_unknown=allow_unknown, summary=summary)

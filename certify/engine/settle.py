"""The one place that turns what a check saw into its status and reason.

Kinds only report (findings, values, what could not be read, what their scope resolved
to); the rules that hold for every kind are applied here, once, with one wording:

1. a check that errored or was skipped stays so;
2. a scope that resolved to nothing makes the check UNKNOWN, unless `allow_empty: true`;
   a single pattern of several that matched nothing is a note in the evidence;
3. findings are violations: a pass with findings is FALSE, its reason naming them;
4. a pass that something could overturn (`unproven`) is UNKNOWN, naming the first reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from certify.kinds.base import Outcome, Scope, findings_reason

EMPTY_HINT = "set allow_empty: true if that is expected"


def settle(out: Outcome, scopes: Sequence[Scope], allow_empty: bool) -> Outcome:
    empty = [s.describe() for s in scopes if s.empty]
    notes = [s.describe() for s in scopes if s.unmatched and not s.empty]
    if allow_empty:
        notes = [*notes, *(f"{e} (allowed: allow_empty)" for e in empty)]
        empty = []
    if notes:
        out.output = "\n".join(x for x in (out.output, *(f"note: {n}" for n in notes)) if x)
    if out.status in ("error", "skip"):
        return out
    if empty:
        out.status = "error"
        out.reason = f"{empty[0]} ({EMPTY_HINT})" if len(empty) == 1 else \
            f"{'; '.join(empty)} ({EMPTY_HINT})"
        return out
    if out.findings and not out.inventory and out.status == "pass":
        out.status = "fail"
        out.reason = findings_reason(out.findings, out.lead)
    elif out.status == "fail" and not out.reason:
        out.reason = findings_reason(out.findings, out.lead) or "failed"
    if out.status == "pass" and out.unproven:
        more = f" (and {len(out.unproven) - 1} more)" if len(out.unproven) > 1 else ""
        out.status = "error"
        out.reason = f"not proven: {out.unproven[0]}{more}" + (f"; {out.reason}" if out.reason else "")
        out.output = "\n".join(x for x in (out.output, *(f"not proven: {u}" for u in out.unproven)) if x)
    return out

"""`env`: required configuration is present in the environment certify runs in.
Values are never printed: only whether each variable is set."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.spec.binder import meta


@dataclass(frozen=True)
class EnvFields:
    """Environment variables that must, or must not, be set (empty counts as not set)."""

    required: list[str] = field(default_factory=list, metadata=meta("variables that must be set"))
    one_of: list[list[str]] = field(default_factory=list, metadata=meta(
        "groups of variables of which at least one must be set, e.g. [[SUBS, EMAILS]]"))
    forbidden: list[str] = field(default_factory=list, metadata=meta("variables that must not be set"))

    def __post_init__(self) -> None:
        if not (self.required or self.one_of or self.forbidden):
            raise ValueError("give at least one of required, one_of, forbidden")


def _is_set(name: str) -> bool:
    return bool(os.environ.get(name))


def run(f: EnvFields, ctx: CheckContext[EnvFields]) -> Outcome:
    names = list(dict.fromkeys([*f.required, *(n for g in f.one_of for n in g), *f.forbidden]))
    status = {n: _is_set(n) for n in names}
    out = ctx.outcome(ran="look up " + ", ".join(names) + " in the environment (values not read out)")
    out.output = "\n".join(f"{n}: {'set' if s else 'not set'}" for n, s in status.items())
    pattern = "|".join(names)
    out.reproduce = f"env | cut -d= -f1 | grep -xE {shlex.quote(pattern)}"
    out.values = {n: ("set" if s else "not set") for n, s in status.items()}
    for n in f.required:
        if not status[n]:
            out.findings.append(Finding(n, "required, not set"))
    for group in f.one_of:
        if not any(status[n] for n in group):
            out.findings.append(Finding(" | ".join(group), "none of these is set; one must be"))
    for n in f.forbidden:
        if status[n]:
            out.findings.append(Finding(n, "set, and must not be"))
    if out.findings:
        out.status = "fail"
        out.reason = "; ".join(f"{x.where}: {x.what}" for x in out.findings)
    else:
        out.reason = f"all {len(names)} variables as required"
    return out


KIND = KindSpec(
    name="env",
    summary="required configuration is present (values never printed)",
    fields=EnvFields,
    run=run,
    target_type=None,
    example="""\
- kind: env
  required: [INVOKER_TOKEN_AUDIENCE]
  one_of: [[INVOKER_ALLOWED_SUBS, INVOKER_ALLOWED_EMAILS]]
""",
)

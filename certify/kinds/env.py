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
    """Environment variables that must, or must not, be set (empty counts as not set; a
    required one must hold more than whitespace)."""

    required: list[str] = field(default_factory=list, metadata=meta("variables that must be set"))
    one_of: list[list[str]] = field(default_factory=list, metadata=meta(
        "groups of variables of which at least one must be set, e.g. [[SUBS, EMAILS]]"))
    forbidden: list[str] = field(default_factory=list, metadata=meta("variables that must not be set"))

    def __post_init__(self) -> None:
        if not (self.required or self.one_of or self.forbidden):
            raise ValueError("give at least one of required, one_of, forbidden")
        if any(not group for group in self.one_of):
            raise ValueError("one_of: a group with no variables can never be satisfied")
        for label, names in (("required", self.required), ("one_of", [n for g in self.one_of for n in g]),
                             ("forbidden", self.forbidden)):
            for name in names:
                if not name.strip():  # "${NAME:-}": a name no variable has; forbidden would hold vacuously
                    raise ValueError(f"{label}: expected a variable name, got an empty one "
                                     "(an unset variable?)")
                if "=" in name or "\0" in name or name != name.strip():
                    raise ValueError(f'{label}: "{name}" is not a variable name (no variable can have it)')


def _state(name: str) -> str:
    """"set", "blank" (only whitespace: present, but no configuration) or "not set" (unset or empty)."""
    value = os.environ.get(name, "")
    return "set" if value.strip() else "blank" if value else "not set"


def run(f: EnvFields, ctx: CheckContext[EnvFields]) -> Outcome:
    names = list(dict.fromkeys([*f.required, *(n for g in f.one_of for n in g), *f.forbidden]))
    state = {n: _state(n) for n in names}
    out = ctx.outcome(ran="look up " + ", ".join(names) + " in the environment (values not read out)")
    out.output = "\n".join(f"{n}: {'set (blank)' if s == 'blank' else s}" for n, s in state.items())
    pattern = "|".join(names)
    out.reproduce = f"env | cut -d= -f1 | grep -xE {shlex.quote(pattern)}"
    out.values = {n: ("set" if s != "not set" else "not set") for n, s in state.items()}
    for n in f.required:
        if state[n] != "set":
            out.findings.append(Finding(n, "required, set but blank" if state[n] == "blank" else
                                        "required, not set"))
    for group in f.one_of:
        if not any(state[n] == "set" for n in group):
            out.findings.append(Finding(" | ".join(group), "none of these is set; one must be"))
    for n in f.forbidden:
        if state[n] != "not set":  # a blank value is still a value
            out.findings.append(Finding(n, "set, and must not be"))
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

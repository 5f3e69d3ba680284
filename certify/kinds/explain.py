"""`certify explain KIND`: what a kind proves, its fields, an example."""

from __future__ import annotations

import textwrap

from certify.kinds import registry
from certify.spec.binder import field_table
from certify.spec.model import CheckCommon


def explain(name: str) -> str:
    kind = registry.get(name)
    lines = [f"{kind.name} — {kind.summary}", ""]
    if kind.fields.__doc__:
        lines += [" ".join(kind.fields.__doc__.split()), ""]
    target = f"targets.{kind.target_type}" if kind.target_type else "the environment certify runs in"
    lines += [f"proof: {kind.proof}   looks at: {target}   default timeout: {kind.default_timeout:g}s",
              "", "fields:"]
    for key, expected, required, doc in field_table(kind.fields):
        lines.append(f"  {key}{' (required)' if required else ''}: {expected}")
        if doc:
            lines += textwrap.wrap(doc, 88, initial_indent="      ", subsequent_indent="      ")
    lines += ["", "common fields: " + ", ".join(k for k, *_ in field_table(CheckCommon) if k != "kind")]
    if kind.example:
        lines += ["", "example:", textwrap.indent(kind.example.rstrip(), "  ")]
    return "\n".join(lines)

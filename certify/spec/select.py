"""Choose which hypotheses a run covers (--only, --group, --tag, --proof)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from certify.spec.model import Hypothesis, Spec


def select(spec: Spec, only: Sequence[str] = (), groups: Sequence[str] = (),
           tags: Sequence[str] = (), proof: str | None = None) -> list[Hypothesis]:
    """Hypotheses matching every given filter (each filter: any of its values)."""
    out = []
    for h in spec.hypotheses:
        if only and not any(fnmatch.fnmatchcase(h.id, pat) for pat in only):
            continue
        if groups and h.group not in groups:
            continue
        if tags and not set(tags) & set(h.tags):
            continue
        if proof and h.proof != proof:
            continue
        out.append(h)
    return out

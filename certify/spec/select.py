"""Choose which hypotheses a run covers (--only, --group, --tag, --proof, --shard)."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import TypeVar

from certify.spec.model import Hypothesis, Spec

T = TypeVar("T")


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


def shard(hypotheses: Sequence[T], index: int, of: int) -> list[T]:
    """Shard `index` of `of` (1-based): the hypotheses at positions index-1, index-1+of, ...

    Dealt round-robin in spec order (after the other filters), so every shard of the same spec
    and filters gets the same hypotheses on every machine, and the shards differ in size by at
    most one. `certify merge` relies on this to know which hypotheses each shard owes.
    """
    return list(hypotheses[index - 1::of])

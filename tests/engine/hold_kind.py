"""A check kind that works on this machine (its target is the repository) and, to be counted,
calls a URL: the scheduling tests see how many such checks run at once. Registered only by them."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

from certify.kinds.base import CheckContext, KindSpec, Outcome


@dataclass(frozen=True)
class HoldFields:
    url: str


def run(f: HoldFields, ctx: CheckContext[HoldFields]) -> Outcome:
    with urllib.request.urlopen(f.url, timeout=ctx.remaining) as answer:  # noqa: S310 - a test URL
        return Outcome("pass", f"{answer.status}")


KIND = KindSpec(name="hold", summary="test only", fields=HoldFields, run=run, default_timeout=30.0)

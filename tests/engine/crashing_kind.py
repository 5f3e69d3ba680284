"""A check kind that misbehaves on purpose, registered only by the engine tests."""

from __future__ import annotations

import time
from dataclasses import dataclass

from certify.kinds.base import CheckContext, KindSpec, Outcome


@dataclass(frozen=True)
class MisbehaveFields:
    how: str  # crash | hang | flaky:<file> | bad-status


def run(f: MisbehaveFields, ctx: CheckContext[MisbehaveFields]) -> Outcome:
    if f.how == "crash":
        raise ZeroDivisionError("division by zero inside the check")
    if f.how == "hang":
        time.sleep(3600)
    if f.how.startswith("flaky:"):
        counter = ctx.repo.root / f.how.split(":", 1)[1]
        n = int(counter.read_text()) if counter.exists() else 0
        counter.write_text(str(n + 1))
        return Outcome("pass" if n >= 2 else "fail", f"attempt {n + 1}")
    return Outcome("maybe", "not a status")  # type: ignore[arg-type]


KIND = KindSpec(name="misbehave", summary="test only", fields=MisbehaveFields, run=run,
                default_timeout=5.0)

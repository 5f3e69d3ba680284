"""Helpers the PostgreSQL kinds share: object-name globs and finding text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from certify.kinds.base import CheckContext, Finding, Outcome, head
from certify.targets.postgres import PostgresTarget

# No `%` in it: the queries that embed it also take psycopg parameters.
SYSTEM_SCHEMAS_SQL = "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'"


def qualify(pattern: str) -> str:
    """`tenants` means `public.tenants`; globs and qualified names stay as given."""
    head = pattern.split("(", 1)[0]
    return pattern if "." in head else f"public.{pattern}"


def glob_to_posix(pattern: str) -> str:
    """A glob over `schema.name` as an anchored POSIX regex, for `~` in SQL."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "^" + "".join(out) + "$"


@lru_cache(maxsize=512)
def _glob_rx(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_to_posix(pattern))


def glob_match(name: str, patterns: Sequence[str]) -> bool:
    return any(_glob_rx(p).match(name) for p in patterns)


def target(ctx: CheckContext[Any]) -> PostgresTarget:
    t: PostgresTarget = ctx.target
    return t


def finish(out: Outcome, ok_reason: str, inventory: Sequence[str] = (),
           attachment: str = "objects.txt", limit: int = 3) -> Outcome:
    """Set status, reason and output from the findings: fail naming the first few, else pass
    showing the inventory of what was checked. A long inventory is attached in full."""
    if out.findings:
        out.status = "fail"
        first = "; ".join(f"{f.where}: {f.what}" for f in out.findings[:limit])
        more = f" (and {len(out.findings) - limit} more)" if len(out.findings) > limit else ""
        out.reason = first + more
        out.output = head([f"{f.where}: {f.what}" + (f"  -- fix: {f.fix}" if f.fix else "")
                           for f in out.findings], 40)
    else:
        out.status, out.reason = "pass", ok_reason
        out.output = head(list(inventory), 40)
    if len(inventory) > 40:
        out.attachments[attachment] = "\n".join(inventory)
    return out


def unmatched(patterns: Sequence[str], names: Sequence[str], what: str) -> list[Finding]:
    """A finding for every pattern that matched no object (a typo must not pass silently)."""
    return [Finding(p, f"no {what} matches") for p in patterns if not glob_match_any(p, names)]


def glob_match_any(pattern: str, names: Sequence[str]) -> bool:
    rx = _glob_rx(pattern)
    return any(rx.match(n) for n in names)

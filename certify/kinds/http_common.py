"""Helpers the HTTP kinds share: the target, JSON subset matching, response excerpts."""

from __future__ import annotations

import json
from typing import Any

from certify.kinds.base import CheckContext
from certify.targets.http import HttpTarget, Response

EXCERPT_LINES = 15


def target(ctx: CheckContext[Any]) -> HttpTarget:
    t: HttpTarget = ctx.target
    return t


def excerpt(r: Response) -> str:
    """Status line, a few headers, and the first lines of the body."""
    lines = [f"HTTP {r.status} ({r.ms:.0f} ms, {len(r.body)} bytes{', truncated' if r.truncated else ''})"]
    for k in ("content-type", "www-authenticate", "location"):
        for name, value in r.headers.items():
            if name.lower() == k:
                lines.append(f"{name}: {value}")
    body = r.text().splitlines()
    lines += body[:EXCERPT_LINES]
    if len(body) > EXCERPT_LINES:
        lines.append(f"... {len(body) - EXCERPT_LINES} more lines")
    return "\n".join(line[:300] for line in lines)


def subset_diff(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` departs from `expected` (a subset: extra keys/items are fine)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {json.dumps(actual)[:80]}"]
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing (expected {json.dumps(v)[:80]})")
            else:
                out += subset_diff(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {json.dumps(actual)[:80]}"]
        out = []
        for i, v in enumerate(expected):  # each expected item must match some actual item
            if not any(not subset_diff(v, a) for a in actual):
                out.append(f"{path}[{i}]: no item matches {json.dumps(v)[:80]}")
        return out
    if expected != actual and not (isinstance(expected, int | float) and isinstance(actual, int | float)
                                   and not isinstance(expected, bool) and expected == actual):
        return [f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)[:80]}"]
    return []

"""Helpers the HTTP kinds share: the target, JSON subset matching, response excerpts."""

from __future__ import annotations

from typing import Any

from certify.kinds.base import CheckContext
from certify.targets.http import HttpTarget, Response

EXCERPT_LINES = 15


def target(ctx: CheckContext[Any]) -> HttpTarget:
    t: HttpTarget = ctx.target
    return t


def require_path(path: str) -> None:
    """A field check: an empty path (an unset variable) would ask for the base URL instead."""
    if not path.strip():
        raise ValueError("path: expected a path under base_url or a URL, got an empty one "
                         "(an unset variable?)")


def excerpt(r: Response) -> str:
    """Status line, a few headers, and the first lines of the body."""
    lines = [f"HTTP {r.status} ({r.ms:.0f} ms, {len(r.body)} bytes{', truncated' if r.truncated else ''})"]
    lines += retried(r)
    for k in ("content-type", "www-authenticate", "location"):
        for name, value in r.headers.items():
            if name.lower() == k:
                lines.append(f"{name}: {value}")
    body = r.text().splitlines()
    lines += body[:EXCERPT_LINES]
    if len(body) > EXCERPT_LINES:
        lines.append(f"... {len(body) - EXCERPT_LINES} more lines")
    return "\n".join(line[:300] for line in lines)


def retried(r: Response) -> list[str]:
    """The evidence line saying the answer came to a request sent a second time, if it did."""
    return [f"(sent a second time: the first attempt failed with {r.retried})"] if r.retried else []


CONTAINS = "$contains"  # {$contains: [...]}: a list holding items like these, in any order


def _show(value: Any, limit: int = 80) -> str:
    import json  # loaded when a response is read, not when a spec is validated

    return json.dumps(value, default=str)[:limit]


def _same(expected: Any, actual: Any) -> bool:
    """Equal and of the same JSON type: true is not 1, "1" is not 1; 1 and 1.0 are one number."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and expected == actual
    if expected is None or isinstance(expected, str):
        return type(expected) is type(actual) and expected == actual
    return False  # a YAML date or other non-JSON value equals no JSON value


def subset_diff(expected: Any, actual: Any, path: str = "$") -> list[tuple[str, str]]:
    """Where `actual` departs from `expected`, as (JSON path, what). An object matches an object
    with at least the expected keys (extra keys are fine), each value matching in turn; a list
    matches a list of the same length, item by item in order (objects inside are subsets too);
    `{$contains: [...]}` matches a list in which each given item matches some element; any other
    value must be equal and of the same JSON type (false is not 0; 1 and 1.0 are equal)."""
    if isinstance(expected, dict) and set(expected) == {CONTAINS}:
        if not isinstance(actual, list):
            return [(path, f"expected a list, got {_show(actual)}")]
        wanted = expected[CONTAINS] if isinstance(expected[CONTAINS], list) else [expected[CONTAINS]]
        return [(path, f"no item matches {_show(v)}") for v in wanted
                if not any(not subset_diff(v, a) for a in actual)]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [(path, f"expected an object, got {_show(actual)}")]
        out: list[tuple[str, str]] = []
        for k, v in expected.items():
            if k not in actual:
                out.append((f"{path}.{k}", f"missing (expected {_show(v)})"))
            else:
                out += subset_diff(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [(path, f"expected a list, got {_show(actual)}")]
        if len(expected) != len(actual):
            items = "item" if len(expected) == 1 else "items"
            return [(path, f"expected {len(expected)} {items}, got {len(actual)}")]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += subset_diff(e, a, f"{path}[{i}]")
        return out
    if not _same(expected, actual):
        return [(path, f"expected {_show(expected, 200)}, got {_show(actual)}")]
    return []


def parse_json(body: bytes) -> tuple[Any, list[str]]:
    """The JSON value, and the keys some object in it repeats (which value a client takes is
    not defined: a check on them proves nothing). Raises ValueError when it is not JSON."""
    import json

    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for k, v in items:
            if k in obj and k not in repeated:
                repeated.append(k)
            obj[k] = v
        return obj

    return json.loads(body, object_pairs_hook=pairs), repeated

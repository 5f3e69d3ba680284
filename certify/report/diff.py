"""`certify diff PACK_A PACK_B`: which verdicts changed between two packs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certify.report.verify import NotAPack


@dataclass(frozen=True)
class Change:
    id: str
    claim: str
    before: str  # verdict in A, or "-" when absent
    after: str


def load_results(pack: Path) -> dict[str, Any]:
    path = pack / "results.json" if pack.is_dir() else pack
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotAPack(f"{pack}: no results.json") from None
    except json.JSONDecodeError as exc:
        raise NotAPack(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or "hypotheses" not in data:
        raise NotAPack(f"{path}: not a certify results.json (no hypotheses)")
    return data


def diff(a: Path, b: Path) -> list[Change]:
    before = {h["id"]: h for h in load_results(a)["hypotheses"]}
    after = {h["id"]: h for h in load_results(b)["hypotheses"]}
    changes = []
    for hid in list(before) + [h for h in after if h not in before]:
        va = before.get(hid, {}).get("verdict", "-")
        vb = after.get(hid, {}).get("verdict", "-")
        if va != vb:
            claim = (after.get(hid) or before.get(hid) or {}).get("claim", "")
            changes.append(Change(hid, claim, va, vb))
    return changes

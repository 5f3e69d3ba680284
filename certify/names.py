"""Names derived from text, shared by the spec (which refuses ids that would collide) and the
report (which names attachment files and anchors after them)."""

from __future__ import annotations

import re


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:limit].rstrip("-") or "phase"

"""Names shared across rooms: slugs derived from text (the spec refuses ids that would collide;
the report names attachment files and anchors after them), and the files certify writes into a
repository (the report writes them; the repository target tells them from the project's own
changes)."""

from __future__ import annotations

import re


def slug(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:limit].rstrip("-") or "phase"


MANIFEST = "MANIFEST.sha256"  # a pack's manifest
SIGNATURE = "SIGNATURE.dsse.json"  # a signed pack's envelope (not in the manifest, which it signs)
LEDGER = "INDEX.md"  # the ledger of packs, in the reports folder
LEDGER_LOCK = ".INDEX.lock"  # the ledger's lock file
LEDGER_TITLE = "# Evidence ledger"  # the ledger's first line

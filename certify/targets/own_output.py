"""What certify itself writes into a repository (evidence packs, the ledger and its lock), told
apart from the project's own changes: a second run must not find the tree dirty because of the
first run's pack."""

from __future__ import annotations

import os
from pathlib import Path

from certify.names import LEDGER, LEDGER_LOCK, LEDGER_TITLE, MANIFEST, SIGNATURE

_MAX_FILES = 100_000


def is_certify_output(top: Path, status_line: str) -> bool:
    """An untracked path (`?? reports/`) holding nothing but what certify writes: ledgers, their
    locks, and the files of packs their manifests list (and a pack's signature)."""
    if not status_line.startswith("?? ") or status_line[3:].startswith('"'):
        return False  # tracked changes, and names git had to quote, always count
    path = top / status_line[3:].rstrip("/")
    if path.is_symlink():
        return False
    if path.is_file():
        return _written_by_certify(path, top)
    seen = 0
    for folder, dirs, files in os.walk(path):
        for name in files:
            seen += 1
            if seen > _MAX_FILES or not _written_by_certify(Path(folder, name), top):
                return False
        if any(Path(folder, d).is_symlink() for d in dirs):
            return False
    return seen > 0


def _written_by_certify(file: Path, top: Path) -> bool:
    if file.is_symlink() or not file.is_file():
        return False
    if file.name == LEDGER_LOCK:
        return True
    if file.name == LEDGER:
        try:
            with file.open(encoding="utf-8") as fh:
                return fh.readline().strip() == LEDGER_TITLE
        except (OSError, UnicodeDecodeError):
            return False
    for pack in file.parents:  # the nearest folder with a manifest, inside the repository
        if pack == top or top not in pack.parents:
            return False
        manifest = pack / MANIFEST
        if manifest.is_file() and not manifest.is_symlink():
            rel = file.relative_to(pack).as_posix()
            if rel in (MANIFEST, SIGNATURE):
                return True
            try:
                text = manifest.read_text(encoding="utf-8")
                listed = {line.partition("  ")[2] for line in text.splitlines()}
            except (OSError, UnicodeDecodeError):
                return False
            return rel in listed
    return False

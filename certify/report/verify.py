"""`certify verify PACK`: re-hash a pack against its manifest.

Only files inside the pack are read: a manifest line naming a path outside it (absolute, with
`..`, or through a symlink that leaves the pack) makes the manifest invalid, never a file to hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from certify.names import LEDGER, MANIFEST, SIGNATURE
from certify.report.pack import (
    FIRST_ROW,
    RESTORED,
    ledger_rows,
    manifest_digest,
    row_cells,
    row_digest,
)


class NotAPack(Exception):
    pass


@dataclass
class Verification:
    ok: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.added)


def inside(pack: Path, rel: str) -> bool:
    """`rel` names a path in the pack, relative, and stays inside once symlinks are followed."""
    posix = rel.replace("\\", "/")
    if not rel or posix.startswith("/") or ".." in posix.split("/"):
        return False
    root = pack.resolve()
    return (root / rel).resolve().is_relative_to(root)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise NotAPack(f"{path}: cannot be read ({exc.strerror or exc})") from None


def verify(pack: Path) -> Verification:
    manifest = pack / MANIFEST
    if not manifest.is_file():
        raise NotAPack(f"{pack}: not an evidence pack (no {MANIFEST})")
    if not inside(pack, MANIFEST):
        raise NotAPack(f"{manifest}: a symlink out of the pack; the manifest must be the pack's own file")
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotAPack(f"{manifest}: cannot be read as UTF-8 text ({exc})") from None
    expected: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise NotAPack(f"{manifest}:{number}: expected '<sha256>  <path>'")
        if not inside(pack, rel):
            raise NotAPack(f"{manifest}:{number}: {rel!r} is outside the pack; a manifest names only "
                           "files inside its own folder")
        expected[rel] = digest
    result = Verification()
    for rel, digest in sorted(expected.items()):
        path = pack / rel
        if not path.is_file():
            result.missing.append(rel)
        elif _sha256(path) != digest:
            result.changed.append(rel)
        else:
            result.ok.append(rel)
    present = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file() or p.is_symlink()}
    result.added = sorted(present - set(expected) - {MANIFEST, SIGNATURE})
    return result


@dataclass
class LedgerCheck:
    """A pack checked against its ledger row and the ledger's hash chain (certify/report/pack.py)."""

    ledger: Path | None  # None: no ledger was found beside the pack, nor given
    row: int | None = None  # the line of the pack's row
    rows: int = 0  # chained rows checked
    problems: list[str] = field(default_factory=list)
    restored: bool = False  # the pack's row was added after the fact: it vouches for nothing

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def vouched(self) -> bool:
        """The ledger vouches for the pack: its row was written by the run that made it."""
        return self.ledger is not None and self.ok and not self.restored


def default_ledger(pack: Path) -> Path | None:
    """<reports>/INDEX.md of a pack at <reports>/<phase>/<pack>, when it exists."""
    candidate = pack.resolve().parent.parent / LEDGER
    return candidate if candidate.is_file() else None


def check_ledger(pack: Path, ledger: Path | None) -> LedgerCheck:
    """The pack's manifest digest against its ledger row, and every row's link to the previous one."""
    out = LedgerCheck(ledger)
    if ledger is None:
        return out
    try:
        text = ledger.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(f"{ledger}: cannot be read ({exc})")
        return out
    prev: str | None = None
    mine: list[tuple[int, list[str]]] = []
    for number, line in ledger_rows(text):
        cells = row_cells(line)
        if len(cells) == 12:  # a chained row (rows of older ledgers have 10 cells and no digests)
            out.rows += 1
            want = row_digest(prev) if prev is not None else FIRST_ROW
            if cells[10] != want:
                out.problems.append(f"{ledger}:{number}: the chain is broken: this row records the previous "
                                    f"row as {cells[10][:12]}, the row before it is {want[:12]} (a row was "
                                    "edited, inserted or deleted)")
            if f"/{pack.name}/EVIDENCE.md)" in cells[11] or f"({pack.name}/EVIDENCE.md)" in cells[11]:
                mine.append((number, cells))
        prev = line
    if not mine:
        out.problems.append(f"{ledger}: no chained row for the pack {pack.name}")
        return out
    out.row, cells = mine[-1]
    out.restored = cells[11].endswith(RESTORED)
    try:
        digest = manifest_digest(pack)
    except OSError as exc:
        out.problems.append(f"{pack / MANIFEST}: cannot be read ({exc.strerror or exc})")
        return out
    if cells[9] != digest:
        out.problems.append(f"{MANIFEST} does not match its ledger row ({ledger}:{out.row} records "
                            f"{cells[9][:12]}, the pack's is {digest[:12]}): the pack was changed and "
                            "its manifest regenerated")
    return out

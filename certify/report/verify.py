"""`certify verify PACK`: re-hash a pack against its manifest.

Only files inside the pack are read: a manifest line naming a path outside it (absolute, with
`..`, or through a symlink that leaves the pack) makes the manifest invalid, never a file to hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from certify.report.pack import MANIFEST


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
    result.added = sorted(present - set(expected) - {MANIFEST})
    return result

"""`certify verify PACK`: re-hash a pack against its manifest."""

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


def verify(pack: Path) -> Verification:
    manifest = pack / MANIFEST
    if not manifest.is_file():
        raise NotAPack(f"{pack}: not an evidence pack (no {MANIFEST})")
    expected: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64:
            raise NotAPack(f"{manifest}:{number}: expected '<sha256>  <path>'")
        expected[rel] = digest
    result = Verification()
    for rel, digest in sorted(expected.items()):
        path = pack / rel
        if not path.is_file():
            result.missing.append(rel)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            result.changed.append(rel)
        else:
            result.ok.append(rel)
    present = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file() or p.is_symlink()}
    result.added = sorted(present - set(expected) - {MANIFEST})
    return result

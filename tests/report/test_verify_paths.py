"""`certify verify` reads only files inside the pack: a manifest line naming a path outside it
(absolute, with `..`, or through a symlink that leaves the pack) is an error, not a file to hash."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import certify, spec_text, write


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    return res.pack


def _add_to_manifest(pack: Path, rel: str, data: bytes) -> None:
    manifest = pack / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text() + f"{hashlib.sha256(data).hexdigest()}  {rel}\n")


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink-file", "symlink-dir"])
def test_a_manifest_path_outside_the_pack_is_an_error(pack: Path, tmp_path: Path, how: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the pack\n")
    data = outside.read_bytes()
    if how == "absolute":
        rel = str(outside)
    elif how == "dotdot":
        rel = os.path.relpath(outside, pack)
        assert rel.startswith("../")
    elif how == "symlink-file":
        (pack / "link.txt").symlink_to(outside)
        rel = "link.txt"
    else:
        (pack / "linked").symlink_to(tmp_path)
        rel = "linked/outside.txt"
    _add_to_manifest(pack, rel, data)
    res = certify("verify", str(pack), cwd=tmp_path)
    assert res.exit_code == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "MANIFEST.sha256:4:" in lines[0] and "outside the pack" in lines[0], lines
    assert "intact" not in res.stdout


def test_merge_refuses_a_shard_whose_manifest_leaves_the_pack(pack: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x\n")
    _add_to_manifest(pack, "../../../outside.txt", outside.read_bytes())
    res = certify("merge", str(pack), "-o", "merged", cwd=tmp_path)
    assert res.exit_code == 2 and "outside the pack" in res.stderr, res.stderr


def test_a_manifest_that_is_a_symlink_out_or_not_text_is_an_error(pack: Path, tmp_path: Path) -> None:
    manifest = pack / "MANIFEST.sha256"
    (tmp_path / "forged.sha256").write_text(manifest.read_text())
    manifest.unlink()
    manifest.symlink_to(tmp_path / "forged.sha256")
    res = certify("verify", str(pack), cwd=tmp_path)
    assert res.exit_code == 2 and "symlink out of the pack" in res.stderr, res.stdout + res.stderr
    manifest.unlink()
    manifest.write_bytes(b"\xff\xfe not utf-8\n")
    res = certify("verify", str(pack), cwd=tmp_path)
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_merge_reads_no_attachment_outside_a_shard_pack(tmp_path: Path) -> None:
    """A shard's results.json naming an attachment outside its pack (its manifest re-made to
    match) is refused: the merged pack never carries a file from elsewhere on the machine."""
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    shard = certify("run", "-q", "--shard", "1/1", "-o", "shards", cwd=tmp_path)
    assert shard.exit_code == 0, shard.stderr
    pack = shard.packs[0] if shard.packs else next((tmp_path / "shards").glob("*/*"))
    (tmp_path / "secret.txt").write_text("machine file\n")
    results = pack / "results.json"
    data = results.read_text().replace('"attachments": []', '"attachments": ["../../../secret.txt"]', 1)
    results.write_text(data)
    lines = [line for line in (pack / "MANIFEST.sha256").read_text().splitlines()
             if not line.endswith("  results.json")]
    lines.append(f"{hashlib.sha256(data.encode()).hexdigest()}  results.json")
    (pack / "MANIFEST.sha256").write_text("\n".join(lines) + "\n")
    # the ledger catches the regenerated manifest; merge refuses the path on its own too
    assert certify("verify", str(pack), cwd=tmp_path).exit_code == 1
    res = certify("merge", str(pack), "-o", "merged", cwd=tmp_path)
    assert res.exit_code == 2 and "outside the pack" in res.stderr, res.stdout + res.stderr
    assert not (tmp_path / "merged").exists()

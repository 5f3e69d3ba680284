"""The ledger is a hash chain: each row records its pack's manifest digest and the previous row's
digest, and `certify verify` checks the pack against its row and the whole chain, so editing a
pack and regenerating its manifest, or editing or deleting a ledger row, is detected."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from certify.report.pack import manifest
from tests.conftest import CliResult, certify, spec_text, write


def _files(pack: Path) -> dict[str, bytes]:
    return {p.relative_to(pack).as_posix(): p.read_bytes() for p in pack.rglob("*")
            if p.is_file() and p.name != "MANIFEST.sha256"}


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: false claim
          check: {kind: command, run: "exit 1"}
    """))
    packs = []
    for _ in range(2):
        res: CliResult = certify("run", "-q", cwd=tmp_path)
        assert res.exit_code == 1, res.stderr
        packs.append(res.pack)
    return packs[0], packs[1]


def _rows(tmp_path: Path) -> list[str]:
    return [line for line in (tmp_path / "reports" / "INDEX.md").read_text().splitlines()
            if line.startswith("| 20")]


def test_each_row_records_the_manifest_digest_and_the_previous_row(two: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    assert len(rows) == 2
    for row, pack in zip(rows, two, strict=True):
        assert hashlib.sha256((pack / "MANIFEST.sha256").read_bytes()).hexdigest() in row
    assert f"| {hashlib.sha256(rows[0].encode()).hexdigest()} | [" in rows[1]
    assert all(row.endswith("/EVIDENCE.md) |") for row in rows)
    for pack in two:
        res = certify("verify", str(pack), cwd=tmp_path)
        assert res.exit_code == 0, res.stdout + res.stderr
        assert "ledger row" in res.stdout and "chain" in res.stdout


def test_verify_detects_a_regenerated_manifest(two: tuple[Path, Path], tmp_path: Path) -> None:
    pack = two[0]
    data = json.loads((pack / "results.json").read_text())
    data["hypotheses"][0]["verdict"] = "TRUE"
    (pack / "results.json").write_text(json.dumps(data))
    (pack / "MANIFEST.sha256").write_bytes(manifest(_files(pack)))
    res = certify("verify", str(pack), cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    assert "NOT intact" in res.stdout and "does not match its ledger row" in res.stdout


def test_verify_detects_a_broken_chain(two: tuple[Path, Path], tmp_path: Path) -> None:
    ledger = tmp_path / "reports" / "INDEX.md"
    first = _rows(tmp_path)[0]
    ledger.write_text(ledger.read_text().replace(first, first.replace("| 1 | 0 |", "| 1 | 1 |", 1)))
    res = certify("verify", str(two[1]), cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    assert "chain is broken" in res.stdout and "INDEX.md:" in res.stdout


def test_verify_detects_a_deleted_row(two: tuple[Path, Path], tmp_path: Path) -> None:
    ledger = tmp_path / "reports" / "INDEX.md"
    first = _rows(tmp_path)[0]
    ledger.write_text(ledger.read_text().replace(first + "\n", ""))
    res = certify("verify", str(two[1]), cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    assert "chain is broken" in res.stdout


def test_verify_with_a_ledger_elsewhere(two: tuple[Path, Path], tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / two[0].name
    moved.parent.mkdir()
    two[0].rename(moved)
    alone = certify("verify", str(moved), cwd=tmp_path)
    assert alone.exit_code == 3 and "no ledger" in alone.stdout, alone.stdout
    res = certify("verify", str(moved), "--ledger", str(tmp_path / "reports" / "INDEX.md"), cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "matches its ledger row" in res.stdout


def test_a_deleted_last_row_restored_by_verify_does_not_vouch(two: tuple[Path, Path], tmp_path: Path) -> None:
    """Deleting the pack's own (last) row keeps the chain whole; verify restores the row, but a
    restored row was written from the pack as it is now, so it vouches for nothing."""
    pack = two[1]
    data = json.loads((pack / "results.json").read_text())
    data["hypotheses"][0]["verdict"] = "TRUE"
    (pack / "results.json").write_text(json.dumps(data))
    (pack / "MANIFEST.sha256").write_bytes(manifest(_files(pack)))
    ledger = tmp_path / "reports" / "INDEX.md"
    last = _rows(tmp_path)[-1]
    ledger.write_text(ledger.read_text().replace(last + "\n", ""))
    res = certify("verify", str(pack), cwd=tmp_path)
    assert res.exit_code == 3, res.stdout + res.stderr
    assert "restored" in res.stdout and "does not vouch" in res.stdout
    assert "(restored)" in _rows(tmp_path)[-1]


def test_no_ledger_is_not_proof(two: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "reports" / "INDEX.md").unlink()
    (tmp_path / "reports" / ".INDEX.lock").unlink()
    res = certify("verify", str(two[0]), cwd=tmp_path)
    assert res.exit_code == 3 and "no ledger" in res.stdout, res.stdout

"""The ledger write fails after the pack is in place (a full disk, a file-size limit): the run
says exactly that, exits 2 and keeps the pack; `certify verify PACK` or the next run adds the
missing row from the pack's own results.json."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import certify, spec_text, write

LIMIT = 256 * 1024  # bytes any file of the run may grow to: the pack fits, the big ledger does not


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead


def _run_with_full_ledger(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=60, preexec_fn=_limited)


def _rows(tmp_path: Path) -> list[str]:
    ledger = (tmp_path / "reports" / "INDEX.md").read_text()
    return [line for line in ledger.splitlines() if line.startswith("| 20")]


def _setup(tmp_path: Path) -> str:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    first = certify("run", "-q", cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    ledger = tmp_path / "reports" / "INDEX.md"
    text = ledger.read_text()
    padding = "<!-- an old, long ledger -->\n" * (LIMIT // 29 + 100)
    ledger.write_text(text + padding)
    assert ledger.stat().st_size > LIMIT
    return text + padding


def test_a_failed_ledger_write_keeps_the_pack_says_so_and_verify_adds_the_row(tmp_path: Path) -> None:
    before = _setup(tmp_path)
    res = _run_with_full_ledger(tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    packs = sorted((tmp_path / "reports" / "test-phase").iterdir())
    assert len(packs) == 2
    pack = f"reports/test-phase/{packs[1].name}"
    assert f"Evidence pack: {pack}" in res.stdout  # the verdicts and the pack are still shown
    assert res.stderr.strip().splitlines() == [
        f"certify: the evidence pack {pack} was written; its ledger row could not be added to "
        f"reports/INDEX.md: File too large; `certify verify {pack}` adds it"]
    assert (tmp_path / "reports" / "INDEX.md").read_text() == before  # nothing half written
    assert not any(pack.removeprefix("reports/") in row for row in _rows(tmp_path))

    fixed = certify("verify", pack, cwd=tmp_path)
    assert fixed.exit_code == 3, fixed.stdout + fixed.stderr  # a restored row vouches for nothing
    assert "intact" in fixed.stdout and "ledger row was added" in fixed.stdout
    rows = _rows(tmp_path)
    assert len(rows) == 2 and f"[{pack.removeprefix('reports/')}](" in rows[1] and "| PASSED" in rows[1]
    again = certify("verify", pack, cwd=tmp_path)
    assert again.exit_code == 3 and "ledger row was added" not in again.stdout and len(_rows(tmp_path)) == 2


def test_the_next_run_adds_the_row_a_failed_ledger_write_left_out(tmp_path: Path) -> None:
    _setup(tmp_path)
    assert _run_with_full_ledger(tmp_path).returncode == 2
    missed = sorted((tmp_path / "reports" / "test-phase").iterdir())[1].name
    nxt = certify("run", "-q", cwd=tmp_path)
    assert nxt.exit_code == 0, nxt.stderr
    rows = _rows(tmp_path)
    assert len(rows) == 3
    assert f"test-phase/{missed}/EVIDENCE.md" in rows[1]
    assert f"{nxt.pack.relative_to(tmp_path / 'reports').as_posix()}/EVIDENCE.md" in rows[2]


def test_a_tampered_pack_gets_no_row(tmp_path: Path) -> None:
    _setup(tmp_path)
    assert _run_with_full_ledger(tmp_path).returncode == 2
    missed = sorted((tmp_path / "reports" / "test-phase").iterdir())[1]
    (missed / "EVIDENCE.md").write_text("forged\n")
    assert certify("run", "-q", cwd=tmp_path).exit_code == 0
    assert not any(f"/{missed.name}/EVIDENCE.md" in row for row in _rows(tmp_path))
    assert certify("verify", str(missed), cwd=tmp_path).exit_code == 1

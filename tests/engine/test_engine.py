"""Fail closed: crashes, hangs and odd results become ERROR, never TRUE; retries; -j."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from certify.kinds import registry
from tests.conftest import certify, spec_text, write


@pytest.fixture(autouse=True)
def misbehave_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.KINDS, "misbehave", "tests.engine.crashing_kind")
    registry.get.cache_clear()
    yield
    registry.get.cache_clear()


def test_crash_hang_and_bad_status_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: CRASH
          claim: c
          check: {kind: misbehave, how: crash}
        - id: HANG
          claim: c
          check: {kind: misbehave, how: hang, timeout: 0.5}
        - id: ODD
          claim: c
          check: {kind: misbehave, how: bad-status}
        - id: MIXED
          claim: a crash next to a pass is still not proven
          checks:
            - {kind: command, run: "true"}
            - {kind: misbehave, how: crash}
    """))
    start = time.monotonic()
    res = certify("run", "-q", cwd=tmp_path)
    assert time.monotonic() - start < 6
    assert res.verdicts == {"CRASH": "UNKNOWN", "HANG": "UNKNOWN", "ODD": "UNKNOWN", "MIXED": "UNKNOWN"}
    reasons = {h["id"]: h["checks"][-1]["reason"] for h in res.results["hypotheses"]}
    assert reasons["CRASH"] == "check crashed: ZeroDivisionError: division by zero inside the check"
    assert reasons["HANG"] == "timed out after 0.5s"
    assert "unknown status" in reasons["ODD"]
    assert res.exit_code == 3


def test_retry_until_pass(tmp_path: Path) -> None:
    (tmp_path / "n").unlink(missing_ok=True)
    write(tmp_path / "checks.yaml", spec_text("""
        - id: LATE
          claim: the fact arrives on the third look
          check: {kind: misbehave, how: "flaky:n", retry: {attempts: 3, interval: 0.01}}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"LATE": "TRUE"}
    assert res.results["hypotheses"][0]["checks"][0]["attempts"] == 3
    (tmp_path / "n").unlink()
    write(tmp_path / "checks.yaml", spec_text("""
        - id: LATE
          claim: two looks are not enough
          check: {kind: misbehave, how: "flaky:n", retry: {attempts: 2, interval: 0.01}}
    """))
    assert certify("run", "-q", cwd=tmp_path).verdicts == {"LATE": "FALSE"}


def test_checks_run_concurrently(tmp_path: Path) -> None:
    hyps = "\n".join(f"- id: S{i}\n  claim: c\n  check: {{kind: command, run: 'sleep 0.5'}}"
                     for i in range(8))
    write(tmp_path / "checks.yaml", spec_text(hyps))
    start = time.monotonic()
    assert certify("run", "-q", "-j", "8", cwd=tmp_path).exit_code == 0
    # 8 x 0.5 s in sequence would be 4 s; commands run at most one per CPU (2 here: 2 s)
    assert time.monotonic() - start < 3.2

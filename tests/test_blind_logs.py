"""Blind acceptance for log proofs: tests/blind_logs/checks.yaml and its exports were written
from SPEC.md and Cloud Logging's documentation only, by someone who had not seen the
implementation; each expected verdict (expected.json) is what a careful reader gives, with the
reasons in the spec's comments. The diagnose half of expected.json is checked in
tests/logs/test_diagnose.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import certify

BLIND = Path(__file__).resolve().parent / "blind_logs"


def test_blind_log_proofs_get_a_careful_readers_verdicts(tmp_path: Path) -> None:
    work = tmp_path / "blind"
    shutil.copytree(BLIND, work)
    res = certify("run", "-q", cwd=work)
    expected = json.loads((BLIND / "expected.json").read_text())["verdicts"]
    assert res.verdicts == expected
    assert res.exit_code == 1
    truncated = next(h for h in res.results["hypotheses"] if h["verdict"] == "UNKNOWN")
    assert "truncated" in truncated["reason"] and "\n" not in truncated["reason"]

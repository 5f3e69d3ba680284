"""What a newcomer tripped on at the command line: `certify explain` with no kind, plurals,
`certify logs --limit`, the pack's EVIDENCE.md printed, and `diagnose invoker-403` over an
export from last week."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, certify, spec_text, write

EXPORT = ROOT / "fixtures" / "logs" / "prod-requests.json"
REJECTIONS = ROOT / "fixtures" / "logs" / "scheduler.log"  # invoker_auth_rejected lines, 2026-11-20..22


def test_explain_without_a_kind_lists_the_kinds(tmp_path: Path) -> None:
    res = certify("explain", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "grep" in res.stdout and "rls_isolation" in res.stdout and "certify explain KIND" in res.stdout


def test_validate_says_one_hypothesis_one_check(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: x
          check: {kind: command, run: "true"}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 0 and "1 hypothesis, 1 check, 1 target" in res.stdout, res.stdout


def test_logs_limit_says_which_matches_it_shows(tmp_path: Path) -> None:
    res = certify("logs", "httpRequest.status>=200", "--file", str(EXPORT), "--limit", "2", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    head = res.stdout.splitlines()[0]
    total = int(head.split(" of ")[0])
    assert total > 2
    assert f"the last 2 of {total}" in res.stdout
    assert len([line for line in res.stdout.splitlines() if line.startswith("  ")]) == 2


def test_run_prints_the_evidence_file(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: x
          check: {kind: command, run: "true"}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 0
    lines = [line for line in res.stdout.splitlines() if line.startswith("Evidence: ")]
    assert len(lines) == 1 and lines[0].endswith("/EVIDENCE.md"), res.stdout
    assert (tmp_path / lines[0].removeprefix("Evidence: ")).is_file()


def test_diagnose_over_an_export_reads_all_of_it_by_default(tmp_path: Path) -> None:
    res = certify("diagnose", "invoker-403", "--file", str(REJECTIONS), cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "no invoker rejection" not in res.stdout
    assert "13 rejection(s) logged" in res.stdout


def test_diagnose_with_an_empty_window_says_where_the_entries_are(tmp_path: Path) -> None:
    res = certify("diagnose", "invoker-403", "--file", str(REJECTIONS), "--since", "24h", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "no invoker rejection in the window" in res.stdout
    assert "older" in res.stdout and "--since 2026-11-" in res.stdout


def test_the_demo_advice_works_as_printed() -> None:
    res = certify("diagnose", "invoker-403", cwd=ROOT)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "no invoker rejection" not in res.stdout and "prod-requests.json" in res.stdout
    assert "2026-11-22T13:47:22" in res.stdout  # the caller H-L3's question asks about

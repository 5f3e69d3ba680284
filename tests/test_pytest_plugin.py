"""`pytest --certify SPEC`: one item per hypothesis with the gate's rules, run in a real pytest
process (the plugin is registered through the pytest11 entry point)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import spec_text, write


def test_hypotheses_become_pytest_items(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app" / "a.py", "x = 1  # TODO\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: P-1
          claim: a.py exists
          check: {kind: file, path: app/a.py}
        - id: P-2
          claim: no TODO
          check: {kind: grep, pattern: TODO}
        - id: P-3
          claim: the scanner is clean
          check: {kind: command, run: no-such-scanner --x}
        - id: P-4
          claim: informational
          gate: false
          check: {kind: grep, pattern: TODO}
        - id: P-5
          claim: accepted risk
          waiver: {reason: later, expires: 2099-01-01, by: me}
          check: {kind: grep, pattern: TODO}
    """, header="targets: {repo: {path: repo}}\n"))

    def pytest(*extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        argv = [sys.executable, "-m", "pytest", "--certify", "checks.yaml", "-p", "no:cacheprovider",
                "--junitxml", "junit.xml", *extra]
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        outcomes = {}
        for case in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase"):
            kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            outcomes[case.get("name", "")] = kinds[0] if kinds else "passed"
        return proc, outcomes

    proc, outcomes = pytest()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert outcomes == {"P-1": "passed", "P-2": "failure", "P-3": "failure",
                        "P-4": "skipped", "P-5": "skipped"}
    assert "app/a.py:1: x = 1  # TODO" in proc.stdout  # the evidence is in the failure report
    assert list((tmp_path / "reports").glob("*/*/EVIDENCE.md"))  # and the pack is written
    _, outcomes = pytest("--certify-allow-unknown")
    assert outcomes["P-3"] == "skipped"


def test_no_evidence_pack_no_passing_item(tmp_path: Path) -> None:
    """The same delivery as `certify run`: when the pack cannot be written, no item passes, and the
    report says why in one line instead of a traceback."""
    write(tmp_path / "checks.yaml", spec_text("""
        - id: P-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    (tmp_path / "reports").write_text("a file where the packs should go\n")
    argv = [sys.executable, "-m", "pytest", "--certify", "checks.yaml", "-p", "no:cacheprovider"]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "P-1 TRUE, but cannot write the evidence pack under reports" in proc.stdout
    assert "Traceback" not in proc.stdout and "1 failed" in proc.stdout


def _repo_with_tests(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: P-1
          claim: true holds
          check: {kind: command, run: "true"}
    """))
    write(tmp_path / "tests" / "test_other.py", """
        from pathlib import Path

        def test_other():
            Path("other-suite-ran").write_text("yes")
    """)


def _items(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    argv = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "--junitxml", "junit.xml"]
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    names = [c.get("name", "") for c in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")]
    return proc, names


def test_with_certify_only_the_certify_items_run(tmp_path: Path) -> None:
    _repo_with_tests(tmp_path)
    proc, names = _items(tmp_path, "--certify", "checks.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert names == ["P-1"] and not (tmp_path / "other-suite-ran").exists()


def test_the_spec_can_be_given_positionally(tmp_path: Path) -> None:
    _repo_with_tests(tmp_path)
    proc, names = _items(tmp_path, "checks.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert names == ["P-1"] and not (tmp_path / "other-suite-ran").exists()
    assert list((tmp_path / "reports").glob("*/*/EVIDENCE.md"))

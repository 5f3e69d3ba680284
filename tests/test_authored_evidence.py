"""`authored: true` on a check: its evidence is an observation written down (a production
log, a deployment count), not something certify measured. The pack says so."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write


def test_authored_check_is_labelled_in_the_pack(tmp_path: Path) -> None:
    write(tmp_path / "deploys.txt", "deployment 1 ok\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: the deployment log records a successful deployment
          check:
            kind: file
            name: deployment log
            path: deploys.txt
            contains: ['ok']
            authored: true
        - id: H-2
          claim: the log exists
          check: {kind: file, path: deploys.txt}
    """))
    res = certify("run", "checks.yaml", "-q", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout
    checks = {h["id"]: h["checks"][0] for h in res.results["hypotheses"]}
    assert checks["H-1"]["authored"] is True
    assert "authored" not in checks["H-2"]
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert evidence.count("- Evidence: **authored**") == 1


def test_authored_must_be_a_boolean(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: x
          check: {kind: file, path: x, authored: maybe}
    """))
    res = certify("validate", "checks.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert "checks.yaml:6:44: hypothesis H-1, check 1 (file): authored: expected true or false" in res.stderr

"""Runtime proof is claimed only by checks that observe the running system."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write


def test_proof_runtime_over_local_checks_is_a_spec_error(tmp_path: Path) -> None:
    # An env check reads certify's own environment: exporting any value made this TRUE and the
    # pack said "runtime proof claimed".
    write(tmp_path / "checks.yaml", spec_text("""
        - id: R-ENV
          claim: the deployed service has its audience configured
          proof: runtime
          check: {kind: env, required: [INVOKER_TOKEN_AUDIENCE]}
    """))
    res = certify("run", "-q", cwd=tmp_path, env={"INVOKER_TOKEN_AUDIENCE": "junk"})
    assert res.exit_code == 2
    assert "checks.yaml:6:5:" in res.stderr
    assert "proof: runtime, but none of its checks (env) observes the running system" in res.stderr
    assert not (tmp_path / "reports").exists()


def test_a_local_claim_stays_local_and_can_be_declared_so(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: R-ENV
          claim: the audience is set where certify runs
          proof: local
          check: {kind: env, required: [INVOKER_TOKEN_AUDIENCE]}
    """))
    res = certify("run", "-q", cwd=tmp_path, env={"INVOKER_TOKEN_AUDIENCE": "x"})
    assert res.exit_code == 0, res.stderr
    assert res.results["gate"]["runtime_proof_claimed"] is False

"""Verdict rules and exit codes (SPEC §4), through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import certify, spec_text, write

PASS = "check: {kind: command, run: 'true'}"
FAIL = "check: {kind: command, run: 'false'}"
ERROR = "check: {kind: command, run: 'certify-no-such-tool'}"


def spec(*hyps: tuple[str, str, str]) -> str:
    return spec_text("\n".join(f"- id: {i}\n  claim: c\n  {extra}\n  {check}" for i, check, extra in hyps))


@pytest.mark.parametrize(("hyps", "flags", "code"), [
    ([("A", PASS, "")], [], 0),
    ([("A", PASS, ""), ("B", FAIL, "")], [], 1),
    ([("A", PASS, ""), ("B", ERROR, "")], [], 3),
    ([("A", PASS, ""), ("B", ERROR, "")], ["--allow-unknown"], 0),
    ([("A", FAIL, ""), ("B", ERROR, "")], ["--allow-unknown"], 1),
    ([("A", PASS, ""), ("B", FAIL, "gate: false")], [], 0),
    ([("A", PASS, ""), ("B", ERROR, "gate: false")], [], 0),
    ([("A", FAIL, "waiver: {reason: r, expires: 2999-01-01, by: me}")], [], 0),
    ([("A", FAIL, "waiver: {reason: r, expires: 2001-01-01, by: me}")], [], 1),
    ([("A", ERROR, "waiver: {reason: r, expires: 2999-01-01, by: me}")], [], 0),
])
def test_exit_codes(tmp_path: Path, hyps: list[tuple[str, str, str]], flags: list[str],
                    code: int) -> None:
    write(tmp_path / "checks.yaml", spec(*hyps))
    res = certify("run", "-q", *flags, cwd=tmp_path)
    assert res.exit_code == code, res.stdout
    assert res.results["gate"]["exit_code"] == code


def test_waiver_states_are_recorded(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec(
        ("VALID", FAIL, "waiver: {reason: accepted, expires: 2999-01-01, by: sec}"),
        ("EXPIRED", FAIL, "waiver: {reason: accepted, expires: 2001-01-01, by: sec}"),
        ("UNUSED", PASS, "waiver: {reason: accepted, expires: 2999-01-01, by: sec}"),
    ))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"VALID": "WAIVED", "EXPIRED": "FALSE", "UNUSED": "TRUE"}
    states = {h["id"]: h["waiver"]["state"] for h in res.results["hypotheses"]}
    assert states == {"VALID": "valid", "EXPIRED": "expired", "UNUSED": "unused"}
    assert "waiver expired on 2001-01-01" in (res.pack / "EVIDENCE.md").read_text()


def test_runtime_proof_is_claimed_only_when_every_runtime_hypothesis_is_true(tmp_path: Path) -> None:
    # Runtime proof needs checks that observe the running system: log proofs over an export.
    write(tmp_path / "prod.json", '[{"timestamp": "2026-11-05T10:00:00Z", "httpRequest": {"status": 200}}]')
    seen = "check: {kind: log_proof, source: prod, filter: 'httpRequest.status=200'}"
    unseen = "check: {kind: log_proof, source: gone, filter: 'httpRequest.status=200'}"
    write(tmp_path / "checks.yaml", spec_text(
        "\n".join(f"- id: {i}\n  claim: c\n  {extra}\n  {check}" for i, check, extra in (
            ("L", PASS, "proof: local"), ("R1", seen, "proof: runtime"), ("R2", unseen, "proof: runtime"))),
        header="targets:\n  logs:\n    prod: {files: [prod.json]}\n    gone: {files: [gone.json]}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    gate = res.results["gate"]
    assert gate["runtime_proof_claimed"] is False
    assert "R2 UNKNOWN" in gate["runtime_proof_reason"]
    res = certify("run", "-q", "--only", "R1", cwd=tmp_path)
    assert res.results["gate"]["runtime_proof_claimed"] is True
    res = certify("run", "-q", "--proof", "local", cwd=tmp_path)
    assert res.results["gate"]["runtime_proof_claimed"] is False


def test_filters(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H-A1
          group: A
          claim: c
          tags: [rls]
          {PASS}
        - id: H-A2
          group: A
          claim: c
          {FAIL}
        - id: H-B1
          group: B
          claim: c
          tags: [rls]
          {ERROR}
    """, header="groups: {A: a, B: b}\n"))
    assert set(certify("run", "-q", "--only", "H-A*", cwd=tmp_path).verdicts) == {"H-A1", "H-A2"}
    assert set(certify("run", "-q", "--group", "B", cwd=tmp_path).verdicts) == {"H-B1"}
    assert set(certify("run", "-q", "--tag", "rls", cwd=tmp_path).verdicts) == {"H-A1", "H-B1"}
    res = certify("run", "-q", "--only", "H-A1", cwd=tmp_path)
    assert res.exit_code == 0
    assert res.results["selection"] == {"only": ["H-A1"]}
    res = certify("run", "-q", "--only", "NOPE", cwd=tmp_path)
    assert res.exit_code == 2 and "no hypothesis matches" in res.stderr


def test_runtime_proof_is_not_claimed_on_authored_evidence(tmp_path: Path) -> None:
    """Log exports someone wrote to tell the story are not production observed by this run."""
    write(tmp_path / "prod.json", '[{"timestamp": "2026-11-05T10:00:00Z", "httpRequest": {"status": 200}}]')
    write(tmp_path / "checks.yaml", spec_text("""
        - id: R1
          claim: production answered 200
          check: {kind: log_proof, source: prod, filter: 'httpRequest.status=200', authored: true}
    """, header="targets:\n  logs:\n    prod: {files: [prod.json]}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"R1": "TRUE"}
    gate = res.results["gate"]
    assert gate["runtime_proof_claimed"] is False
    assert gate["runtime_proof_reason"] == ("R1 rests on authored evidence only (written down, "
                                            "not measured by this run)")

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import certify, spec_text, write


def test_required_one_of_forbidden_and_values_never_printed(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: OK
          claim: c
          check: {kind: env, required: [CT_AUD], one_of: [[CT_SUBS, CT_EMAILS]], forbidden: [CT_DEBUG]}
        - id: MISSING
          claim: c
          check: {kind: env, required: [CT_AUD, CT_EMPTY], one_of: [[CT_NONE1, CT_NONE2]]}
        - id: FORBIDDEN
          claim: c
          check: {kind: env, forbidden: [CT_AUD]}
    """))
    env = {"CT_AUD": "aud-value-1234", "CT_SUBS": "sub-value-5678", "CT_EMPTY": ""}
    res = certify("run", cwd=tmp_path, env=env)
    assert res.verdicts == {"OK": "TRUE", "MISSING": "FALSE", "FORBIDDEN": "FALSE"}
    findings = res.results["hypotheses"][1]["checks"][0]["findings"]
    assert [f["where"] for f in findings] == ["CT_EMPTY", "CT_NONE1 | CT_NONE2"]
    for path in res.pack.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "aud-value-1234" not in text and "sub-value-5678" not in text


@pytest.mark.parametrize("check, message", [
    ('{kind: env, forbidden: ["${DEBUG_FLAG_NAME:-}"]}',
     "forbidden: expected a variable name, got an empty one"),
    ('{kind: env, required: [""]}', "required: expected a variable name, got an empty one"),
    ("{kind: env, forbidden: [DEBUG=1]}", 'forbidden: "DEBUG=1" is not a variable name'),
    ("{kind: env, one_of: [[]]}", "one_of: a group with no variables"),
    ('{kind: env, one_of: [[A, ""]]}', "one_of: expected a variable name, got an empty one"),
])
def test_empty_or_impossible_names_are_spec_errors(tmp_path: Path, check: str, message: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {check}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    line = res.stderr.strip()
    assert line.startswith("checks.yaml:6:") and message in line and "\n" not in line, line


def test_a_blank_value_is_not_set(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: BLANK
          claim: c
          check: {kind: env, required: [CT_AUD], one_of: [[CT_SUBS]]}
    """))
    res = certify("run", "-q", cwd=tmp_path, env={"CT_AUD": "  ", "CT_SUBS": "\t"})
    assert res.verdicts == {"BLANK": "FALSE"}
    assert res.results["hypotheses"][0]["reason"] == (
        "CT_AUD: required, set but blank; CT_SUBS: none of these is set; one must be")

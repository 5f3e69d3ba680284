from __future__ import annotations

from pathlib import Path

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

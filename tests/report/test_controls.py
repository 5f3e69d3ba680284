"""Control mapping: `controls: [SOC2:CC6.1, ...]` on hypotheses; an EVIDENCE.md section
"Controls" (control, hypotheses, verdicts); `--control` to run only the hypotheses of some
controls; the controls in results.json, JUnit properties and SARIF."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import certify, spec_text, write

SPEC = spec_text("""
    - id: H-1
      claim: holds
      controls: [SOC2:CC6.1, ISO27001:A.8.3]
      check: {kind: command, run: "true"}
    - id: H-2
      claim: fails
      controls: [SOC2:CC6.1]
      check: {kind: command, run: "exit 1"}
    - id: H-3
      claim: no control
      check: {kind: command, run: "true"}
""")


def test_controls_in_every_output(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", SPEC)
    res = certify("run", "-q", "--sarif", "out.sarif", cwd=tmp_path)
    assert res.exit_code == 1, res.stdout + res.stderr
    data = res.results
    assert data["hypotheses"][0]["controls"] == ["SOC2:CC6.1", "ISO27001:A.8.3"]
    assert data["controls"] == {"ISO27001:A.8.3": {"H-1": "TRUE"},
                                "SOC2:CC6.1": {"H-1": "TRUE", "H-2": "FALSE"}}
    evidence = (res.pack / "EVIDENCE.md").read_text()
    section = evidence[evidence.index("## 9. Controls"):evidence.index("## 10. Evidence")]
    assert "SOC2:CC6.1" in section and "H-2" in section and "FALSE" in section
    root = ET.parse(res.pack / "junit.xml").getroot()
    cases = {c.get("name", "").split(":")[0]: c for c in root.iter("testcase")}
    props = [(p.get("name"), p.get("value")) for p in cases["H-1"].iter("property")]
    assert ("control", "SOC2:CC6.1") in props and ("control", "ISO27001:A.8.3") in props
    assert not list(cases["H-3"].iter("property"))
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["H-1"]["properties"]["controls"] == ["SOC2:CC6.1", "ISO27001:A.8.3"]


def test_control_filter(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", SPEC)
    res = certify("run", "-q", "--control", "ISO27001:*", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert res.verdicts == {"H-1": "TRUE"}
    assert res.results["selection"]["control"] == ["ISO27001:*"]


def test_a_malformed_control_is_a_positioned_error(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: x
          controls: [CC6.1]
          check: {kind: command, run: "true"}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("checks.yaml:") and "FRAMEWORK:ID" in lines[0], lines

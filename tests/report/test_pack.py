"""The evidence pack on disk: layout, formats, manifest, ledger, atomicity, verify, diff."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from certify.report import pack as pack_module
from tests.conftest import certify, spec_text, write

SPEC = spec_text("""
    - id: H-1
      group: A
      claim: "A | pipe, *stars* and `ticks` survive"
      check: {kind: command, run: "printf 'line with ``` fence\\n'"}
    - id: H-2
      group: A
      claim: fails
      question: Should it?
      check: {kind: command, run: "exit 1"}
    - id: H-3
      group: B
      claim: unknown
      check: {kind: command, run: "certify-no-such-tool"}
    - id: H-4
      group: B
      claim: waived
      waiver: {reason: later, expires: 2999-01-01, by: me}
      check: {kind: command, run: "exit 1"}
""", header="groups: {A: First, B: Second}\n")


@pytest.fixture
def ran(tmp_path: Path):  # type: ignore[no-untyped-def]
    write(tmp_path / "checks.yaml", SPEC)
    return certify("run", "-q", "--junit", "out/junit.xml", "--json", "out/r.json", cwd=tmp_path)


def test_pack_layout_and_ledger(ran, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = ran.pack
    assert pack.parent.name == "test-phase"
    names = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())
    assert names == ["EVIDENCE.md", "MANIFEST.sha256", "junit.xml", "results.json"]
    assert (tmp_path / "out" / "junit.xml").read_bytes() == (pack / "junit.xml").read_bytes()
    assert (tmp_path / "out" / "r.json").read_bytes() == (pack / "results.json").read_bytes()
    ledger = (tmp_path / "reports" / "INDEX.md").read_text().splitlines()
    rows = [line for line in ledger if line.startswith("| 20")]
    assert len(rows) == 1 and "test phase" in rows[0] and "| 1 | 1 | 1 | 1 |" in rows[0]
    assert f"({pack.relative_to(tmp_path / 'reports').as_posix()}/EVIDENCE.md)" in rows[0]


def test_junit_has_a_testcase_per_hypothesis(ran) -> None:  # type: ignore[no-untyped-def]
    root = ET.parse(ran.pack / "junit.xml").getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["A: First", "B: Second"]
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {'H-1: A | pipe, *stars* and `ticks` survive', "H-2: fails",
                          "H-3: unknown", "H-4: waived"}
    assert cases["H-2: fails"].find("failure") is not None
    assert cases["H-3: unknown"].find("error") is not None
    assert cases["H-4: waived"].find("skipped") is not None
    assert all(c.get("classname") in ("A", "B") for c in cases.values())
    assert "reproduce:" in (cases["H-2: fails"].findtext("system-out") or "")


def test_results_json_fixed_fields(ran) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((ran.pack / "results.json").read_text())
    assert data["schema_version"] == 1
    assert set(data["spec"]) >= {"path", "sha256"}
    assert set(data["baseline"]) >= {"commit", "branch", "dirty", "started", "finished"}
    assert data["gate"] == {**data["gate"], "passed": False, "exit_code": 1,
                            "runtime_proof_claimed": False}
    h = data["hypotheses"][1]
    assert {k: h[k] for k in ("id", "group", "proof", "gate", "verdict")} == {
        "id": "H-2", "group": "A", "proof": "local", "gate": True, "verdict": "FALSE"}
    check = h["checks"][0]
    assert check["status"] == "fail" and check["reason"] and check["reproduce"]
    assert check["findings"][0].keys() >= {"where", "what"}


def test_evidence_md_sections_and_escaping(ran) -> None:  # type: ignore[no-untyped-def]
    md = (ran.pack / "EVIDENCE.md").read_text()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Baseline", "## 2. Environment facts", "## 3. Verdict",
                        "## 4. Hypothesis truth table", "## 5. Local proof vs runtime proof",
                        "## 6. Operational readiness snapshot", "## 7. Open questions",
                        "## 8. Exceptions (waivers)", "## 9. Controls",
                "## 10. Evidence"]
    assert r"A \| pipe, \*stars\* and \`ticks\` survive" in md
    assert "| Tool or target | Found |" in md  # target facts (who PostgreSQL ran as...) are rows too
    assert "````text\n$ printf" in md  # a fence longer than the ``` inside the output
    assert "Should it?" in md
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            assert line.count(" | ") - line.count(r"\|") >= 1


def test_verify_detects_a_changed_byte_and_added_or_removed_files(ran, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = ran.pack
    ok = certify("verify", str(pack), cwd=tmp_path)
    assert ok.exit_code == 0 and "intact (3 files" in ok.stdout
    evidence = pack / "EVIDENCE.md"
    data = bytearray(evidence.read_bytes())
    data[100] ^= 1
    evidence.write_bytes(bytes(data))
    bad = certify("verify", str(pack), cwd=tmp_path)
    assert bad.exit_code == 1 and "CHANGED  EVIDENCE.md" in bad.stdout
    (pack / "extra.txt").write_text("x")
    (pack / "junit.xml").unlink()
    bad = certify("verify", str(pack), cwd=tmp_path)
    assert "ADDED    extra.txt" in bad.stdout and "MISSING  junit.xml" in bad.stdout
    assert certify("verify", str(tmp_path), cwd=tmp_path).exit_code == 2


def test_packs_are_never_overwritten_and_diff_shows_changes(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-1
          claim: c
          check: {kind: file, path: flag.txt}
        - id: H-2
          claim: c
          check: {kind: command, run: "true"}
    """))
    first = certify("run", "-q", cwd=tmp_path)
    (tmp_path / "flag.txt").write_text("now it exists")
    second = certify("run", "-q", cwd=tmp_path)
    assert first.pack != second.pack
    assert len(first.packs) == 2
    assert certify("verify", str(first.pack), cwd=tmp_path).exit_code == 0
    res = certify("diff", str(first.pack), str(second.pack), cwd=tmp_path)
    assert res.exit_code == 1
    assert res.stdout.split() == ["H-1", "FALSE", "->", "TRUE", "c"]
    same = certify("diff", str(second.pack), str(second.pack), cwd=tmp_path)
    assert same.exit_code == 0


def test_a_crash_while_writing_leaves_no_half_pack_and_no_ledger_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "checks.yaml", SPEC)
    certify("run", "-q", cwd=tmp_path)
    before = sorted(p.name for p in (tmp_path / "reports" / "test-phase").iterdir())
    ledger = (tmp_path / "reports" / "INDEX.md").read_text()

    def boom(*args: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(pack_module, "_claim", boom)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 2 and "disk full" in res.stderr
    assert sorted(p.name for p in (tmp_path / "reports" / "test-phase").iterdir()) == before
    assert (tmp_path / "reports" / "INDEX.md").read_text() == ledger

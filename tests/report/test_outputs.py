"""One registry of outputs, one sequence that writes them: every output declares its renderer and
its redaction, and a run redacts its result once for the pack and every CI output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from certify.redact import Redactor
from tests.conftest import certify, spec_text, write

TOKEN = "tok-PLANTED-outputs-5e5e"


def make(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", f"token = '{TOKEN}'  # TODO\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: O-1
          claim: no TODO
          check: {kind: grep, pattern: TODO}
        - id: O-2
          claim: the token is configured
          check: {kind: command, run: 'echo "Authorization: Bearer abcdefghijkl $OUT_TOKEN"; exit 1'}
    """, header="targets: {repo: {path: repo}}\nsecrets: [OUT_TOKEN]\n"))


def test_every_output_declares_its_renderer_and_redaction() -> None:
    from certify.report.outputs import OUTPUTS, PACK_FILES

    assert {o.name: o.structured for o in OUTPUTS} == {
        "EVIDENCE.md": False, "junit.xml": True, "results.json": True, "SARIF": True,
        "the GitHub step summary": False, "GitHub annotations": False}
    assert [o.name for o in PACK_FILES] == ["EVIDENCE.md", "junit.xml", "results.json"]


def test_a_run_redacts_its_result_once_for_the_pack_and_every_ci_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path)
    calls: list[int] = []
    deep = Redactor.deep

    def counted(self: Redactor, obj: Any) -> Any:
        calls.append(1)
        return deep(self, obj)

    monkeypatch.setattr(Redactor, "deep", counted)
    summary = tmp_path / "summary.md"
    res = certify("run", "-q", "--github", "--sarif", "out/c.sarif", "--junit", "out/j.xml", "--json",
                  "out/r.json", cwd=tmp_path, env={"OUT_TOKEN": TOKEN, "GITHUB_STEP_SUMMARY": str(summary)})
    assert res.exit_code == 1, res.stderr
    assert len(calls) == 1
    outputs = [tmp_path / "out" / n for n in ("c.sarif", "j.xml", "r.json")] + [summary]
    pack = res.packs[0]
    outputs += [p for p in pack.rglob("*") if p.is_file()]
    for path in outputs:
        text = path.read_text()
        assert TOKEN not in text and "abcdefghijkl" not in text, path
    json.loads((tmp_path / "out" / "c.sarif").read_text())
    ET.parse(tmp_path / "out" / "j.xml")
    assert TOKEN not in res.stdout and "::error" in res.stdout


def test_a_copy_that_cannot_be_written_names_what_was_written(tmp_path: Path) -> None:
    make(tmp_path)
    (tmp_path / "out").write_text("a file, not a folder\n")
    res = certify("run", "-q", "--junit", "out/j.xml", "--sarif", "ci/c.sarif", cwd=tmp_path,
                  env={"OUT_TOKEN": TOKEN})
    assert res.exit_code == 2
    pack = res.pack.relative_to(tmp_path).as_posix()
    assert res.stderr.strip().splitlines() == [
        f"certify: the evidence pack {pack} was written; junit.xml could not be written to out/j.xml: "
        "out: File exists"]
    assert json.loads((tmp_path / "ci" / "c.sarif").read_text())["version"] == "2.1.0"  # the rest is written

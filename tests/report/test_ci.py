"""CI outputs through `certify run`: GitHub annotations for findings with a file and line (and
the spec line of other failures), the step summary, and SARIF 2.1.0 — with secrets redacted."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import certify, spec_text, write

TOKEN = "tok-PLANTED-ci-7f7f"


def make(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app" / "views.py", f"def f():\n    x = 1\n    token = '{TOKEN}'  # TODO\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: G-1
          claim: no TODOs in app code
          check: {kind: grep, pattern: 'TODO', paths: [app/]}
        - id: G-2
          claim: the token is configured
          question: who owns the token?
          check: {kind: command, run: 'echo "$CI_TOKEN"; exit 1'}
        - id: G-3
          claim: informational, not gating
          gate: false
          check: {kind: grep, pattern: 'token = ', paths: [app/]}
        - id: G-4
          claim: passes
          check: {kind: file, path: app/views.py}
    """, header="targets: {repo: {path: repo}}\nsecrets: [CI_TOKEN]\n"))


def test_github_annotations_and_step_summary(tmp_path: Path) -> None:
    make(tmp_path)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "CI_TOKEN": TOKEN}
    res = certify("run", "-q", cwd=tmp_path, env=env)
    assert res.exit_code == 1
    notes = [line for line in res.stdout.splitlines() if line.startswith("::")]
    assert notes[0].startswith("::error file=repo/app/views.py,line=3,title=G-1 FALSE::G-1: no TODOs in app")
    assert any(n.startswith("::error file=checks.yaml,line=") and "title=G-2 FALSE" in n for n in notes)
    assert any(n.startswith("::warning file=repo/app/views.py,line=3,title=G-3 FALSE") for n in notes)
    assert not any("G-4" in n for n in notes)
    text = summary.read_text()
    assert "| G-1 | no TODOs in app code | ❌ FALSE |" in text and "| G-4 | passes | ✅ TRUE |" in text
    assert TOKEN not in res.stdout + text
    quiet = certify("run", "-q", "--no-github", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert quiet.stdout.count("::") == 0


def test_sarif(tmp_path: Path) -> None:
    make(tmp_path)
    res = certify("run", "-q", "--sarif", "out/certify.sarif", cwd=tmp_path, env={"CI_TOKEN": TOKEN})
    assert res.exit_code == 1
    raw = (tmp_path / "out" / "certify.sarif").read_text()
    assert TOKEN not in raw
    doc = json.loads(raw)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "certify"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["G-1", "G-2", "G-3", "G-4"]
    results = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert results == {("G-1", "error"), ("G-3", "warning")}
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "repo/app/views.py", "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] == 3
        assert rules[r["ruleIndex"]] == r["ruleId"] and r["message"]["text"]

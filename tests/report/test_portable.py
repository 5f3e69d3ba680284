"""Portable packs: paths in the pack are relative to the spec's folder; the absolute base is
recorded once, in results.json. The same project run from two clones at different paths gives
the same pack once time and commit are normalised."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import certify, git, spec_text, write

SPEC = spec_text("""
    - id: H-1
      claim: the repository is anchored
      check: {kind: git}
    - id: H-2
      claim: no TODO in the code
      check: {kind: grep, pattern: 'TODO', paths: [src/]}
    - id: H-3
      claim: the script runs
      check: {kind: command, run: "python3 -c 'print(1)'", cwd: repo}
""", header="targets: {repo: {path: repo}}\n")


def _project(where: Path) -> Path:
    write(where / "checks.yaml", SPEC)
    repo = where / "repo"
    write(repo / "src" / "app.py", "x = 1  # TODO remove\n")
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return where


def _normalised(text: str) -> str:
    text = re.sub(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b|`[0-9a-f]{7,12}`|HEAD [0-9a-f]{7}", "<COMMIT>", text)
    text = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{7}", "<PACK>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "<TIME>", text)
    text = re.sub(r"\b\d+\.\d+ ?s\b|\"seconds\": [\d.]+", "<SECS>", text)
    return text


def test_a_pack_from_a_clone_at_another_path_is_the_same(tmp_path: Path) -> None:
    a = _project(tmp_path / "first" / "clone")
    b = tmp_path / "second-place" / "deeper" / "clone"
    shutil.copytree(a, b, symlinks=True)
    packs = []
    for where in (a, b):
        res = certify("run", "-q", cwd=where)
        assert res.exit_code == 1, res.stdout + res.stderr
        packs.append(res.pack)
    for where, pack in zip((a, b), packs, strict=True):
        for f in pack.rglob("*"):
            if f.is_file():
                text = f.read_text()
                hits = text.count(str(where))
                assert hits == (1 if f.name == "results.json" else 0), (f.name, hits)
        assert json.loads((pack / "results.json").read_text())["spec"]["base"] == str(where)
    evidence = [_normalised((p / "EVIDENCE.md").read_text()) for p in packs]
    assert evidence[0] == evidence[1]
    assert "cd repo && " in evidence[0]
    results = [json.loads((p / "results.json").read_text()) for p in packs]
    for r in results:
        r["spec"]["base"] = "<BASE>"
    assert _normalised(json.dumps(results[0])) == _normalised(json.dumps(results[1]))


def test_sarif_names_no_absolute_folder(tmp_path: Path) -> None:
    a = _project(tmp_path / "p")
    res = certify("run", "-q", "--sarif", "out.sarif", cwd=a)
    assert res.exit_code == 1, res.stderr
    text = (a / "out.sarif").read_text()
    assert str(tmp_path) not in text and "file://" not in text

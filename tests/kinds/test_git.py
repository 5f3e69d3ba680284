from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, git, spec_text, write


def run_spec(tmp_path: Path, repo: Path, hypotheses: str) -> dict:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header=f"targets: {{repo: {{path: {repo}}}}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_anchors_clean_branch_head_contains(tmp_path: Path, git_repo: Path) -> None:
    first = git(git_repo, "rev-parse", "HEAD")
    write(git_repo / "b.txt", "b\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "second")
    head = git(git_repo, "rev-parse", "HEAD")
    spec = f"""
        - id: CLEAN
          claim: c
          check: {{kind: git, clean: true, branch: main, head: {head[:10]}, contains: {first}}}
        - id: WRONG-BRANCH
          claim: c
          check: {{kind: git, branch: release}}
        - id: BAD-COMMIT
          claim: c
          check: {{kind: git, contains: deadbeefdeadbeef}}
    """
    hyps = run_spec(tmp_path, git_repo, spec)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "CLEAN": "TRUE", "WRONG-BRANCH": "FALSE", "BAD-COMMIT": "UNKNOWN"}
    values = hyps["CLEAN"]["checks"][0]["values"]
    assert values == {"commit": head, "branch": "main", "dirty": False}

    write(git_repo / "c.txt", "untracked\n")
    hyps = run_spec(tmp_path, git_repo, spec)
    assert hyps["CLEAN"]["verdict"] == "FALSE"
    assert hyps["CLEAN"]["checks"][0]["findings"][0]["where"] == "c.txt"


def test_not_a_repository_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    hyps = run_spec(tmp_path, tmp_path / "plain", """
        - id: H
          claim: c
          check: {kind: git}
    """)
    assert hyps["H"]["verdict"] == "UNKNOWN"

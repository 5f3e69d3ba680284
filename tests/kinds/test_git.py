from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("field, value, message", [
    ("head", '"${RELEASE_SHA:-}"', "head: expected a commit, got an empty value"),
    ("head", '"  "', "head: expected a commit, got an empty value"),
    ("branch", '"${RELEASE_BRANCH:-}"', "branch: expected a branch, got an empty value"),
    ("contains", '""', "contains: expected a commit, got an empty value"),
    ("contains", '"--help"', "contains: expected a commit, got an option"),
    ("head", '"-v"', "head: expected a commit, got an option"),
    ("branch", "HEAD", "branch: HEAD is not a branch"),
])
def test_empty_or_option_anchors_are_spec_errors(tmp_path: Path, git_repo: Path, field: str, value: str,
                                                 message: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {{kind: git, {field}: {value}}}
    """, header=f"targets: {{repo: {{path: {git_repo}}}}}\n"))
    res = certify("validate", cwd=tmp_path, env={"RELEASE_SHA": "", "RELEASE_BRANCH": ""})
    assert res.exit_code == 2, res.stdout
    line = res.stderr.strip()
    assert line.startswith("checks.yaml:7:") and message in line and "\n" not in line, line


def test_a_head_prefix_too_short_to_name_a_commit_is_resolved_not_matched(tmp_path: Path,
                                                                         git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD")
    hyps = run_spec(tmp_path, git_repo, f"""
        - id: ONE-CHAR
          claim: c
          check: {{kind: git, head: "{head[0]}"}}
        - id: SEVEN
          claim: c
          check: {{kind: git, head: "{head[:7]}"}}
        - id: BY-NAME
          claim: c
          check: {{kind: git, head: main}}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "ONE-CHAR": "FALSE", "SEVEN": "TRUE", "BY-NAME": "TRUE"}
    assert hyps["ONE-CHAR"]["reason"] == f"HEAD: {head}, expected {head[0]}"


def test_a_tree_git_cannot_read_is_not_clean(git_repo: Path) -> None:
    """A failing `git status` (a corrupt index) printed nothing, which read as a clean tree."""
    (git_repo / ".git" / "index").write_bytes(b"DIRC garbage")
    write(git_repo / "checks.yaml", spec_text("""
        - id: CLEAN
          claim: the tree is clean
          check: {kind: git, clean: true}
    """))
    res = certify("run", "-q", cwd=git_repo)
    assert res.verdicts == {"CLEAN": "UNKNOWN"}
    assert "git status failed, so the tree's state is unknown" in res.results["hypotheses"][0]["reason"]

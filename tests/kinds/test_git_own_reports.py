"""A second `certify run` in a repository: certify's own output folder (its packs and ledger) does
not make a `git` clean check FALSE; anything else in that folder still does."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, git, spec_text, write


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "checks.yaml", spec_text("""
        - id: H-1
          claim: the tree is exactly its commit
          check: {kind: git, clean: true}
    """))
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return repo


def test_a_second_run_is_not_dirty_because_of_its_own_packs(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert certify("run", "-q", cwd=repo).verdicts == {"H-1": "TRUE"}
    second = certify("run", "-q", cwd=repo)
    assert second.verdicts == {"H-1": "TRUE"}, second.results["hypotheses"][0]["reason"]
    assert "reports/" in second.results["hypotheses"][0]["checks"][0]["output"]  # said, not hidden
    assert second.results["baseline"]["dirty"] is False  # the pack's baseline agrees


def test_a_foreign_file_in_the_output_folder_still_counts(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    first = certify("run", "-q", cwd=repo)
    (first.pack / "planted.py").write_text("print('not part of the pack')\n")
    write(repo / "reports" / "notes.txt", "hello\n")
    second = certify("run", "-q", cwd=repo)
    assert second.verdicts == {"H-1": "FALSE"}

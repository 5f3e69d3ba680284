"""`certify reproduce` on every FALSE claim of the three examples gives the same verdict: the
throwaway database is rebuilt from the same migrations and the started services start again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, certify, git
from tests.test_example_flips import run_env

EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/expected.json"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_reproduce_every_false_claim(name: str, tmp_path: Path) -> None:
    work = tmp_path / name
    shutil.copytree(ROOT / "examples" / name, work, ignore=shutil.ignore_patterns("reports", "__pycache__"))
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("reports/\n__pycache__/\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", name)
    res = certify("run", "checks.yaml", "-q", "-o", "reports", cwd=work, env=run_env())
    false = [i for i, v in res.verdicts.items() if v == "FALSE"]
    if not false:
        pytest.skip(f"{name} has no FALSE claim")
    again = certify("reproduce", str(res.pack), *false, cwd=tmp_path, env=run_env())
    assert again.exit_code == 0, again.stdout + again.stderr
    assert f"{len(false)} of {len(false)} verdicts reproduced" in again.stdout
    assert again.stdout.count("was FALSE, now FALSE") == len(false)

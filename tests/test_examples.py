"""The examples: each reproduces a hand-written certification record (examples/<record>/)
against its own small fixture system. Each run must give the verdicts its expected.json
states, a pack that verifies, and the pack committed as golden files under
tests/golden/examples/ (tests/packcompare.py); and `certify reproduce` on every FALSE claim
gives the same verdict (the throwaway database is rebuilt from the same migrations and the
started services start again).

An example is run once per session: its tests share the run, and pytest-xdist keeps a
module's tests on one worker (`--dist loadscope` in pyproject.toml)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult, certify, git
from tests.packcompare import assert_matches_golden
from tests.test_example_flips import run_env

EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/expected.json"))


@pytest.fixture(scope="module", params=EXAMPLES)
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[str, Path, CliResult]:
    """The example copied into a fresh git repository (a stable anchor), then certified."""
    name: str = request.param
    work = tmp_path_factory.mktemp(name)
    shutil.copytree(ROOT / "examples" / name, work, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("reports", "__pycache__"))
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("reports/\n__pycache__/\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", name)
    return name, work, certify("run", "checks.yaml", "-q", cwd=work, env=run_env())


def test_example_gives_the_records_verdicts(example: tuple[str, Path, CliResult]) -> None:
    name, work, res = example
    expected = json.loads((ROOT / "examples" / name / "expected.json").read_text())
    exit_code = expected.pop("exit_code")
    assert res.verdicts == expected, res.stdout
    assert res.exit_code == exit_code
    for h in res.results["hypotheses"]:
        for c in h["checks"]:
            assert c["reproduce"], f"{h['id']} {c['name']}: no reproduce line"
        if h["verdict"] in ("FALSE", "UNKNOWN"):
            assert h["question"], f"{h['id']} is {h['verdict']} and asks no question"
    assert certify("verify", str(res.pack), cwd=work).exit_code == 0


@pytest.mark.parametrize("file", ["EVIDENCE.md", "results.json"])
def test_example_pack_matches_golden(example: tuple[str, Path, CliResult], file: str) -> None:
    name, work, res = example
    assert_matches_golden(res.pack, file, f"examples/{name}.{file}", work)


def test_reproduce_every_false_claim(example: tuple[str, Path, CliResult]) -> None:
    name, work, res = example
    false = [i for i, v in res.verdicts.items() if v == "FALSE"]
    if not false:
        pytest.skip(f"{name} has no FALSE claim")
    again = certify("reproduce", str(res.pack), *false, cwd=work.parent, env=run_env())
    assert again.exit_code == 0, again.stdout + again.stderr
    assert f"{len(false)} of {len(false)} verdicts reproduced" in again.stdout
    assert again.stdout.count("was FALSE, now FALSE") == len(false)

"""The demo certification (root checks.yaml against fixtures/) and its golden pack.

The pack is what users see; a change to it must be a reviewed change to the golden
files (tests/packcompare.py).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult, certify, git
from tests.packcompare import assert_matches_golden

EXPECTED = {"H-A1": "TRUE", "H-A2": "TRUE", "H-A3": "TRUE", "H-B1": "FALSE", "H-B2": "UNKNOWN",
            "H-S1": "FALSE", "H-S2": "TRUE", "H-S3": "TRUE", "H-C1": "WAIVED",
            "H-D1": "TRUE", "H-D2": "TRUE", "H-D3": "FALSE", "H-D4": "FALSE", "H-D5": "FALSE",
            "H-D6": "TRUE", "H-H1": "TRUE", "H-H2": "TRUE", "H-H3": "FALSE", "H-H4": "TRUE",
            "H-H5": "FALSE", "H-L1": "TRUE", "H-L2": "TRUE", "H-L3": "FALSE"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CliResult]:
    """The demo spec and fixtures copied into a fresh git repository, then certified."""
    work = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "fixtures", work / "fixtures")
    shutil.copy(ROOT / "checks.yaml", work / "checks.yaml")
    git(work, "init", "-q", "-b", "main")
    (work / ".gitignore").write_text("reports/\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "demo")
    env = {k: "" for k in ("INVOKER_ALLOWED_SUBS", "INVOKER_ALLOWED_EMAILS")}
    return work, certify("run", cwd=work, env=env)


def test_demo_shows_every_verdict(demo: tuple[Path, CliResult]) -> None:
    work, res = demo
    assert res.verdicts == EXPECTED
    assert res.exit_code == 1
    s1 = res.results["hypotheses"][5]["checks"][0]
    assert [f["where"] for f in s1["findings"]] == ["app/routes/twins.py:27"]
    b1 = res.results["hypotheses"][3]["checks"][0]
    assert b1["findings"][0]["what"] == "references docker/worker.Dockerfile, which does not exist"
    root = ET.parse(res.pack / "junit.xml").getroot()
    assert len(list(root.iter("testcase"))) == len(EXPECTED)
    assert certify("verify", str(res.pack), cwd=work).exit_code == 0


@pytest.mark.parametrize("name", ["EVIDENCE.md", "results.json"])
def test_demo_pack_matches_golden(demo: tuple[Path, CliResult], name: str) -> None:
    work, res = demo
    assert_matches_golden(res.pack, name, f"demo.{name}", work)

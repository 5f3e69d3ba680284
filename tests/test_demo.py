"""The demo certification (root checks.yaml against fixtures/) and its golden pack.

The pack is what users see; a change to it must be a reviewed change to the golden
files (regenerate with CERTIFY_UPDATE_GOLDEN=1 and read the diff).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, CliResult, certify, git

GOLDEN = Path(__file__).parent / "golden"
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


def _normalise_text(text: str, work: Path) -> str:
    text = text.replace(str(work), "<WORK>")
    text = re.sub(r"host=\S*certify-pg-\w+ port=\d+", "host=<EPHEMERAL>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>", text)
    text = re.sub(r"\b[0-9a-f]{40}\b", "<COMMIT>", text)
    text = re.sub(r"\b\d{8}T\d{6}Z-[0-9a-f]{7}\b", "<PACK>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "<TIME>", text)
    text = re.sub(r"\b\d+\.\d+s\b", "<SECS>s", text)
    text = re.sub(r"seconds=`[\d.]+`", "seconds=`<SECS>`", text)
    text = re.sub(r"\b\d+ ms\b", "<MS> ms", text)
    text = re.sub(r"ms=`[\d.]+`", "ms=`<MS>`", text)
    text = re.sub(r"`[0-9a-f]{7,12}`", "<COMMIT>", text)
    text = re.sub(r"HEAD [0-9a-f]{7}\b", "HEAD <COMMIT>", text)
    text = re.sub(r"Ran 5 tests in [\d.]+s", "Ran 5 tests in <SECS>s", text)
    return text


def _normalise_markdown(text: str, work: Path) -> str:
    text = _normalise_text(text, work)
    # Sections 1 and 2 describe the machine and the moment; keep their shape, not their values.
    text = re.sub(r"^\| (Run by|Spec sha256) \|.*$", r"| \1 | <VOLATILE> |", text, flags=re.M)
    start, end = text.index("## 2. Environment facts"), text.index("## 3. Verdict")
    return text[:start] + "## 2. Environment facts\n\n<VOLATILE>\n\n" + text[end:]


def _normalise_json(data: Any, work: Path) -> Any:
    volatile = {"seconds", "started", "finished", "environment", "sha256", "commit", "ms"}
    if isinstance(data, dict):
        if "who" in data:  # the baseline: who ran it where
            data = {**data, "who": "<VOLATILE>", "where": "<VOLATILE>"}
        return {k: ("<VOLATILE>" if k in volatile else _normalise_json(v, work)) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalise_json(v, work) for v in data]
    if isinstance(data, str):
        return _normalise_text(data, work)
    return data


@pytest.mark.parametrize("name", ["EVIDENCE.md", "results.json"])
def test_demo_pack_matches_golden(demo: tuple[Path, CliResult], name: str) -> None:
    work, res = demo
    raw = (res.pack / name).read_text()
    if name.endswith(".json"):
        got = json.dumps(_normalise_json(json.loads(raw), work), indent=2, ensure_ascii=False) + "\n"
    else:
        got = _normalise_markdown(raw, work)
    golden = GOLDEN / f"demo.{name}"
    if os.environ.get("CERTIFY_UPDATE_GOLDEN"):
        golden.write_text(got)
    assert golden.exists(), f"no golden file {golden}; run with CERTIFY_UPDATE_GOLDEN=1"
    assert got == golden.read_text(), f"{name} differs from {golden}; review, then update"

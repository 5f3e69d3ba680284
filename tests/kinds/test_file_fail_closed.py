"""`file` fails closed: a folder has no content to prove, UTF-16 text is decoded, hidden files
are globbed, a glob of sources that reaches nothing and a file that cannot be read are UNKNOWN."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import certify, certify_process, spec_text, write


def run_spec(tmp_path: Path, hypotheses: str) -> dict[str, dict]:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stdout + res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_a_folder_is_not_a_file_whose_content_was_checked(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "docs" / "a.md", "password = hunter2\n")
    hyps = run_spec(tmp_path, """
        - {id: NOT-CONTAINS, claim: c, check: {kind: file, path: docs, not_contains: [password]}}
        - {id: CONTAINS, claim: c, check: {kind: file, path: docs/, contains: [nothing]}}
        - {id: DOT, claim: c, check: {kind: file, path: ., not_contains: [password]}}
        - {id: SHA, claim: c, check: {kind: file, path: docs, sha256: '""" + "0" * 64 + """'}}
        - {id: EXISTS, claim: c, check: {kind: file, path: docs}}
    """)
    verdicts = {k: h["verdict"] for k, h in hyps.items()}
    assert verdicts == {"NOT-CONTAINS": "UNKNOWN", "CONTAINS": "UNKNOWN", "DOT": "UNKNOWN",
                        "SHA": "UNKNOWN", "EXISTS": "TRUE"}
    assert "docs/ is a folder" in hyps["NOT-CONTAINS"]["reason"]


def test_utf16_text_is_decoded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "le.env").write_bytes("\ufeffA=1\nAWS_SECRET=x\n".encode("utf-16-le"))
    (root / "be.env").write_bytes("\ufeffA=1\nAWS_SECRET=x\n".encode("utf-16-be"))
    hyps = run_spec(tmp_path, """
        - {id: NOT, claim: c, check: {kind: file, path: '*.env', not_contains: ['AWS_SECRET']}}
        - {id: HAS, claim: c, check: {kind: file, path: '*.env', contains: ['^AWS_SECRET=x$']}}
    """)
    assert hyps["NOT"]["verdict"] == "FALSE"
    assert sorted(f["where"] for f in hyps["NOT"]["checks"][0]["findings"]) == ["be.env:2", "le.env:2"]
    assert hyps["HAS"]["verdict"] == "TRUE"


def test_hidden_files_are_globbed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "config" / ".env", "AWS_SECRET=x\n")
    write(root / "config" / "app.yml", "a: 1\n")
    hyps = run_spec(tmp_path, """
        - {id: NOT, claim: c, check: {kind: file, path: 'config/*', not_contains: ['AWS_SECRET']}}
    """)
    assert hyps["NOT"]["verdict"] == "FALSE"


def test_sources_that_match_nothing_and_unreadable_matches_are_unknown(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "ok.txt", "fine\n")
    root.joinpath("docs").mkdir()
    os.mkfifo(root / "docs" / "pipe.md")
    os.symlink("nowhere.md", root / "docs" / "dangling.md")
    hyps = run_spec(tmp_path, r"""
        - id: NO-SOURCE
          claim: c
          check: {kind: file, references: {in: 'compose.prod.yml', pattern: 'dockerfile:\s*(?P<path>\S+)'}}
        - id: NO-SOURCE-ALLOWED
          claim: c
          check:
            kind: file
            references: {in: 'compose.prod.yml', pattern: 'dockerfile:\s*(?P<path>\S+)'}
            allow_empty: true
        - {id: FIFO, claim: c, check: {kind: file, path: docs/pipe.md, not_contains: [secret]}}
        - {id: DANGLING, claim: c, check: {kind: file, path: 'docs/*.md', contains: [x]}}
    """)
    verdicts = {k: h["verdict"] for k, h in hyps.items()}
    assert verdicts == {"NO-SOURCE": "UNKNOWN", "NO-SOURCE-ALLOWED": "TRUE", "FIFO": "UNKNOWN",
                        "DANGLING": "UNKNOWN"}
    assert hyps["NO-SOURCE"]["reason"].startswith("references.in matched no file: compose.prod.yml")
    assert "docs/pipe.md" in hyps["FIFO"]["reason"]


def test_a_runaway_regex_is_unknown_at_the_check_timeout(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "a.txt", "a" * 40 + "\n")
    write(root / "refs.txt", "use: " + "a" * 40 + "\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: NOT, claim: c, check: {kind: file, path: a.txt, not_contains: ['(a+)+$(?=b)'], timeout: 3}}
        - {id: HAS, claim: c, check: {kind: file, path: a.txt, contains: ['(a+)+b'], timeout: 3}}
        - id: REFS
          claim: c
          check: {kind: file, references: {in: refs.txt, pattern: 'use: (?P<path>(a+)+b)'}, timeout: 3}
        - {id: FINE, claim: c, check: {kind: file, path: a.txt, contains: ['^a+$'], timeout: 30}}
    """, header="targets: {repo: {path: repo}}\n"))
    start = time.monotonic()
    proc = certify_process("run", "-q", cwd=tmp_path, timeout=60)
    assert time.monotonic() - start < 15
    assert proc.returncode == 3, proc.stdout + proc.stderr
    (pack,) = (tmp_path / "reports").glob("*/*/results.json")
    hyps = {h["id"]: h for h in json.loads(pack.read_text())["hypotheses"]}
    assert {k: h["verdict"] for k, h in hyps.items()} == {
        "NOT": "UNKNOWN", "HAS": "UNKNOWN", "REFS": "UNKNOWN", "FINE": "TRUE"}
    for hid in ("NOT", "HAS", "REFS"):
        assert "regex timed out" in hyps[hid]["reason"], hyps[hid]["reason"]


def test_a_repository_that_is_not_there_proves_nothing(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: GREP, claim: c, check: {kind: grep, pattern: x}}
        - {id: FILE, claim: c, check: {kind: file, path: a.txt, exists: false}}
    """, header="targets: {repo: {path: nothere}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"GREP": "UNKNOWN", "FILE": "UNKNOWN"}
    for hyp in res.results["hypotheses"]:
        assert hyp["reason"].startswith("the repository ")
        assert hyp["reason"].endswith("nothere is not a folder (targets: repo: path)")


DROP_DAC = ["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def _run_without_dac(tmp_path: Path) -> dict[str, dict] | None:
    """`certify run` in a real process that cannot read mode-000 folders even as root (setpriv),
    or None where that cannot be arranged."""
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0)
    try:
        if shutil.which("setpriv") is None:
            return None
        if os.geteuid() == 0 and subprocess.run(["setpriv", *DROP_DAC, "ls", str(probe)],
                                                capture_output=True).returncode == 0:
            return None
        prefix = ["setpriv", *DROP_DAC] if os.geteuid() == 0 else []
        proc = subprocess.run([*prefix, sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
        assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr
        (pack,) = (tmp_path / "reports").glob("*/*/results.json")
        return {h["id"]: h for h in json.loads(pack.read_text())["hypotheses"]}
    finally:
        probe.chmod(0o755)


def test_globs_into_folders_that_cannot_be_read_prove_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "ok.txt", "fine\n")
    write(root / "closed" / ".env", "AWS_SECRET=x\n")
    write(root / "closed" / "notes.txt", "AWS_SECRET=x\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: DEEP-ABSENT, claim: c, check: {kind: file, path: '**/.env', exists: false}}
        - {id: ABSENT, claim: c, check: {kind: file, path: 'closed/*.env', exists: false}}
        - {id: NOT, claim: c, check: {kind: file, path: '**/*.txt', not_contains: [AWS_SECRET]}}
        - {id: EXISTS, claim: c, check: {kind: file, path: 'closed/.env'}}
    """, header="targets: {repo: {path: repo}}\n"))
    (root / "closed").chmod(0)
    try:
        hyps = _run_without_dac(tmp_path)
    finally:
        (root / "closed").chmod(0o755)
    if hyps is None:
        pytest.skip("permissions cannot be enforced here")
    assert {k: h["verdict"] for k, h in hyps.items()} == dict.fromkeys(hyps, "UNKNOWN")
    assert "closed/" in hyps["DEEP-ABSENT"]["reason"]


def test_a_dangling_symlink_is_not_a_file_that_exists(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink("nowhere.lock", root / "package-lock.json")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    hyps = run_spec(tmp_path, """
        - {id: LOCK, claim: c, check: {kind: file, path: package-lock.json}}
        - {id: LOOP, claim: c, check: {kind: file, path: loop-a}}
        - {id: ABSENT, claim: c, check: {kind: file, path: package-lock.json, exists: false}}
    """)
    assert {k: h["verdict"] for k, h in hyps.items()} == {"LOCK": "FALSE", "LOOP": "FALSE", "ABSENT": "FALSE"}
    assert "dangling" in hyps["LOCK"]["reason"]

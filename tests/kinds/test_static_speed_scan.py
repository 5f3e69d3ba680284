"""The static scan's fast paths (ripgrep's plain output read in bulk, each pattern tested only on
the proposed lines holding what it requires, one read of git's state) give the answer Python's
`re` gives, line by line."""

from __future__ import annotations

import os
import re
import stat
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certify.targets import textscan
from tests.conftest import certify, git, spec_text, write

# Lines where Python's `re` and a naive reading disagree: (?i) lets the Kelvin sign match k and
# the long s match s; combining marks are not \w to Python; a NUL, a CR, a lone \x1c.
TRICKY = ["\u212aey = 1", "\u017fet-cookie: x", "SET-COOKIE: y", "api_key = 'abcdefghijklmnopq1'",
          "cafe\u0301 token=2", "e\u0301\u2192x", "na\u00efve eval(x)", "x = 1  # noqa", "a\x00b eval(",
          "DEBUG = True\r", "key\x1cvalue", "\u0130mport os", "logger.warning('x')", "grant all on t",
          "throw new Error(`e`)", "10.0.0.1", "", " ", "a" * 300]
PATTERNS = [r"(?i)key\s*=", r"(?i)set-cookie:", r"(?i)api[_-]?key\s*[:=]\s*['\"][A-Za-z0-9]{16,}",
            r"\btoken=", r"\b\u2192", r"\bna\u00efve\b", r"# noqa\b", r"eval\(", r"DEBUG = True$",
            r"key\svalue", r"(?i)import", r"(?i:import)\s+os", r"(logger\.warning|throw new Error)\(",
            r"(?:foo)?grant\s+all", r"\b(?:\d{1,3}\.){3}\d{1,3}\b", r"x{2,}|eval", r"(?i)gr[a]nt",
            r"(?:abc|x?)grant", r"\u212a", r"(?i)\u212aey"]


def _python(pattern: str, lines: list[str]) -> list[int]:
    rx = re.compile(pattern)
    return [k for k, line in enumerate(lines) if rx.search(line)]


def test_required_strings_are_what_every_match_holds() -> None:
    assert textscan.required_strings(r"TODO\(\w+\)") == (frozenset({"TODO("}), False)
    assert textscan.required_strings(r"(logger\.warning|raise ValueError)\(") == (
        frozenset({"logger.warning", "raise ValueError"}), False)
    assert textscan.required_strings(r"(?i)Set-Cookie:") == (frozenset({"set-cookie:"}), True)
    assert textscan.required_strings(r"(?:foo)?barbaz") == (frozenset({"barbaz"}), False)
    assert textscan.required_strings(r"(?:abc|x?)grant") == (frozenset({"grant"}), False)
    for nothing in (r"\b(?:\d{1,3}\.){3}\d{1,3}\b", r"a(?i:bcd)e", r"(?i)\u017fecret", r"ab|c", r"x*y"):
        assert textscan.required_strings(nothing) is None, nothing


def test_each_pattern_finds_on_the_proposed_lines_what_python_finds() -> None:
    lines = TRICKY * 3
    proposed = textscan.ProposedLines(lines)
    for pattern in PATTERNS:
        assert proposed.matching(re.compile(pattern)) == _python(pattern, lines), pattern


@settings(deadline=None, derandomize=True, max_examples=300)
@given(st.lists(st.text(alphabet="ksKS\u212a\u017f\u0130ie -=:'\"aptyog_\u00ef\u0301\u2192.0", max_size=24),
                max_size=12))
def test_narrowing_by_required_strings_loses_no_line(lines: list[str]) -> None:
    proposed = textscan.ProposedLines([line.replace("\n", " ") for line in lines])
    for pattern in PATTERNS:
        assert proposed.matching(re.compile(pattern)) == _python(pattern, proposed.lines), pattern


def test_ripgreps_output_is_read_whatever_names_and_lines_hold(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are cut at any byte (a read of 7 bytes at a time): names holding a newline, a colon
    and an undecodable byte, lines holding NUL, CR and invalid UTF-8, one line past a read's size."""
    monkeypatch.setattr(textscan, "READ_BYTES", 7)
    (tmp_path / "odd\nname: 1.txt").write_bytes(b"x needle\r\nnone\nneedle\x00 2:needle\n")
    (tmp_path / os.fsdecode(b"bad\xffname.txt")).write_bytes(b"caf\xe9 needle\n\xff\xfe")
    (tmp_path / "long.txt").write_bytes(b"a" * 40 + b" needle " + b"b" * 40 + b"\nneedle")
    files = textscan.list_files(tmp_path).files
    got = textscan.scan(tmp_path, files, {"needle": time.monotonic() + 30})["needle"]
    assert isinstance(got, list)
    expected = [(rel, n, line) for rel in files
                for n, line in enumerate(textscan.split_lines(textscan.read_text(tmp_path / rel)), 1)
                if "needle" in line]
    assert [tuple(m) for m in got] == expected
    assert [(m.path, m.line) for m in got] == [
        (os.fsdecode(b"bad\xffname.txt"), 1), ("long.txt", 1), ("long.txt", 2),
        ("odd\nname: 1.txt", 1), ("odd\nname: 1.txt", 3)]


def test_non_ascii_word_boundaries_are_read_as_python_reads_them(tmp_path: Path) -> None:
    r"""ripgrep is sent the patterns without \b (a looser pattern: it proposes more lines, never
    fewer); Python's `re` decides. An ASCII \b would have lost the line where a boundary sits
    between an accented letter and an arrow, which only Unicode sees."""
    lines = ["e\u0301\u2192x", "caf\u00e9\u2192", "na\u00efve token", "xna\u00efve", "\u00e9t\u00e9 token=1",
             "cafe\u0301token=1", "plain token=2"]
    write(tmp_path / "repo" / "a.txt", "\n".join(lines) + "\n")
    patterns = {"ARROW": "\\b\u2192", "WORD": "\\bna\u00efve\\b", "INSIDE": "\\Bna\u00efve",
                "TOKEN": r"\btoken="}
    write(tmp_path / "checks.yaml", spec_text("\n".join(
        f"- {{id: {k}, claim: c, check: {{kind: grep, pattern: '{p}', expect: '>= 0'}}}}"
        for k, p in patterns.items()), header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    found = {h["id"]: [f["where"] for f in h["checks"][0]["findings"]] for h in res.results["hypotheses"]}
    assert found == {k: [f"a.txt:{n + 1}" for n in _python(p, lines)] for k, p in patterns.items()}
    assert found["ARROW"] == ["a.txt:2"] and found["INSIDE"] == ["a.txt:4"]


def test_a_run_reads_the_repositorys_git_state_once(tmp_path: Path) -> None:
    """Every grep check asks for the repository's state as it starts; it is read once (32
    checks in flight each ran git status, rev-parse...)."""
    calls = tmp_path / "git-calls"
    wrapper = tmp_path / "bin" / "git"
    real = next(Path(d) / "git" for d in os.environ["PATH"].split(os.pathsep) if (Path(d) / "git").is_file())
    write(wrapper, f"""#!/bin/sh
        echo "$*" >> {calls}
        exec {real} "$@"
    """)
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    repo = tmp_path / "repo"
    write(repo / "a.py", "print(1)\n")
    git(repo, "init", "-q")
    write(tmp_path / "checks.yaml", spec_text("\n".join(
        f"- {{id: H{i}, claim: c, check: {{kind: grep, pattern: 'print{i}\\(', expect: none}}}}"
        for i in range(12)), header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path,
                  env={"PATH": f"{wrapper.parent}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                               f"{os.environ['PATH']}"})
    assert res.exit_code == 0, res.stdout + res.stderr
    status = [c for c in calls.read_text().splitlines() if " status " in f" {c} "]
    assert len(status) == 1, status

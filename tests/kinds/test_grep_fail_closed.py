"""grep fails closed: what it scans is what the spec names (`paths: [.]`, every file git tracks),
a scope that reaches nothing is UNKNOWN, lines are numbered as the scanner numbers them, text is
decoded whatever its byte-order mark, and a runaway regex is stopped at the check's timeout."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import certify, certify_process, git, spec_text, write

SECRET = "SECRET_X=1"


def run_spec(tmp_path: Path, hypotheses: str) -> dict[str, dict]:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stdout + res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def only(hyp: dict) -> dict:
    (check,) = hyp["checks"]
    return check


def wheres(hyp: dict) -> list[str]:
    return sorted(f["where"] for f in only(hyp)["findings"])


# ------------------------------------------------------------------ paths: [.] and friends

@pytest.mark.parametrize("in_git", [True, False], ids=["git", "no-git"])
def test_dot_paths_mean_what_they_say(tmp_path: Path, in_git: bool) -> None:
    root = tmp_path / "repo"
    write(root / "settings.env", f"{SECRET}\n")
    write(root / "src" / "app.py", f"{SECRET}\n")
    write(root / "lib" / "src" / "other.py", f"{SECRET}\n")
    if in_git:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "c")
    hyps = run_spec(tmp_path, """
        - {id: DOT, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [.]}}
        - {id: DOT-SLASH, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [./]}}
        - {id: DOT-SRC, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [./src]}}
        - {id: SRC-DOT, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [src/.]}}
    """)
    assert {k: h["verdict"] for k, h in hyps.items()} == dict.fromkeys(hyps, "FALSE")
    assert wheres(hyps["DOT"]) == wheres(hyps["DOT-SLASH"]) == [
        "lib/src/other.py:1", "settings.env:1", "src/app.py:1"]
    # ./src and src/. name the folder at the root, not every folder called src
    assert wheres(hyps["DOT-SRC"]) == wheres(hyps["SRC-DOT"]) == ["src/app.py:1"]


# ------------------------------------------------------------------ what is scanned: git's list

def _oracle(root: Path) -> list[str]:
    out = subprocess.run(["git", "-c", "core.excludesFile=", "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"],
                         cwd=root, capture_output=True, check=True).stdout
    return sorted(p for p in os.fsdecode(out).split("\0") if p)


def test_every_tracked_file_is_scanned_even_when_gitignore_matches_it(tmp_path: Path) -> None:
    """The files scanned are exactly what `git ls-files --cached --others --exclude-standard`
    lists: a committed .env later ignored is scanned; .ignore/.rgignore do not narrow it."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / ".env", "AWS_SECRET_ACCESS_KEY=MARK\n")
    write(root / "app.py", "MARK\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "c")
    write(root / ".gitignore", ".env\nbuild/\n")
    write(root / "build" / "out.txt", "MARK\n")  # ignored, untracked: not scanned
    write(root / "new.txt", "MARK\n")  # untracked, not ignored: scanned
    write(root / ".ignore", "app.py\n")
    write(root / "sub" / ".rgignore", "*.txt\n")
    write(root / "sub" / "kept.txt", "MARK\n")
    write(root / ".gitignore2", "MARK\n")
    hyps = run_spec(tmp_path, """
        - {id: ALL, claim: c, check: {kind: grep, pattern: MARK, expect: some}}
        - {id: NONE, claim: c, check: {kind: grep, pattern: AWS_SECRET_ACCESS_KEY}}
    """)
    scanned = sorted(w.rsplit(":", 1)[0] for w in wheres(hyps["ALL"]))
    oracle = [p for p in _oracle(root) if "MARK" in (root / p).read_text()]
    assert scanned == oracle
    assert ".env" in scanned and "build/out.txt" not in scanned and "sub/kept.txt" in scanned
    assert hyps["NONE"]["verdict"] == "FALSE"
    assert wheres(hyps["NONE"]) == [".env:1"]


def test_off_git_gitignore_is_honoured_but_not_ignore_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / ".gitignore", "build/\n")
    write(root / "build" / "out.txt", "MARK\n")
    write(root / ".ignore", "a.txt\n")
    write(root / ".rgignore", "b.txt\n")
    write(root / "a.txt", "MARK\n")
    write(root / "b.txt", "MARK\n")
    hyps = run_spec(tmp_path, """
        - {id: ALL, claim: c, check: {kind: grep, pattern: MARK, expect: some}}
    """)
    assert wheres(hyps["ALL"]) == ["a.txt:1", "b.txt:1"]


# ------------------------------------------------------------------ a scope that reaches nothing

def test_paths_that_match_no_file_are_unknown_unless_allowed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "a.py", "fine\n")
    hyps = run_spec(tmp_path, """
        - {id: NOWHERE, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [does/not/exist/]}}
        - id: ALLOWED
          claim: c
          check: {kind: grep, pattern: SECRET_X, paths: [does/not/exist/], allow_empty: true}
        - {id: ONE-OF-TWO, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [src/, nope/]}}
        - id: ALL-EXCLUDED
          claim: c
          check: {kind: grep, pattern: SECRET_X, paths: [src/], exclude: ['*.py']}
    """)
    verdicts = {k: h["verdict"] for k, h in hyps.items()}
    assert verdicts == {"NOWHERE": "UNKNOWN", "ALLOWED": "TRUE", "ONE-OF-TWO": "TRUE",
                        "ALL-EXCLUDED": "UNKNOWN"}
    assert hyps["NOWHERE"]["reason"].startswith("paths matched no file: does/not/exist/")
    assert "note: paths: nope/ matched no file" in only(hyps["ONE-OF-TWO"])["output"]


# ------------------------------------------------------------------ line splitting

def test_then_blocks_are_numbered_as_the_scanner_numbers_lines(tmp_path: Path) -> None:
    """A form feed (which str.splitlines splits on) above a route must not shift its block onto
    another function's ownership call."""
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "routes.py").write_text(
        'X = "\f\f\f\f"\n'
        "def helper(twin_id):\n"
        "    verify_twin_ownership(twin_id)\n"
        '@router.delete("/twins/{twin_id}")\n'
        "def remove(twin_id):\n"
        "    return 1\n")
    hyps = run_spec(tmp_path, r"""
        - id: OWN
          claim: c
          check: {kind: grep, pattern: '@router\.delete', then: 'verify_twin_ownership\(', window: 3}
    """)
    assert hyps["OWN"]["verdict"] == "FALSE"
    assert wheres(hyps["OWN"]) == ["app/routes.py:4"]


def test_python_scan_numbers_lines_like_ripgrep(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.txt").write_text("one\x1ctwo\u2028three\x85\nSECRET_X\r\nlast\rSECRET_X\n")
    hyps = run_spec(tmp_path, """
        - {id: RG, claim: c, check: {kind: grep, pattern: 'SECRET_X', expect: some}}
        - {id: PY, claim: c, check: {kind: grep, pattern: 'SECRET_X(?!y)', expect: some}}
    """)
    assert wheres(hyps["RG"]) == wheres(hyps["PY"]) == ["a.txt:2", "a.txt:3"]


# ------------------------------------------------------------------ encodings, binaries, links

@pytest.mark.parametrize("pattern", ["SECRET_X", "SECRET_X(?!y)"], ids=["ripgrep", "python"])
def test_bom_text_and_late_nul_bytes_are_read(tmp_path: Path, pattern: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "le.txt").write_bytes("\ufeffhello\nSECRET_X=1\n".encode("utf-16-le"))
    (root / "be.txt").write_bytes("\ufeffhello\nSECRET_X=1\n".encode("utf-16-be"))
    (root / "late.txt").write_bytes(b"x" * 9000 + b"\n\0\nSECRET_X=1\n")
    hyps = run_spec(tmp_path, f"""
        - {{id: NONE, claim: c, check: {{kind: grep, pattern: '{pattern}'}}}}
    """)
    assert hyps["NONE"]["verdict"] == "FALSE"
    assert wheres(hyps["NONE"]) == ["be.txt:2", "late.txt:3", "le.txt:2"]


def test_symlinks_inside_the_repo_are_followed_not_outside_ones(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "shared" / "app.env", f"{SECRET}\n")
    write(tmp_path / "outside.env", f"{SECRET}\n")
    (root / "config").mkdir()
    os.symlink("../shared/app.env", root / "config" / "app.env")
    os.symlink(tmp_path / "outside.env", root / "config" / "outside.env")
    os.symlink("loop2", root / "config" / "loop1")
    os.symlink("loop1", root / "config" / "loop2")
    hyps = run_spec(tmp_path, """
        - {id: CONFIG, claim: c, check: {kind: grep, pattern: SECRET_X, paths: [config/]}}
    """)
    assert hyps["CONFIG"]["verdict"] == "FALSE"
    assert wheres(hyps["CONFIG"]) == ["config/app.env:1"]
    assert "config/outside.env" in only(hyps["CONFIG"])["output"]  # listed as not followed


# ------------------------------------------------------------------ runaway regexes

CATASTROPHIC = "a" * 40


def _runaway_spec(tmp_path: Path, timeout: int) -> None:
    root = tmp_path / "repo"
    write(root / "a.txt", f"fine\n{CATASTROPHIC}d\n{CATASTROPHIC}c\n{CATASTROPHIC}\n")
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: LOOKAROUND
          claim: c
          check: {{kind: grep, pattern: '(a+)+$(?=b)', timeout: {timeout}}}
        - id: ATTRIBUTION
          claim: ripgrep proposes the line, Python's re decides
          check: {{kind: grep, pattern: '(a+)+b|c', timeout: {timeout}}}
        - id: THEN
          claim: c
          check: {{kind: grep, pattern: 'fine', then: '(a+)+b|d', timeout: {timeout}}}
        - id: PLAIN
          claim: c
          check: {{kind: grep, pattern: 'fine', expect: 1, timeout: 30}}  # not starved by the others
    """, header="targets: {repo: {path: repo}}\n"))


def test_a_runaway_regex_is_unknown_at_the_check_timeout(tmp_path: Path) -> None:
    _runaway_spec(tmp_path, 3)
    start = time.monotonic()
    proc = certify_process("run", "-q", cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - start
    assert elapsed < 15, f"took {elapsed:.1f}s"
    assert proc.returncode == 3, proc.stdout + proc.stderr  # UNKNOWN, not FALSE or TRUE
    packs = list((tmp_path / "reports").glob("*/*/results.json"))
    assert len(packs) == 1
    hyps = {h["id"]: h for h in json.loads(packs[0].read_text())["hypotheses"]}
    assert {k: h["verdict"] for k, h in hyps.items()} == {
        "LOOKAROUND": "UNKNOWN", "ATTRIBUTION": "UNKNOWN", "THEN": "UNKNOWN", "PLAIN": "TRUE"}
    for hid in ("LOOKAROUND", "ATTRIBUTION", "THEN"):
        assert "regex timed out" in hyps[hid]["reason"], hyps[hid]["reason"]


def _regex_worker_of(pid: int) -> bool:
    """Whether the process has a regex worker (textscan.py run as a script) among its children."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += (task / "children").read_text().split()
    for child in children:
        with contextlib.suppress(OSError):
            if b"textscan.py" in Path(f"/proc/{child}/cmdline").read_bytes():
                return True
    return False


def test_sigterm_stops_a_runaway_regex_and_writes_the_pack(tmp_path: Path) -> None:
    _runaway_spec(tmp_path, 600)
    proc = subprocess.Popen([sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not _regex_worker_of(proc.pid) and time.monotonic() < deadline:  # stuck in the regexes
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("SIGTERM did not stop the run")
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    assert len(list((tmp_path / "reports").glob("*/*/EVIDENCE.md"))) == 1


@pytest.mark.parametrize(("paths", "message"), [
    ("['']", "paths: an empty path (use . for the whole repository)"),
    ("['../other']", "paths: ../other leaves the repository"),
])
def test_paths_that_cannot_name_repository_files_are_spec_errors(tmp_path: Path, paths: str,
                                                                 message: str) -> None:
    (tmp_path / "repo").mkdir()
    write(tmp_path / "checks.yaml", spec_text(f"""
        - {{id: H, claim: c, check: {{kind: grep, pattern: x, paths: {paths}}}}}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 2
    (line,) = [x for x in (res.stdout + res.stderr).splitlines() if message in x]
    assert line.startswith("checks.yaml:") and "Traceback" not in res.stdout + res.stderr


def test_a_file_in_a_merge_conflict_is_scanned_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "a.txt", "base\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "checkout", "-qb", "other")
    write(root / "a.txt", "other\n")
    git(root, "commit", "-qam", "other")
    git(root, "checkout", "-q", "main")
    write(root / "a.txt", "mine\n")
    git(root, "commit", "-qam", "mine")
    subprocess.run(["git", "merge", "-q", "other"], cwd=root, capture_output=True)  # conflicts
    hyps = run_spec(tmp_path, """
        - {id: ONE, claim: c, check: {kind: grep, pattern: '^<<<<<<<', expect: 1}}
    """)
    assert hyps["ONE"]["verdict"] == "TRUE", hyps["ONE"]["reason"]


@pytest.mark.filterwarnings("ignore:Possible:FutureWarning")  # Python's own note on [a&&b], [[:
def test_lines_python_matches_are_never_lost_to_ripgreps_syntax(tmp_path: Path) -> None:
    """ripgrep only proposes lines and Python's `re` decides: where the engines read a pattern
    differently, ripgrep must still propose every line Python would match."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.txt").write_bytes("key\x1cvalue\nmid\rline\nx\u00b2\nq & r\nbad :] here\n".encode())
    hyps = run_spec(tmp_path, r"""
        - {id: SPACE, claim: c, check: {kind: grep, pattern: 'key\svalue'}}
        - {id: DOT, claim: c, check: {kind: grep, pattern: 'mid.line'}}
        - {id: WORD, claim: c, check: {kind: grep, pattern: 'x\w'}}
        - {id: AND, claim: c, check: {kind: grep, pattern: 'q [a&&b] r'}}
        - {id: POSIX, claim: c, check: {kind: grep, pattern: 'bad [[:alpha:]]'}}
    """)
    assert {k: h["verdict"] for k, h in hyps.items()} == dict.fromkeys(hyps, "FALSE")
    assert [wheres(hyps[k]) for k in ("SPACE", "DOT", "WORD", "AND", "POSIX")] == [
        ["a.txt:1"], ["a.txt:2"], ["a.txt:3"], ["a.txt:4"], ["a.txt:5"]]


def test_crlf_line_ends_do_not_hide_end_anchored_matches(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "settings.py").write_bytes(b"DEBUG = True\r\nX = 1\r\n")
    hyps = run_spec(tmp_path, r"""
        - {id: RG, claim: c, check: {kind: grep, pattern: 'DEBUG = True$'}}
        - {id: PY, claim: c, check: {kind: grep, pattern: 'DEBUG = True$(?!x)'}}
    """)
    assert wheres(hyps["RG"]) == wheres(hyps["PY"]) == ["settings.py:1"]


def test_thousands_of_unreadable_paths_do_not_stall_the_scan(tmp_path: Path) -> None:
    """ripgrep's complaints fill its stderr pipe; they are read as they come, not after."""
    from certify.targets import textscan

    write(tmp_path / "a.txt", "MARK\n")
    gone = [f"gone/{'x' * 40}{i}.txt" for i in range(3000)]  # vanished since they were listed
    start = time.monotonic()
    unreadable: list[str] = []
    res = textscan.scan(tmp_path, ["a.txt", *gone], {"MARK": time.monotonic() + 20}, unreadable)
    assert time.monotonic() - start < 10
    assert [(m.path, m.line) for m in res["MARK"]] == [("a.txt", 1)]  # type: ignore[union-attr]
    assert len(unreadable) == 3000


@pytest.mark.parametrize("pattern", ["KEY=", "KEY=(?!x)"], ids=["ripgrep", "grep-P"])
def test_reproduce_lines_in_git_list_what_the_check_found(tmp_path: Path, pattern: str) -> None:
    """The pack's reproduce line, pasted into a shell, lists the lines the check found: the
    committed .env that .gitignore now matches too, paths and excludes applied."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "app" / ".env", "KEY=1\n")
    write(root / "app" / "vendor" / "lib.py", "KEY=2\n")
    write(root / "app" / "main.py", "x = 1\nKEY=3\n")
    write(root / "other.py", "KEY=4\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "c")
    write(root / ".gitignore", ".env\n")
    hyps = run_spec(tmp_path, f"""
        - {{id: H, claim: c, check: {{kind: grep, pattern: '{pattern}', paths: [app/], exclude: [vendor]}}}}
    """)
    check = only(hyps["H"])
    assert wheres(hyps["H"]) == ["app/.env:1", "app/main.py:2"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # the rg wheel
    out = subprocess.run(["bash", "-c", check["reproduce"]], env=env, capture_output=True, text=True,
                         cwd=tmp_path)
    assert out.returncode == 0, (check["reproduce"], out.stderr)
    found = sorted(":".join(line.split(":")[:2]) for line in out.stdout.splitlines())
    assert found == ["app/.env:1", "app/main.py:2"], check["reproduce"]


def test_repositories_inside_the_repository_are_scanned(tmp_path: Path) -> None:
    """An untracked clone inside the tree (git lists only its folder) is scanned with what its
    own git tracks."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "a.txt", "fine\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "c")
    inner = root / "vendor" / "lib"
    inner.mkdir(parents=True)
    git(inner, "init", "-q")
    write(inner / "config.py", f"{SECRET}\n")
    write(inner / ".gitignore", "config.py\n")
    git(inner, "add", "-f", "config.py", ".gitignore")
    git(inner, "commit", "-qm", "c")
    hyps = run_spec(tmp_path, """
        - {id: NONE, claim: c, check: {kind: grep, pattern: SECRET_X}}
    """)
    assert wheres(hyps["NONE"]) == ["vendor/lib/config.py:1"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to own a repository as another user")
def test_a_repository_owned_by_another_user_is_still_listed_by_git(tmp_path: Path) -> None:
    """git refuses such a repository ("dubious ownership"); its listing must still include
    every tracked file, not fall back to what .gitignore leaves."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / ".env", "AWS_SECRET_ACCESS_KEY=x\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "c")
    write(root / ".gitignore", ".env\n")
    for p in [root, *root.rglob("*")]:
        os.lchown(p, 12345, 12345)
    hyps = run_spec(tmp_path, """
        - {id: NONE, claim: c, check: {kind: grep, pattern: AWS_SECRET_ACCESS_KEY}}
    """)
    assert wheres(hyps["NONE"]) == [".env:1"]


def test_the_auditors_own_global_gitignore_does_not_narrow_the_scan(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "a.txt", "fine\n")
    write(root / "notes.secret", f"{SECRET}\n")  # untracked; ignored only by the user's global file
    home = tmp_path / "home"
    write(home / "global-ignore", "*.secret\n")
    write(home / ".gitconfig", f"[core]\n\texcludesFile = {home / 'global-ignore'}\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: NONE, claim: c, check: {kind: grep, pattern: SECRET_X}}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home)})
    assert res.verdicts == {"NONE": "FALSE"}


def test_word_classes_and_boundaries_are_read_as_python_reads_them(tmp_path: Path) -> None:
    """Python's \\w leaves out combining marks, which ripgrep's counts as word characters: \\b
    and \\W see a boundary there for Python, not for ripgrep."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.txt").write_text("cafe\u0301token=1\nx\u0301y\nk\u0301_v\n")
    hyps = run_spec(tmp_path, r"""
        - {id: BOUNDARY, claim: c, check: {kind: grep, pattern: '\btoken='}}
        - {id: NONWORD, claim: c, check: {kind: grep, pattern: 'x\Wy'}}
        - {id: NEGATED, claim: c, check: {kind: grep, pattern: 'k[^\w]_'}}
    """)
    assert [wheres(hyps[k]) for k in ("BOUNDARY", "NONWORD", "NEGATED")] == [
        ["a.txt:1"], ["a.txt:2"], ["a.txt:3"]]


def test_then_over_no_match_proves_nothing_unless_zero_is_acceptable(tmp_path: Path) -> None:
    """`then` is a claim about every match: with none (a renamed decorator, a moved folder) it
    was TRUE 'all 0 matches are followed by ...'."""
    write(tmp_path / "app/routes.py", "@app.get('/health')\ndef health(): return 1\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: NONE
          claim: every twin route checks ownership
          check: {kind: grep, pattern: '@router\\.get\\(.*twin_id', then: 'verify_twin_ownership\\('}
        - id: ZERO-OK
          claim: every twin route (there may be none) checks ownership
          check: {kind: grep, pattern: '@router\\.get\\(.*twin_id', then: 'verify\\(', expect: ">= 0"}
        - id: ALLOWED
          claim: the same, allowing an empty scope
          check: {kind: grep, pattern: '@router\\.get\\(.*twin_id', then: 'verify\\(', allow_empty: true}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"NONE": "UNKNOWN", "ZERO-OK": "TRUE", "ALLOWED": "TRUE"}
    reason = {h["id"]: h["reason"] for h in res.results["hypotheses"]}["NONE"]
    assert reason.startswith("pattern matched no line: /@router\\.get\\(.*twin_id/"), reason

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from certify.targets import textscan
from tests.conftest import certify, git, spec_text, write


def run_spec(tmp_path: Path, hypotheses: str) -> dict:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def routes_repo(root: Path) -> None:
    write(root / "app" / "routes.py", '''
        @router.get("/twins/{twin_id}")
        def get_twin(twin_id):
            verify_twin_ownership(twin_id)
            return 1

        @router.delete("/twins/{twin_id}")
        def delete_twin(twin_id):
            return 2

        @router.post("/twins/{twin_id}/x")
        def x(twin_id):
            a = 1
            b = 2
            verify_twin_ownership(twin_id)
    ''')
    write(root / "build" / "gen.py", '@router.get("/twins/{twin_id}")\ndef gen(): pass\n')
    write(root / ".gitignore", "build/\n")


def test_then_within_window_reports_each_violation_with_file_and_line(tmp_path: Path) -> None:
    routes_repo(tmp_path / "repo")
    hyps = run_spec(tmp_path, r"""
        - id: OWN
          claim: every twin route verifies ownership
          check:
            kind: grep
            pattern: '@router\.\w+\(".*\{twin_id\}'
            then: 'verify_twin_ownership\('
            window: 4
        - id: NARROW
          claim: a window too small misses the late call
          check:
            kind: grep
            pattern: '@router\.post\(".*\{twin_id\}'
            then: 'verify_twin_ownership\('
            window: 2
    """)
    own = hyps["OWN"]
    assert own["verdict"] == "FALSE"
    (check,) = own["checks"]
    assert [f["where"] for f in check["findings"]] == ["app/routes.py:6"]
    assert "delete" in check["findings"][0]["what"]
    assert check["values"] == {"matches": 3, "violations": 1}  # build/ is gitignored
    assert own["reason"].startswith(r"1 of 3 matches lack /verify_twin_ownership\(/: app/routes.py:6: ")
    assert hyps["NARROW"]["verdict"] == "FALSE"


def test_block_ends_at_the_next_match(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "a.py", "route A\nroute B\ncheck()\n")
    hyps = run_spec(tmp_path, """
        - id: H
          claim: c
          check: {kind: grep, pattern: '^route', then: 'check\\(', window: 5}
    """)
    (check,) = hyps["H"]["checks"]
    assert [f["where"] for f in check["findings"]] == ["a.py:1"]


def test_expectations_paths_and_excludes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "a.py", "print('x')\nprint('y')\n")
    write(root / "src" / "vendor" / "b.py", "print('z')\n")
    write(root / "src" / "c.py", "log('c')\n")
    write(root / "docs" / "c.md", "print('doc')\n")
    hyps = run_spec(tmp_path, """
        - id: NONE-FAILS
          claim: no print in src
          check: {kind: grep, pattern: 'print\\(', paths: [src/], exclude: [src/vendor/]}
        - id: NONE-PASSES
          claim: no print in src outside a.py
          check: {kind: grep, pattern: 'print\\(', paths: [src], exclude: ['**/a.py', vendor]}
        - id: SOME
          claim: docs mention print
          check: {kind: grep, pattern: 'print', paths: ['docs/*.md'], expect: some}
        - id: COUNT
          claim: exactly four prints overall
          check: {kind: grep, pattern: 'print\\(', expect: 4}
        - id: RANGE-FAILS
          claim: at most 2 prints
          check: {kind: grep, pattern: 'print\\(', expect: '0..2'}
    """)
    verdicts = {k: v["verdict"] for k, v in hyps.items()}
    assert verdicts == {"NONE-FAILS": "FALSE", "NONE-PASSES": "TRUE", "SOME": "TRUE",
                        "COUNT": "TRUE", "RANGE-FAILS": "FALSE"}
    where = [f["where"] for f in hyps["NONE-FAILS"]["checks"][0]["findings"]]
    assert where == ["src/a.py:1", "src/a.py:2"]
    assert "rg -Hn" in hyps["COUNT"]["checks"][0]["reproduce"]


def test_gitignore_is_honoured_in_a_real_git_repo(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / ".gitignore", "secret/\n")
    write(root / "secret" / "k.txt", "TOKEN_ABC\n")
    write(root / "ok.txt", "fine\n")
    hyps = run_spec(tmp_path, """
        - id: H
          claim: no token outside ignored files
          check: {kind: grep, pattern: 'TOKEN_'}
    """)
    assert hyps["H"]["verdict"] == "TRUE"


def test_binary_and_non_utf8_files_are_read_as_text(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "text.txt", "needle here\n")
    (root / "blob.bin").write_bytes(b"\x00\x01needle\x00" * 100)
    (root / "latin1.txt").write_bytes("caf\xe9 needle\n".encode("latin-1"))
    hyps = run_spec(tmp_path, """
        - id: H
          claim: c
          check: {kind: grep, pattern: 'needle', expect: some}
    """)
    where = sorted(f["where"] for f in hyps["H"]["checks"][0]["findings"])
    assert where == ["blob.bin:1", "latin1.txt:1", "text.txt:1"]


def test_python_fallback_gives_the_same_answer_as_ripgrep(tmp_path: Path) -> None:
    """Look-arounds are scanned in Python; plain patterns through ripgrep; same results."""
    write(tmp_path / "a.py", "foo(1)\nfoo_bar(2)\nbar(3)\n")
    write(tmp_path / "b.py", "foo(4)\n")
    lookahead = r"foo(?!_)"  # ripgrep's default engine refuses this
    plain = r"foo\("
    files = textscan.list_files(tmp_path).files
    res = textscan.scan(tmp_path, files, dict.fromkeys([lookahead, plain], time.monotonic() + 30))
    as_tuples = {p: [(m.path, m.line) for m in ms] for p, ms in res.items() if isinstance(ms, list)}
    assert as_tuples[lookahead] == as_tuples[plain] == [("a.py", 1), ("b.py", 1)]


def test_reproduce_lines_find_the_same_lines(tmp_path: Path) -> None:
    """The pack's reproduce line, pasted into a shell, lists the lines the check found: through
    ripgrep for plain patterns, GNU grep -P for those ripgrep's engine refuses."""
    repo = tmp_path / "repo"
    write(repo / "app" / "a.py", "foo(1)\nfoo_bar(2)\nbar(3)\n")
    write(repo / "app" / "b.py", "foo(4)\n")
    write(repo / "vendor" / "c.py", "foo(5)\n")
    hyps = run_spec(tmp_path, r"""
        - {id: PLAIN, claim: c, check: {kind: grep, pattern: 'foo\(', exclude: [vendor/], expect: some}}
        - {id: LOOK, claim: c, check: {kind: grep, pattern: 'foo(?!_)', exclude: [vendor/], expect: some}}
    """)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # the rg wheel
    for hyp in ("PLAIN", "LOOK"):
        check = hyps[hyp]["checks"][0]
        assert [f["where"] for f in check["findings"]] == ["app/a.py:1", "app/b.py:1"]
        out = subprocess.run(["bash", "-c", check["reproduce"]], env=env, capture_output=True, text=True,
                             cwd=tmp_path)  # the pack's paths are relative to the spec's folder
        assert out.returncode == 0, (check["reproduce"], out.stderr)
        found = sorted(":".join(line.removeprefix("./").split(":")[:2]) for line in out.stdout.splitlines())
        assert found == ["app/a.py:1", "app/b.py:1"], check["reproduce"]

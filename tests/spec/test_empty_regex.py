"""A regular expression that matches an empty line matches every line: `expect: some`,
`contains` and `then` would hold whatever the text says. It is a spec error, quoted as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import certify, spec_text, write


@pytest.mark.parametrize("check", [
    'kind: grep, pattern: "${MARKER:-}", expect: some',
    "kind: grep, pattern: hello, then: 'x*'",
    "kind: file, path: a.txt, contains: ['^']",
    "kind: command, run: 'echo ok', expect: {stdout: ['(ok)?']}",
])
def test_a_regex_that_matches_an_empty_line_is_refused(tmp_path: Path, check: str) -> None:
    write(tmp_path / "a.txt", "hello\n")
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: EMPTY
          claim: the release marker is present
          check: {{{check}}}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "checks.yaml:6:" in lines[0], lines
    assert "matches an empty line, so it matches every line and proves nothing" in lines[0]
    assert not (tmp_path / "reports").exists()

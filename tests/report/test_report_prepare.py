"""`certify run` loads EVIDENCE.md's template while its checks run, not after them: the time
between the last check and the verdict is the pack's writing only."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import jinja2
import pytest

from certify.report import markdown
from tests.conftest import certify, spec_text, write


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads that load a template from here on."""
    seen: list[str] = []
    get_template = jinja2.Environment.get_template

    def counted(self: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return get_template(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "get_template", counted)
    return seen


def _evidence(tmp_path: Path) -> str:
    write(tmp_path / "f.txt", "x\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: f.txt is there
          check: {kind: file, path: f.txt}
    """))
    res = certify("run", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    return re.sub(r"\d", "0", (res.pack / "EVIDENCE.md").read_text())


def test_the_template_is_loaded_beside_the_checks_once_per_run(tmp_path: Path, loads: list[str]) -> None:
    first = _evidence(tmp_path)
    assert loads == ["report-prepare"]
    assert _evidence(tmp_path) == first
    assert loads == ["report-prepare", "report-prepare"]
    assert not markdown._prepared  # each run took what it prepared, none is left for another


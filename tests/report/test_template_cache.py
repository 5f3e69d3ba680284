"""EVIDENCE.md's template is compiled once, not by every run, and the pack never depends on the
compiled copy: a damaged or unusable cache only means compiling again. `certify run` loads it while
its checks run, not after them: the time between the last check and the verdict is the pack's
writing only."""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import jinja2
import pytest

from certify.report import markdown
from tests.conftest import certify, spec_text, write


@pytest.fixture
def compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates Jinja compiles from here on, with a temp directory (and so a cache) of the
    test's own."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any,
                **kwargs: Any) -> Any:
        seen.append(str(name))
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return seen


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
    """EVIDENCE.md of a one-check run, its digits (times, durations) made zeros."""
    write(tmp_path / "f.txt", "x\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: f.txt is there
          check: {kind: file, path: f.txt}
    """))
    res = certify("run", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    return re.sub(r"\d", "0", (res.pack / "EVIDENCE.md").read_text())


def test_the_second_run_does_not_compile_the_template(tmp_path: Path, compiles: list[str]) -> None:
    first = _evidence(tmp_path)
    assert compiles == ["EVIDENCE.md.j2"]
    assert _evidence(tmp_path) == first
    assert compiles == ["EVIDENCE.md.j2"]


def test_a_damaged_cache_is_compiled_again(tmp_path: Path, compiles: list[str]) -> None:
    first = _evidence(tmp_path)
    (cached,) = (tmp_path / "temp").glob("*/certify-*.cache")
    cached.write_bytes(cached.read_bytes()[:40] + b"\x00garbage")
    assert _evidence(tmp_path) == first
    assert compiles == ["EVIDENCE.md.j2", "EVIDENCE.md.j2"]
    assert _evidence(tmp_path) == first  # and the new copy serves the next run
    assert len(compiles) == 2


def test_no_usable_temp_directory_still_writes_the_pack(tmp_path: Path, compiles: list[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "not-a-folder"))
    first = _evidence(tmp_path)
    assert _evidence(tmp_path) == first
    assert compiles == ["EVIDENCE.md.j2", "EVIDENCE.md.j2"]


def test_the_template_is_loaded_beside_the_checks_once_per_run(tmp_path: Path, loads: list[str]) -> None:
    first = _evidence(tmp_path)
    assert loads == ["report-prepare"]
    assert _evidence(tmp_path) == first
    assert loads == ["report-prepare", "report-prepare"]
    assert not markdown._prepared  # each run took what it prepared, none is left for another

"""The loader cannot be made to hang, to eat memory, or to let two hypotheses share evidence:
only regular files of bounded size are read, glob includes walk a bounded tree, ids are safe
names that cannot collide once slugged, and only `${...}` is interpolation."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from certify.kinds.registry import REGISTRY
from certify.spec.loader import MAX_GLOB_FILES, MAX_SPEC_BYTES, load_spec
from tests.conftest import ROOT, certify, spec_text, write

ONE_HYP = "hypotheses:\n  - {id: H1, claim: c, check: {kind: file, path: x}}\n"
POSITIONED = re.compile(r"^\S+:\d+:\d+: \S.*$")


def certify_bounded(*args: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m certify ARGS` with a 1 GiB memory cap: a loader that reads without end fails
    the test instead of the machine."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "certify", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def one_positioned_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert POSITIONED.match(line), line
    return line


def test_a_fifo_as_the_spec_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    for command in ("validate", "run"):
        line = one_positioned_error(certify_bounded(command, "fifo.yaml", cwd=tmp_path, timeout=20))
        assert line.startswith("fifo.yaml:1:1: fifo.yaml: not a regular file (a FIFO)"), line


def test_including_a_device_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", "certify: 1\nphase: p\ninclude: [/dev/zero]\n" + ONE_HYP)
    line = one_positioned_error(certify_bounded("validate", cwd=tmp_path, timeout=20))
    assert line.startswith("checks.yaml:3:11: /dev/zero: not a regular file (a character device)"), line


def test_an_include_past_the_size_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("# padding\n" * (MAX_SPEC_BYTES // 10 + 1))
    write(tmp_path / "checks.yaml", "certify: 1\nphase: p\ninclude: [big.yaml]\n" + ONE_HYP)
    line = one_positioned_error(certify_bounded("validate", cwd=tmp_path))
    assert line == "checks.yaml:3:11: big.yaml: larger than 4 MiB; a spec file may be at most 4 MiB"


def test_a_glob_include_over_proc_ends(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", 'certify: 1\nphase: p\ninclude: ["/proc/self/**/*.yaml"]\n' + ONE_HYP)
    line = one_positioned_error(certify_bounded("validate", cwd=tmp_path, timeout=30))
    assert line.startswith('checks.yaml:3:11: include'), line


def test_a_glob_include_does_not_follow_a_symlinked_folder(tmp_path: Path) -> None:
    write(tmp_path / "packs" / "one.yaml", ONE_HYP.replace("H1", "P1"))
    (tmp_path / "packs" / "loop").symlink_to(tmp_path / "packs")
    write(tmp_path / "checks.yaml", 'certify: 1\nphase: p\ninclude: ["packs/**/*.yaml"]\n' + ONE_HYP)
    res = certify("list", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "P1" in res.stdout


def test_a_glob_include_matching_too_many_files_is_refused(tmp_path: Path) -> None:
    for i in range(MAX_GLOB_FILES + 1):
        write(tmp_path / "many" / f"p{i}.yaml", "hypotheses: []\n")
    write(tmp_path / "checks.yaml", 'certify: 1\nphase: p\ninclude: ["many/*.yaml"]\n' + ONE_HYP)
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.stderr.strip() == ('checks.yaml:3:11: include "many/*.yaml": matches more than '
                                  f"{MAX_GLOB_FILES} files; narrow it")


@pytest.mark.parametrize(("bad_id", "shown"), [
    ('"H 1"', '"H 1"'), ('"H\\n1"', '"H\\n1"'), ('"-H1"', '"-H1"'), ('"H/1"', '"H/1"'),
    ('"' + "H" * 65 + '"', '"' + "H" * 65 + '"'), ('"../x"', '"../x"'),
])
def test_ids_must_be_safe_names(tmp_path: Path, bad_id: str, shown: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: {bad_id}
          claim: c
          check: {{kind: file, path: x}}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"checks.yaml:4:9: hypothesis: id: {shown} is not a usable id; expected "
                           "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"), line


@pytest.mark.parametrize(("first", "second"), [
    ("H-1", "h_1"), ("H.1", "H-1"), ("a" * 40 + "X", "a" * 40 + "Y"),
])
def test_ids_that_name_the_same_evidence_file_are_refused(tmp_path: Path, first: str, second: str) -> None:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: {first}
          claim: c
          check: {{kind: file, path: x}}
        - id: {second}
          claim: d
          check: {{kind: file, path: x}}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f'checks.yaml:7:5: hypothesis id "{second}" names the same evidence file and '
                           f'anchor as "{first}" (at checks.yaml:4:5)'), line


def test_only_dollar_brace_is_interpolation(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          check: {kind: command, run: "DO $$ BEGIN END $$; echo $1 $x $$$${HOME} $${HOME} ${SET:-d}"}
    """))
    spec = load_spec(tmp_path / "checks.yaml", REGISTRY, {"HOME": "/root"})
    run = spec.hypotheses[0].checks[0].fields.run
    assert run == "DO $$ BEGIN END $$; echo $1 $x $$${HOME} ${HOME} d"

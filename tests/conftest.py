"""Shared helpers: run the real CLI against specs and repositories made in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from certify.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Where the environment forbids bytecode caches (PYTHONDONTWRITEBYTECODE), every `certify`
# process, regex worker and fixture service the suite starts would compile certify from source
# again (about 0.3 s each). The suite lets them be cached, as on a developer's machine.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package once, before the workers start, so that none of them compiles it."""
    if not hasattr(config, "workerinput"):
        import compileall

        compileall.compile_dir(ROOT / "certify", quiet=1)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    out_dir: Path

    @property
    def packs(self) -> list[Path]:
        return sorted(p.parent for p in self.out_dir.glob("*/*/MANIFEST.sha256"))

    @property
    def pack(self) -> Path:
        """The pack this run wrote (named on its last stdout line)."""
        line = self.stdout.strip().splitlines()[-1]
        assert line.startswith("Evidence pack: "), self.stdout + self.stderr
        path = Path(line.removeprefix("Evidence pack: "))
        return path if path.is_absolute() else self.out_dir.parent / path

    @property
    def results(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.pack / "results.json").read_text())
        return data

    @property
    def verdicts(self) -> dict[str, str]:
        return {h["id"]: h["verdict"] for h in self.results["hypotheses"]}


def certify(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    """Run `certify ARGS` in-process (fast), from `cwd`, with extra environment."""
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        res = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)
    return CliResult(res.exit_code, res.stdout, res.stderr, cwd / "reports")


def certify_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                    timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m certify ARGS` as a real process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "certify", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def spec_text(hypotheses: str, *, header: str = "") -> str:
    """A spec with the standard header and the given (dedented) hypotheses block."""
    return ("certify: 1\nphase: test phase\n" + textwrap.dedent(header) + "hypotheses:\n"
            + textwrap.indent(textwrap.dedent(hypotheses).strip("\n"), "  ") + "\n")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository with one commit on `main`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "README.md", "# test\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    return repo


MARK = "CERTIFY_TEST_MARK"  # set by a test in the environment of the run whose processes it counts


def processes_mentioning(text: str, marked: str | None = None) -> list[int]:
    """PIDs of live processes whose command line contains `text` and, given `marked`, whose
    environment holds CERTIFY_TEST_MARK=`marked`: one run's processes, not those of the same
    shape that other tests start at the same time."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
            if marked is not None and text in cmdline:
                environ = (proc / "environ").read_bytes().split(b"\0")
                if f"{MARK}={marked}".encode() not in environ:
                    continue
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Callable[[list[Path]], str]]:
    """A PostgreSQL server for the whole session: CERTIFY_TEST_DSN (an admin DSN), or a private
    cluster started with the local binaries. Yields a function that builds a fresh database from
    SQL files and returns its DSN."""
    from certify.targets.pgcluster import PrivateCluster, ScratchDatabase, run_sql_file

    admin = os.environ.get("CERTIFY_TEST_DSN")
    cluster = None if admin else PrivateCluster()
    if cluster is not None:
        admin = cluster.start()
    assert admin is not None
    scratch: list[ScratchDatabase] = []

    def build(files: list[Path]) -> str:
        db = ScratchDatabase(admin)
        scratch.append(db)
        dsn = db.start()
        for f in files:
            step = run_sql_file(dsn, f, 120)
            assert step.ok, f"{f}: {step.error}"
        return dsn

    try:
        yield build
    finally:
        for db in scratch:
            db.stop()
        if cluster is not None:
            cluster.stop()


def fixture_db_files() -> list[Path]:
    db = FIXTURES / "db"
    return [db / "roles.sql", *sorted((db / "migrations").glob("*.sql"))]


@pytest.fixture(scope="session")
def fixture_dsn(pg_server: Callable[[list[Path]], str]) -> str:
    """The fixtures/db schema (planted defects and clean objects), built once."""
    return pg_server(fixture_db_files())

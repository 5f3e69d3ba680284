"""A run pays only for what its spec uses: the code of a target type, a kind, a format or a
library loads when a check needs it, not at every start (benchmarks/run_cost.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import spec_text, write

# Runs the command line in a fresh interpreter, then writes the names of the modules it loaded.
PROBE = """
import sys
from certify.cli import main
out = sys.argv.pop(1)
try:
    main()
except SystemExit:
    pass
modules = sorted(sys.modules)
import json
with open(out, "w") as fh:
    json.dump(modules, fh)
"""

OTHER_TARGETS = ("certify.targets.http", "certify.targets.logs", "certify.targets.postgres",
                 "certify.targets.gcp", "requests", "psycopg", "google")


def loaded(tmp_path: Path, *args: str) -> set[str]:
    """The modules `certify ARGS` loaded, run from tmp_path."""
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stdout + proc.stderr
    return set(json.loads(out.read_text()))


def _under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_a_run_of_repository_checks_loads_no_code_of_other_targets(tmp_path: Path) -> None:
    write(tmp_path / "f.txt", "x\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: f.txt is there
          check: {kind: file, path: f.txt}
    """))
    modules = loaded(tmp_path, "run", "-q")
    assert "certify.kinds.file" in modules  # it did run
    assert _under(modules, OTHER_TARGETS) == []


def test_help_loads_no_spec_engine_or_report_code(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "--help")
    assert _under(modules, ("certify.spec", "certify.engine", "certify.kinds", "certify.targets",
                            "certify.report", "yaml", "jinja2")) == []


def test_validate_loads_no_report_or_client_code(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          check: {kind: grep, pattern: x}
    """))
    modules = loaded(tmp_path, "validate")
    assert "certify.kinds.grep" in modules
    assert _under(modules, ("certify.report", "certify.engine.run", "jinja2", *OTHER_TARGETS)) == []


def test_validate_of_a_routes_check_loads_no_route_extractor(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          check: {kind: routes, code: {app: src/server.js}, contract: [openapi.yaml]}
    """))
    modules = loaded(tmp_path, "validate")
    assert "certify.kinds.routes" in modules
    assert _under(modules, ("certify.targets.routes",)) == []


def test_validate_loads_no_library_only_a_run_or_a_spec_error_needs(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          check: {kind: sql, target: db, query: select 1, expect: {value: 1}}
        - id: H2
          claim: c
          check: {kind: http, target: api, path: /health}
        - id: H3
          claim: c
          check: {kind: command, run: "true"}
    """, header="""
        targets:
          postgres: {db: {dsn: "postgresql://u@127.0.0.1/db"}}
          http: {api: {base_url: "http://127.0.0.1:1"}}
    """))
    modules = loaded(tmp_path, "validate")
    assert {"certify.kinds.sql", "certify.kinds.command", "certify.targets.http"} <= modules
    assert _under(modules, ("socket", "decimal", "difflib", "certify.redact", "certify.targets.cleanup",
                            "tempfile", "shutil", "hashlib", "json")) == []


def test_validate_of_repository_checks_loads_no_scanner(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          checks: [{kind: grep, pattern: x}, {kind: file, path: f.txt, contains: ready}]
    """))
    modules = loaded(tmp_path, "validate")
    assert {"certify.kinds.grep", "certify.kinds.file", "certify.targets.repo"} <= modules
    assert "certify.targets.textscan" not in modules


def test_validate_of_a_log_proof_loads_no_log_reader(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H1
          claim: c
          check: {kind: log_proof, source: prod, filter: 'severity>=ERROR', since: "2026-01-01T00:00:00Z"}
    """, header="""
        targets:
          logs: {prod: {files: [logs/*.json]}}
    """))
    modules = loaded(tmp_path, "validate")
    assert "certify.kinds.log_proof" in modules
    assert _under(modules, ("certify.targets.logread", "certify.targets.logsieve", "gzip")) == []


def test_the_tool_versions_found_beside_the_checks_are_those_found_at_the_end() -> None:
    from certify.engine import facts

    facts.start()  # as `certify run` does once its spec is loaded
    beside = facts.tool_versions()
    assert beside == facts.tool_versions()  # nothing started: found out in place
    assert set(beside) == {"certify", "python", "platform", "git", "ripgrep"}

"""Faults around a run: an HTTP service that resets connections or answers garbage, PostgreSQL
stopped between checks, and two runs writing into the same reports/ at once. Every time: the
run ends, the pack is complete, affected hypotheses are UNKNOWN with a one-line reason, and
nothing is lost."""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from certify.targets.pgcluster import find_bindir
from tests.conftest import CliResult, certify, certify_process, processes_mentioning, spec_text, write


def _serve(behaviour: str) -> Iterator[int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    stop = threading.Event()

    def loop() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.recv(65536)
            if behaviour == "reset":  # RST instead of an answer
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n" + bytes(range(256)))
            conn.close()

    threading.Thread(target=loop, daemon=True).start()
    yield srv.getsockname()[1]
    stop.set()
    srv.close()


@pytest.fixture
def resetting() -> Iterator[int]:
    yield from _serve("reset")


@pytest.fixture
def garbage() -> Iterator[int]:
    yield from _serve("garbage")


def test_a_service_that_resets_or_answers_garbage_is_unknown(tmp_path: Path, resetting: int,
                                                             garbage: int) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: RESET
          claim: the service answers
          check: {kind: http, target: reset, path: /health}
        - id: GARBAGE
          claim: the service answers
          check: {kind: http, target: garbage, path: /health}
        - id: METRICS
          claim: metrics are scraped
          check: {kind: metrics, target: garbage, present: [up]}
    """, header=f"targets:\n  http:\n    reset: {{base_url: 'http://127.0.0.1:{resetting}', timeout: 3}}\n"
                f"    garbage: {{base_url: 'http://127.0.0.1:{garbage}', timeout: 3}}\n"))
    start = time.monotonic()
    res = certify("run", "-q", cwd=tmp_path)
    assert time.monotonic() - start < 20
    assert res.exit_code == 3
    assert res.verdicts == {"RESET": "UNKNOWN", "GARBAGE": "UNKNOWN", "METRICS": "UNKNOWN"}
    for h in res.results["hypotheses"]:
        assert h["reason"] and "\n" not in h["reason"] and "Traceback" not in h["reason"]
    assert certify("verify", str(res.pack), cwd=tmp_path).exit_code == 0


def test_two_runs_into_the_same_reports_keep_both_packs_and_the_ledger(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "a.txt", "x\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: A
          claim: a.txt exists
          check: {kind: command, run: 'sleep 0.5; test -f a.txt'}
    """, header="targets: {repo: {path: repo}}\n"))
    runs = [subprocess.Popen([sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    codes = [p.wait(timeout=60) for p in runs]
    assert codes == [0, 0, 0, 0], [p.stderr.read() for p in runs if p.stderr]  # type: ignore[union-attr]
    packs = sorted((tmp_path / "reports").glob("*/*/EVIDENCE.md"))
    assert len(packs) == 4  # none overwritten, though they finished in the same second
    ledger = (tmp_path / "reports" / "INDEX.md").read_text().splitlines()
    rows = [line for line in ledger if line.startswith("| 20")]  # one per run, whole
    assert len(rows) == 4 and all(line.endswith(".md) |") and "PASSED" in line for line in rows)
    for p in packs:
        assert certify("verify", str(p.parent), cwd=tmp_path).exit_code == 0


def test_postgresql_stopped_mid_run(tmp_path: Path) -> None:
    """`pg_ctl stop -m immediate` on certify's own throwaway cluster between two checks: the
    checks before it keep their verdicts, the ones after are UNKNOWN naming the lost connection,
    and the teardown still removes the cluster (no server process, no data folder left)."""
    scratch = Path(tempfile.mkdtemp(prefix="certify-fault-"))  # the cluster's TMPDIR, one of its own
    scratch.chmod(0o755)  # the postgres OS user must reach the cluster folder inside it
    stop = 'pg_ctl -D "$(echo "$TMPDIR"/certify-pg-*/data)" -m immediate -w stop'
    if os.geteuid() == 0:
        stop = f"runuser -u postgres -- sh -c '{stop}'"
    write(tmp_path / "stop.sh", f"PATH=$PATH:{find_bindir()}\n{stop}\n")
    write(tmp_path / "db" / "schema.sql", "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: BEFORE
          claim: t has two rows
          check: {kind: sql, query: "SELECT count(*) FROM t", expect: {rows: 1, value: 2}}
        - id: STOP
          claim: the server is stopped
          check: {kind: command, run: sh stop.sh}
        - id: AFTER-SQL
          claim: t still has two rows
          check: {kind: sql, query: "SELECT count(*) FROM t", expect: {rows: 1, value: 2}}
        - id: AFTER-RLS
          claim: RLS is on for t
          check: {kind: rls, tables: [public.t], expect: {enabled: true}}
    """, header="targets:\n  postgres:\n    db: {ephemeral: {migrations: [db/schema.sql]}}\n"))
    try:
        start = time.monotonic()
        res = certify_process("run", "-q", "-j", "1", cwd=tmp_path, env={"TMPDIR": str(scratch)},
                              timeout=120)
        assert time.monotonic() - start < 60
        out = CliResult(res.returncode, res.stdout, res.stderr, tmp_path / "reports")
        assert out.exit_code == 3, res.stdout + res.stderr
        assert out.verdicts == {"BEFORE": "TRUE", "STOP": "TRUE", "AFTER-SQL": "UNKNOWN",
                                "AFTER-RLS": "UNKNOWN"}
        for h in out.results["hypotheses"][2:]:
            assert "\n" not in h["reason"] and "Traceback" not in h["reason"]
            assert re.search(r"connection|server|terminat|No such file", h["reason"]), h["reason"]
        assert certify("verify", str(out.pack), cwd=tmp_path).exit_code == 0
        assert not processes_mentioning(str(scratch))
        # nothing of the run is left; Jinja's compiled-template cache is kept on purpose
        assert not [p for p in scratch.iterdir() if not p.name.startswith("_jinja2-cache-")]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

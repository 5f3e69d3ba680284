"""An interrupted run (Ctrl-C or SIGTERM) tears down everything it started, and still
writes a complete pack that says INCOMPLETE."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, processes_mentioning, spec_text, write


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_tears_down_clusters_services_and_commands(tmp_path: Path, sig: signal.Signals) -> None:
    db = FIXTURES / "db"
    marker = f"certify-interrupt-{sig.name}"
    service = tmp_path / f"service-{sig.name}.py"  # a path no other process has
    shutil.copy(FIXTURES / "app" / "server.py", service)
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: DB
          claim: c
          check: {{kind: sql, query: "SELECT 1"}}
        - id: HTTP
          claim: c
          check: {{kind: http, path: /health/live}}
        - id: SLOW
          claim: c
          check: {{kind: command, run: "sleep 60; echo {marker}"}}
    """, header=(f"targets:\n  postgres:\n    db: {{ephemeral: {{setup: ['{db}/roles.sql']}}}}\n"
                 f"  http:\n    app: {{base_url: 'http://127.0.0.1:{{port}}', start: 'python3 {service} "
                 "--port {port}', ready: /health/live}\n")))
    # The cluster runs as the postgres OS user when we are root: its folder must be reachable.
    tmp = Path(tempfile.mkdtemp(prefix="certify-int-", dir="/tmp"))
    tmp.chmod(0o755)
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "certify", "run", "-q"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if processes_mentioning(marker) and list(tmp.glob("certify-pg-*/data")) \
                and processes_mentioning(str(service)):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the run never got the cluster, the service and the command going")
    time.sleep(0.5)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    leftovers = list(tmp.glob("certify-pg-*"))
    shutil.rmtree(tmp, ignore_errors=True)
    assert leftovers == [], "the ephemeral cluster was left behind"
    assert processes_mentioning(marker) == []
    assert processes_mentioning(str(service)) == [], "the started service was left running"
    assert processes_mentioning(str(tmp)) == []
    assert "Traceback" not in err
    assert proc.returncode == 3
    packs = list((tmp_path / "reports").glob("*/*/EVIDENCE.md"))
    assert len(packs) == 1
    assert "INCOMPLETE" in packs[0].read_text()
    assert "INCOMPLETE" in (tmp_path / "reports" / "INDEX.md").read_text()

"""A run killed outright (kill -9) cannot stop what it started; the next run does: the
throwaway PostgreSQL cluster and the started service are stopped and their folders removed,
the scratch database dropped, and nothing that a live run (or anyone else) started is
touched."""

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


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


def databases(admin: str) -> set[str]:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}


def test_the_next_run_reaps_what_a_killed_run_left(tmp_path: Path, fixture_dsn: str) -> None:
    import json

    from psycopg.conninfo import make_conninfo

    admin = make_conninfo(fixture_dsn, dbname="postgres")
    marker = "certify-reap-marker"
    service = tmp_path / "service-reaped.py"  # a path no other process has
    shutil.copy(FIXTURES / "app" / "server.py", service)
    http = (f"  http:\n    app: {{base_url: 'http://127.0.0.1:{{port}}', start: 'python3 {service} "
            "--port {port}', ready: /health/live}\n")
    first = tmp_path / "first"
    write(first / "checks.yaml", spec_text(f"""
        - id: DB
          claim: c
          check: {{kind: sql, target: db, query: "SELECT 1"}}
        - id: SCRATCH
          claim: c
          check: {{kind: sql, target: scratch, query: "SELECT 1"}}
        - id: HTTP
          claim: c
          check: {{kind: http, path: /health/live}}
        - id: SLOW
          claim: c
          check: {{kind: command, run: "sleep 60; echo {marker}"}}
    """, header="targets:\n  postgres:\n    db: {ephemeral: {}}\n"
                f"    scratch: {{ephemeral: {{admin_dsn: '{admin}'}}}}\n" + http))
    second = tmp_path / "second"
    # The next run reaps whatever it needs itself: no database, no service.
    write(second / "checks.yaml", spec_text("""
        - id: LOCAL
          claim: c
          check: {kind: command, run: "true"}
    """))
    # The cluster runs as the postgres OS user when we are root: its folder must be reachable.
    tmp = Path(tempfile.mkdtemp(prefix="certify-reap-", dir="/tmp"))
    tmp.chmod(0o755)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "TMPDIR": str(tmp), "XDG_RUNTIME_DIR": str(runtime)}
    try:
        proc = subprocess.Popen([sys.executable, "-m", "certify", "run", "-q"], cwd=first, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        def scratch_made() -> bool:
            names = [json.loads(p.read_text()).get("database") for p in (runtime / "certify").glob("*.json")]
            return any(n in databases(admin) for n in names if n)

        if not wait_for(lambda: processes_mentioning(marker) and list(tmp.glob("certify-pg-*/data"))
                        and processes_mentioning(str(service)) and scratch_made(), 30):
            proc.kill()
            pytest.fail("the run never got the cluster, the service and the command going")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        cluster = processes_mentioning(str(tmp))
        assert cluster, "the killed run's cluster should still be running"
        assert processes_mentioning(str(service)), "the killed run's service should still be running"
        records = [json.loads(p.read_text()) for p in (runtime / "certify").glob("*.json")]
        assert sorted(r["what"] for r in records) == ["postgres cluster", "scratch database", "service"]
        scratch = next(r["database"] for r in records if "database" in r)
        assert scratch in databases(admin), "the killed run's scratch database should still be there"

        done = subprocess.run([sys.executable, "-m", "certify", "run", "-q"], cwd=second, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert wait_for(lambda: not processes_mentioning(str(tmp)), 10), "the cluster was not stopped"
        assert processes_mentioning(str(service)) == [], "the service was not stopped"
        assert list(tmp.glob("certify-pg-*")) == [], "the cluster's folder was left"
        assert list(tmp.glob("certify-service-*")) == [], "the service's log was left"
        assert scratch not in databases(admin), "the scratch database was not dropped"
        assert list((runtime / "certify").glob("*.json")) == []
    finally:
        for pid in processes_mentioning(str(service)) + processes_mentioning(marker):
            with_group = os.getpgid(pid) == pid
            (os.killpg if with_group else os.kill)(pid, signal.SIGKILL)
        for pid in processes_mentioning(str(tmp)):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_record_of_a_live_run_or_a_reused_pid_is_left_alone(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from certify.targets import cleanup

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = cleanup.runtime_folder()
    assert folder is not None and oct(folder.stat().st_mode & 0o777) == "0o700"
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        me = os.getpid()
        # A live run's service, and a dead run's record whose pid now belongs to another process.
        live = {"run_pid": me, "run_start": cleanup.start_time(me), "pid": bystander.pid,
                "pid_start": cleanup.start_time(bystander.pid)}
        reused = {"run_pid": 999_999_999, "run_start": "1", "pid": bystander.pid, "pid_start": "1"}
        (folder / "live.json").write_text(json.dumps(live))
        (folder / "reused.json").write_text(json.dumps(reused))
        assert cleanup.reap() == ["nothing running"]
        assert bystander.poll() is None
        assert sorted(p.name for p in folder.glob("*.json")) == ["live.json"]
    finally:
        bystander.kill()
        bystander.wait()

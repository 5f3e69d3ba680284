"""The fixed cost of a certify process: a run of one check, `certify validate`, `certify --help`.

Each command is run as a process, as a user or CI runs it, once to warm the page cache and the
compiled template, then --runs times (at least 5), in rounds that run every command once (a busy
spell of a shared machine falls on all rows alike); the wall time of each, min and median, is
printed beside the references measured in the same session: `python -c pass` (the interpreter's
own start) and `certify --help` (certify's smallest command). The run rows use a stdlib HTTP
server on 127.0.0.1 (one `http` check) and a file in a temporary folder (one `file` check); the
"first run" row gives each run a temp directory of its own, so the compiled EVIDENCE.md template
is not there yet (a fresh machine or CI container). Every run's exit code and verdict are checked;
the folder, its packs and the server are removed at the end.

Python modules run from their compiled bytecode, as in an installed package: the warm-up writes it
to a folder of the benchmark's own (PYTHONPYCACHEPREFIX), whatever PYTHONDONTWRITEBYTECODE says and
whichever stale __pycache__ a working tree holds. --as-is runs with the environment unchanged.

    python benchmarks/run_cost.py [--runs 7] [--as-is]

Targets (issue 16): a one-check run under 0.3 s, validate of the demo spec (checks.yaml) under
0.15 s, --help under 0.1 s, each by its median. Exit status 1 when a command fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_HTTP = """certify: 1
phase: one http check
targets:
  http:
    api: {{base_url: "http://127.0.0.1:{port}"}}
hypotheses:
  - id: H1
    claim: the service answers
    check: {{kind: http, path: /health, expect: {{status: 200, json: {{status: ok}}}}}}
"""
ONE_FILE = """certify: 1
phase: one file check
hypotheses:
  - id: H1
    claim: the file is there and says ready
    check: {kind: file, path: state.txt, contains: ready}
"""
MANY = 1000  # hypotheses of the spec that shows how validate scales with a spec's size


def many_greps(n: int) -> str:
    """A spec of n hypotheses, each one `grep` check (one kind: the cost of the spec's size alone)."""
    hyps = "".join(f"  - id: H{i}\n    claim: no marker {i} in the code\n"
                   f"    check: {{kind: grep, pattern: 'MARKER_{i}\\b', paths: [src], expect: none}}\n"
                   for i in range(n))
    return f"certify: 1\nphase: {n} greps\nhypotheses:\n{hyps}"


def serve() -> ThreadingHTTPServer:
    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def certify_command() -> list[str]:
    """The `certify` script beside this Python (what a user types), else `python -m certify`."""
    script = Path(sys.executable).with_name("certify")
    return [str(script)] if script.exists() else [sys.executable, "-m", "certify"]


def timed(cmd: list[str], cwd: Path, env: dict[str, str],
          check: Callable[[str], bool]) -> tuple[float, float]:
    """The wall time of one run, and the CPU time (user + system) it and the processes it ran used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not check(proc.stdout):
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{tail}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="timed runs of each command (at least 5)")
    ap.add_argument("--as-is", action="store_true", help="the environment's bytecode settings, unchanged")
    args = ap.parse_args()
    runs = max(5, args.runs)
    certify = certify_command()
    server = serve()
    work = Path(tempfile.mkdtemp(prefix="certify-run-cost-"))
    env = dict(os.environ)
    if not args.as_is:  # compiled once by the warm-up, as pip compiles an installed package
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    try:
        (work / "state.txt").write_text("ready\n")
        (work / "file.yaml").write_text(ONE_FILE)
        (work / "http.yaml").write_text(ONE_HTTP.format(port=server.server_address[1]))
        (work / "one-grep.yaml").write_text(many_greps(1))
        (work / "many-greps.yaml").write_text(many_greps(MANY))
        reports = str(work / "reports")
        passed = lambda out: "PASSED" in out  # noqa: E731 - the verdict line of a run
        anything = lambda out: True  # noqa: E731
        rows: list[tuple[str, list[str], Path, Callable[[str], bool], float | None, bool]] = [
            ("python -c pass", [sys.executable, "-c", "pass"], work, anything, None, False),
            ("certify --help", [*certify, "--help"], work, anything, 0.1, False),
            ("certify validate checks.yaml (demo)", [*certify, "validate", "checks.yaml"], ROOT,
             lambda out: "valid" in out, 0.15, False),
            ("  validate: one grep check", [*certify, "validate", "one-grep.yaml"], work,
             lambda out: "valid" in out, None, False),
            (f"  validate: {MANY:,} grep checks", [*certify, "validate", "many-greps.yaml"], work,
             lambda out: "valid" in out, None, False),
            ("certify run: one file check", [*certify, "run", "file.yaml", "-o", reports, "-q"], work,
             passed, 0.3, False),
            ("certify run: one http check", [*certify, "run", "http.yaml", "-o", reports, "-q"], work,
             passed, 0.3, False),
            ("  the same file check, first run", [*certify, "run", "file.yaml", "-o", reports, "-q"], work,
             passed, None, True),
        ]
        walls: list[list[float]] = [[] for _ in rows]
        cpus: list[list[float]] = [[] for _ in rows]
        # Round after round of every command, so that a busy spell of the machine falls on all rows
        # alike; the first round warms the page cache, the bytecode and the template, and is not kept.
        for i in range(runs + 1):
            for row, (_, cmd, cwd, check, _, cold) in enumerate(rows):
                run_env = env
                if cold:  # a temp directory of its own: no compiled template yet
                    run_env = {**env, "TMPDIR": tempfile.mkdtemp(prefix=f"tmp{i}-", dir=work)}
                wall, cpu = timed(cmd, cwd, run_env, check)
                if i:
                    walls[row].append(wall)
                    cpus[row].append(cpu)
        results = [(name, walls[row], cpus[row], target)
                   for row, (name, _, _, _, target, _) in enumerate(rows)]
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(results[0][1])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    bytecode = ("as the environment has it: PYTHONDONTWRITEBYTECODE="
                f"{env.get('PYTHONDONTWRITEBYTECODE', '')}" if args.as_is else "modules compiled once")
    print(f"certify's fixed cost: {runs} runs each after one warm-up, seconds ({os.cpu_count()} cores, "
          f"load {load}; {bytecode})")
    print(f"{'':38} {'wall min':>8} {'median':>7} {'target':>7} {'cpu med':>8}  wall median / python -c pass")
    for name, walls, cpus, target in results:
        median = statistics.median(walls)
        verdict = "" if target is None else ("  ok" if median < target else "  OVER")
        shown = f"< {target:g}" if target else ""
        print(f"{name:38} {min(walls):8.3f} {median:7.3f} {shown:>7} {statistics.median(cpus):8.3f}  "
              f"{median / base:5.1f}x{verdict}")
    print("wall: elapsed; cpu: user + system time of the process and of those it ran (git, rg...), less")
    print("sensitive to a busy machine;")
    print("the demo spec uses 16 kinds and 4 target types: each one's modules load with it; the grep rows")
    print("show the spec's size alone; the first-run row has no compiled EVIDENCE.md template yet, as on")
    print("a fresh machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""N `http` checks against an endpoint that takes 100 ms, beside the strongest peers.

Starts a threaded stdlib HTTP server on 127.0.0.1 whose every answer takes 100 ms, writes a spec
with N `http` checks against it, and runs, each time in this order:

- `certify run` (default -j unless -j is given): the checks' time as results.json records it (the
  environment's `schedule` fact: from the first check's own start to the last one's end), the
  -j it ran with and the most checks it had in flight, and the whole process's wall time;
- the same run with one check (start-up, loading, pack: the fixed cost);
- `curl --parallel --parallel-immediate` over the same N URLs (the process's wall time, start-up
  included; `--parallel-max N`, so curl fans out as wide as there are URLs);
- a Python pool of N threads calling the same URLs with requests (timed inside the process,
  from the first call to the last answer, like certify's check time).

Every answer is verified (verdicts TRUE, N times 200). Prints min and median over the runs and
certify's ratio to each peer; removes its files and stops the server at the end.

    python benchmarks/http_fanout.py [--checks 50] [--delay-ms 100] [--runs 3] [-j N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

POOL = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import requests
urls = sys.argv[1:]
def get(url):
    r = requests.get(url, timeout=30)
    return r.status_code == 200 and r.json() == {"status": "ok"}
with ThreadPoolExecutor(len(urls)) as pool:
    start = time.monotonic()
    ok = sum(pool.map(get, urls))
    span = time.monotonic() - start
print(json.dumps({"span": span, "ok": ok}))
"""
SCHEDULE = re.compile(r"^-j (\d+)\b.*; at most (\d+) of (\d+) checks ran at once; ([\d.]+) s from")


def serve(delay: float) -> ThreadingHTTPServer:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            time.sleep(delay)
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 512  # the peers' fan-out is as wide as there are URLs

    server = Server(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def spec(port: int, checks: int) -> str:
    hyps = "\n".join(
        f"  - id: H{i:03d}\n    claim: endpoint {i} answers\n"
        f"    check: {{kind: http, path: /item/{i}, expect: {{status: 200, json: {{status: ok}}}}}}"
        for i in range(checks))
    return (f"certify: 1\nphase: http fanout\ntargets:\n  http:\n    api: {{base_url: 'http://127.0.0.1:{port}'}}\n"
            f"hypotheses:\n{hyps}\n")


def certify(work: Path, name: str, jobs: int | None) -> tuple[float, dict[str, object]]:
    """One `certify run` of work/NAME.yaml: its wall time and results.json."""
    out = work / f"{name}.json"
    cmd = [sys.executable, "-m", "certify", "run", str(work / f"{name}.yaml"), "-o", str(work / "reports"),
           "--json", str(out), "-q", *(["-j", str(jobs)] if jobs else [])]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise SystemExit(f"certify run failed ({proc.returncode}): {tail}")
    data: dict[str, object] = json.loads(out.read_text())
    return wall, data


def curl(urls: list[str]) -> float:
    cmd = ["curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", str(min(300, len(urls))),
           "-w", "%{http_code}\n"]
    for url in urls:
        cmd += ["-o", "/dev/null", url]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.stdout.split() != ["200"] * len(urls):
        raise SystemExit(f"curl did not get {len(urls)} x 200: {proc.stdout[:200]} {proc.stderr[:200]}")
    return wall


def pool(urls: list[str]) -> float:
    proc = subprocess.run([sys.executable, "-c", POOL, *urls], capture_output=True, text=True)
    answer = json.loads(proc.stdout)
    if answer["ok"] != len(urls):
        raise SystemExit(f"the pool got {answer['ok']} good answers of {len(urls)}: {proc.stderr[-500:]}")
    span: float = answer["span"]
    return span


def row(name: str, values: list[float], note: str = "") -> None:
    print(f"{name:<34} {min(values):6.3f} {statistics.median(values):7.3f}  {note}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", type=int, default=50)
    ap.add_argument("--delay-ms", type=float, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-j", type=int, default=None, help="passed to certify run (default: its own)")
    args = ap.parse_args()
    if shutil.which("curl") is None:
        print("curl is not installed: the peer row needs it")
        return 1
    server = serve(args.delay_ms / 1000)
    port = server.server_address[1]
    work = Path(tempfile.mkdtemp(prefix="certify-fanout-"))
    urls = [f"http://127.0.0.1:{port}/item/{i}" for i in range(args.checks)]
    try:
        (work / "many.yaml").write_text(spec(port, args.checks))
        (work / "one.yaml").write_text(spec(port, 1))
        span, wall, fixed, peer, threads = [], [], [], [], []
        schedule = ""
        for _ in range(max(3, args.runs)):
            seconds, data = certify(work, "many", args.j)
            verdicts = {h["verdict"] for h in data["hypotheses"]}  # type: ignore[attr-defined]
            if verdicts != {"TRUE"}:
                raise SystemExit(f"certify's verdicts were {sorted(verdicts)}, not all TRUE")
            schedule = data["environment"]["schedule"]  # type: ignore[index]
            m = SCHEDULE.match(schedule)
            if m is None:
                raise SystemExit(f"results.json has no check span: {schedule!r}")
            span.append(float(m.group(4)))
            wall.append(seconds)
            fixed.append(certify(work, "one", args.j)[0])
            peer.append(curl(urls))
            threads.append(pool(urls))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)
    runs = len(span)
    print(f"{args.checks} x GET taking {args.delay_ms:g} ms, {runs} runs{' ' * 8}   min  median")
    row("certify: the checks' time s", span, "first check's start to last end (results.json)")
    row("certify run, whole process s", wall, "start-up, checks, pack")
    row("certify run with 1 check s", fixed, "start-up, loading, pack: the fixed cost")
    row(f"curl --parallel ({args.checks} at once) s", peer, "curl process wall, start-up included")
    row(f"Python pool, {args.checks} threads s", threads, "first call to last answer (requests)")
    for name, other in (("curl", peer), ("the pool", threads)):
        ratios = min(span) / min(other), statistics.median(span) / statistics.median(other)
        print(f"certify / {name:<24} {ratios[0]:6.2f}x {ratios[1]:6.2f}x  (check time over the peer's time)")
    print(f"certify schedule (last run)        {schedule}")
    print(f"in sequence would take             {args.checks * args.delay_ms / 1000:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

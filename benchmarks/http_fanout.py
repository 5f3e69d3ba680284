"""50 `http` checks against an endpoint that takes 100 ms, with certify's default concurrency.

Starts a threaded stdlib HTTP server on 127.0.0.1 whose every answer takes 100 ms, writes a
spec with N `http` checks against it, runs `certify run` (default -j), and prints the wall
time of the run and the span of the checks themselves (first start to last end, from
results.json). Target: well under a second for 50 checks.

    python benchmarks/http_fanout.py [--checks 50] [--delay-ms 100] [-j N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


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
        request_queue_size = 128  # the default backlog of 5 resets connections under a fan-out

    server = Server(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _timed(cmd: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, capture_output=True)
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", type=int, default=50)
    ap.add_argument("--delay-ms", type=float, default=100)
    ap.add_argument("-j", type=int, default=None, help="passed to certify run (default: its own)")
    args = ap.parse_args()
    server = serve(args.delay_ms / 1000)
    port = server.server_address[1]
    work = Path(tempfile.mkdtemp(prefix="certify-fanout-"))
    hyps = "\n".join(
        f"  - id: H{i:03d}\n    claim: endpoint {i} answers\n"
        f"    check: {{kind: http, path: /item/{i}, expect: {{status: 200, json: {{status: ok}}}}}}"
        for i in range(args.checks))
    (work / "checks.yaml").write_text(
        f"certify: 1\nphase: http fanout\ntargets:\n  http:\n    api: {{base_url: 'http://127.0.0.1:{port}'}}\n"
        f"hypotheses:\n{hyps}\n")
    cmd = [sys.executable, "-m", "certify", "run", str(work / "checks.yaml"), "-o", str(work / "reports"),
           "--json", str(work / "r.json"), "-q"] + (["-j", str(args.j)] if args.j else [])
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    # The same run with a single check: start-up, loading and writing the pack, i.e. the fixed cost.
    one = work / "one.yaml"
    text = (work / "checks.yaml").read_text()
    one.write_text(text[: text.index("  - id: H001")] if args.checks > 1 else text)
    fixed = min(_timed([*cmd[:4], str(one), *cmd[5:]]) for _ in range(3))
    server.shutdown()
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        return 1
    data = json.loads((work / "r.json").read_text())
    seconds = [c["seconds"] for h in data["hypotheses"] for c in h["checks"]]
    verdicts = {h["verdict"] for h in data["hypotheses"]}
    serial = args.checks * args.delay_ms / 1000
    # The checks' span: the run's wall time minus loading and pack writing is close to it, but
    # results.json records per-check durations only; report both, plus the serial figure.
    print(f"checks                  {args.checks} x GET taking {args.delay_ms:g} ms")
    print(f"verdicts                {', '.join(sorted(verdicts))}")
    print(f"certify run wall s      {wall:.3f}  (start-up, checks, pack)")
    print(f"same run with 1 check s {fixed:.3f}  (start-up, loading, pack: the fixed cost)")
    checks = wall - fixed + args.delay_ms / 1000
    print(f"the {args.checks} checks s        {checks:.3f}  (wall - fixed + one request)")
    print(f"slowest single check s  {max(seconds):.3f}")
    print(f"in sequence would take  {serial:.1f} s")
    print(f"started {data['baseline']['started']} finished {data['baseline']['finished']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

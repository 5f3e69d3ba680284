"""Benchmark: one `log_proof` filter over a gcloud JSON export of 100,000 and 1,000,000 entries,
beside the strongest peers.

Generates (once per size, in --dir) what `gcloud logging read --format=json` prints for N Cloud
Run request-log entries: one JSON array, indent 2, keys sorted, timestamps ascending over 30 days
ending 2026-11-20, about 1.2 KB an entry (1M entries: 1.15 GB). Then runs, in turn, each time:

- `certify run` of a spec with one `log_proof` hypothesis (`targets.logs` with `files:`);
- the tight loop: a Python loop that reads raw blocks, looks for the URL in each, and parses only
  the entries around a hit (the floor for a Python reader that must still parse what can match);
- once, unless --no-jq: `jq` with the same filter (it loads the whole array), and `jq --stream`
  (it streams, and is slower still).

Prints, per size, each tool's min and median wall seconds over --runs runs, its median CPU seconds,
entries per second and peak RSS (the process itself, through GNU time where there is one); for
certify also the check's own seconds (results.json: the scan, without start-up and pack);
certify's ratio to the tight loop; how certify's check time and the tight loop's wall time grow
from the smallest size to the largest (linear: as the entries).
Every count must agree: certify's, the tight loop's, jq's and the generator's own count of matching
entries, and certify must have read every entry. Aims, at 1M entries: certify under 2 s, within
2x of the tight loop, under 50 MB.

    python benchmarks/log_scan.py [--entries 100000 1000000] [--runs 3] [--no-jq] [--dir D] [--keep]

The exports are written to a temporary folder removed at the end, or to --dir, where they are kept
and reused by the next run (generating 1M entries takes about a minute). Exit status: 0 all agree,
1 a run failed or a count disagrees, 2 jq is missing or failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1  # bump when the generated content changes
SEED = 20261120
END = datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)
BACKFILL = "/integrations/withings/backfill"
FILTER = ('resource.type="cloud_run_revision" AND resource.labels.service_name="oli-api" AND '
          f'httpRequest.requestUrl=~"{BACKFILL}" AND httpRequest.status=200')
JQ_MATCH = ('.resource.type=="cloud_run_revision" and .resource.labels.service_name=="oli-api"'
            f' and (.httpRequest.requestUrl // "" | test("{BACKFILL}")) and .httpRequest.status==200')
JQ = [f"[.[] | select({JQ_MATCH})] | length"]
JQ_STREAM = ["-n", "--stream",
             f"reduce (fromstream(1 | truncate_stream(inputs)) | select({JQ_MATCH})) as $e (0; . + 1)"]
# The tight loop: raw blocks, a substring test, parse only the entries around a hit.
TIGHT_LOOP = f"""
import json, sys
NEEDLE, OPEN, CLOSE = {BACKFILL!r}.encode(), b"\\n  {{", b"\\n  }}"

def matches(e):
    r, h = e.get("resource") or {{}}, e.get("httpRequest") or {{}}
    return (r.get("type") == "cloud_run_revision"
            and (r.get("labels") or {{}}).get("service_name") == "oli-api"
            and {BACKFILL!r} in (h.get("requestUrl") or "") and h.get("status") == 200)

count, tail = 0, b""
with open(sys.argv[1], "rb") as f:
    while block := f.read(1 << 20):
        buf = tail + block
        end = buf.rfind(CLOSE) + len(CLOSE)  # the end of the last whole entry
        at = buf.find(NEEDLE, 0, end)
        while at >= 0:
            stop = buf.find(CLOSE, at) + len(CLOSE)
            count += matches(json.loads(buf[buf.rfind(OPEN, 0, at) + 1:stop]))
            at = buf.find(NEEDLE, stop, end)
        tail = buf[end:]
print(count)
"""
# service: (share, revision); host: f"{service}-1010034434203.us-central1.run.app"
SERVICES = {"oli-api": (0.70, "oli-api-00042-kex"), "oli-worker": (0.15, "oli-worker-00017-dab"),
            "oli-web": (0.10, "oli-web-00108-qoz"), "oli-scheduler": (0.05, "oli-scheduler-00005-rim")}
PATHS = ["/users/me", "/health/live", "/twins/{id}/timeline", "/twins/{id}/metrics?days=7", "/sync/push",
         "/integrations/withings/callback", "/integrations/fitbit/backfill", "/auth/refresh",
         "/notifications"]
AGENTS = ["Oli/1.8.2 (iPhone; iOS 18.1; Scale/3.00)", "okhttp/4.12.0", "python-requests/2.32.3",
          "Google-Cloud-Scheduler", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15"]
STATUSES = ([200] * 90) + ([403] * 3) + ([404] * 5) + ([500] * 2)
SEVERITY = {200: "INFO", 403: "WARNING", 404: "WARNING", 500: "ERROR"}
IPS = ["198.51.100.23", "34.118.240.17", "203.0.113.9", "192.0.2.144", "35.187.4.200"]
# gcloud's layout: json.dumps(entries, indent=2) with keys in alphabetical order.
TEMPLATE = """  {{
    "httpRequest": {{
      "latency": "{lat:.6f}s",
      "protocol": "{proto}",
      "remoteIp": "{ip}",
      "requestMethod": "{method}",
      "requestSize": "{reqsize}",
      "requestUrl": {url},
      "responseSize": "{respsize}",
      "serverIp": "216.239.38.53",
      "status": {status},
      "userAgent": {agent}
    }},
    "insertId": "{insert}",
    "labels": {{
      "instanceId": "{instance}"
    }},
    "logName": "projects/oli-prod/logs/run.googleapis.com%2Frequests",
    "receiveTimestamp": "{received}",
    "resource": {{
      "labels": {{
        "configuration_name": "{service}",
        "location": "us-central1",
        "project_id": "oli-prod",
        "revision_name": "{revision}",
        "service_name": "{service}"
      }},
      "type": "cloud_run_revision"
    }},
    "severity": "{severity}",
    "spanId": "{span}",
    "timestamp": "{ts}",
    "trace": "projects/oli-prod/traces/{trace}",
    "traceSampled": {sampled}
  }}"""


def generate(path: Path, n: int) -> int:
    """Stream the export to path; return how many entries match FILTER (the ground truth)."""
    rng = random.Random(SEED)
    names, weights = list(SERVICES), [s[0] for s in SERVICES.values()]
    instances = {s: [f"{rng.getrandbits(96):024x}" for _ in range(4)] for s in names}
    start, step = END - timedelta(days=30), 30 * 86400 / n
    matches = 0
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write("[\n")
        for i in range(n):
            service = rng.choices(names, weights)[0]
            revision, host = SERVICES[service][1], f"{service}-1010034434203.us-central1.run.app"
            if rng.random() < 0.005:
                route, method, agent = BACKFILL + rng.choice(["", "", "?days=30"]), "POST", AGENTS[2]
            else:
                route = rng.choice(PATHS).replace("{id}", str(rng.randrange(1, 5000)))
                method, agent = rng.choice(["GET", "GET", "GET", "POST", "PATCH"]), rng.choice(AGENTS)
            status = rng.choice(STATUSES)
            matches += service == "oli-api" and status == 200 and BACKFILL in route
            ts = start + timedelta(seconds=(i + rng.random() * 0.9) * step)
            received = ts + timedelta(microseconds=rng.randrange(50_000, 400_000))
            out.write(TEMPLATE.format(
                lat=rng.expovariate(1 / 0.05), proto=rng.choice(["HTTP/1.1", "HTTP/2.0"]), ip=rng.choice(IPS),
                method=method, reqsize=rng.randrange(200, 2000), url=json.dumps(f"https://{host}{route}"),
                respsize=rng.randrange(60, 20000), status=status, agent=json.dumps(agent),
                insert=f"{rng.getrandbits(96):024x}", instance=rng.choice(instances[service]),
                received=received.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{rng.randrange(1000):03d}Z",
                service=service, revision=revision, severity=SEVERITY[status],
                span=f"{rng.getrandbits(64):016x}", ts=ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                trace=f"{rng.getrandbits(128):032x}",
                sampled="true" if rng.random() < 0.1 else "false"))
            out.write(",\n" if i < n - 1 else "\n")
        out.write("]\n")
    return matches


def export(root: Path, n: int) -> tuple[Path, int]:
    """The cached export for n entries and its ground truth; (re)generated when the stamp differs."""
    folder = root / f"{n}-entries"
    folder.mkdir(parents=True, exist_ok=True)
    path, stamp = folder / "export.json", folder / "stamp.json"
    want = {"entries": n, "seed": SEED, "version": GENERATOR_VERSION}
    try:
        have = json.loads(stamp.read_text())
        if {k: have.get(k) for k in want} == want and path.is_file():
            return path, int(have["matches"])
    except (OSError, ValueError, KeyError):
        pass
    stamp.unlink(missing_ok=True)
    print(f"generating {n:,} entries into {path} ...", flush=True)
    start = time.monotonic()
    tmp = path.with_suffix(".tmp")
    matches = generate(tmp, n)
    tmp.replace(path)
    stamp.write_text(json.dumps({**want, "matches": matches}) + "\n")
    print(f"generated in {time.monotonic() - start:.1f} s", flush=True)
    return path, matches


@dataclass
class Row:
    """One tool's runs on one export: wall and CPU seconds, the highest peak RSS, the count it printed."""

    tool: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    checks: list[float] = field(default_factory=list)  # certify: the check's own seconds (results.json)
    rss: float = 0.0
    count: Any = None

    @property
    def min(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        """The median CPU seconds (user + system): less moved by other work on the machine."""
        return statistics.median(self.cpus)

    @property
    def check(self) -> float | None:
        """The median of the check's own seconds: the scan, without start-up and pack."""
        return statistics.median(self.checks) if self.checks else None


# A child's peak RSS as os.wait4 gives it is at least this process's own (exec keeps the high-water
# mark of the memory it replaces); GNU time forks from a process of about 1 MB, so it gives the
# command's own peak.
GNU_TIME = "/usr/bin/time"


def measure(cmd: list[str], out: Path, err: Path) -> tuple[int, float, float, float]:
    """Run cmd with stdout/stderr to files; return (exit code, wall seconds, CPU seconds, peak RSS
    in MB)."""
    rss = out.with_suffix(".rss")
    timed = [GNU_TIME, "-f", "%M", "-o", str(rss), *cmd] if Path(GNU_TIME).is_file() else cmd
    with out.open("wb") as fo, err.open("wb") as fe:
        start = time.monotonic()
        proc = subprocess.Popen(timed, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    kib = int(rss.read_text().split()[-1]) if timed is not cmd else usage.ru_maxrss
    return os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, kib / 1024


def certify_result(reports: Path) -> dict[str, Any]:
    """The check's record in the newest pack's results.json ({} when there is none)."""
    packs = [p for p in reports.glob("*/*/") if (p / "results.json").is_file()]
    if not packs:
        return {}
    data = json.loads((max(packs, key=lambda p: p.stat().st_mtime) / "results.json").read_text())
    check: dict[str, Any] = data["hypotheses"][0]["checks"][0]
    return check


def spec_for(path: Path, work: Path) -> Path:
    spec = work / "log_scan.yaml"
    spec.write_text(
        "certify: 1\nphase: log scan benchmark\ntargets:\n  logs:\n"
        f"    export: {{files: [{json.dumps(str(path))}]}}\nhypotheses:\n  - id: L-1\n"
        "    claim: the backfill returned 200\n    check:\n      kind: log_proof\n"
        f"      source: export\n      filter: '{FILTER}'\n"
        '      since: "2020-01-01T00:00:00Z"\n      expect: {min: 1}\n')
    return spec


class Bench:
    """The runs on one export; `failed` once a run failed or a count disagreed."""

    def __init__(self, path: Path, n: int, work: Path) -> None:
        self.path, self.n, self.work = path, n, work
        self.failed = False
        self.loop = work / "tight_loop.py"
        self.loop.write_text(TIGHT_LOOP)
        self.spec = spec_for(path, work)

    def run(self, row: Row, cmd: list[str]) -> str | None:
        """One run of cmd: its stdout, or None (and the failure printed)."""
        out, err = self.work / "out.txt", self.work / "err.txt"
        code, wall, cpu, rss = measure(cmd, out, err)
        row.walls.append(wall)
        row.cpus.append(cpu)
        row.rss = max(row.rss, rss)
        if code != 0:
            self.failed = True
            print(f"{row.tool} exited {code}:\n{err.read_text()[-2000:]}{out.read_text()[-1000:]}")
            return None
        return out.read_text()

    def certify(self, row: Row) -> None:
        reports = self.work / "reports"
        shutil.rmtree(reports, ignore_errors=True)
        cmd = [sys.executable, "-m", "certify", "run", str(self.spec), "-o", str(reports), "-q"]
        if self.run(row, cmd) is None:
            return
        check = certify_result(reports)
        values = check.get("values", {})
        if values.get("scanned") != self.n:
            self.failed = True
            print(f"certify read {values.get('scanned')} entries of {self.n:,}")
        row.count = values.get("matched")
        row.checks.append(check.get("seconds", float("nan")))

    def counted(self, row: Row, cmd: list[str]) -> None:
        out = self.run(row, cmd)
        if out is not None:
            row.count = int(out.split()[-1])


def report(n: int, size: float, truth: int, rows: list[Row]) -> None:
    print(f"\n{n:,} entries, {size / 1e6:,.1f} MB, {truth:,} match (the generator's count)")
    print(f"{'tool':<13} {'runs':>4} {'wall min':>9} {'median':>8} {'CPU':>7} {'check':>7} "
          f"{'entries/s':>11} {'peak RSS MB':>12} {'matches':>8}")
    for r in rows:
        check = "" if r.check is None else f"{r.check:.3f}"
        print(f"{r.tool:<13} {len(r.walls):>4} {r.min:>9.3f} {r.median:>8.3f} {r.cpu:>7.3f} {check:>7} "
              f"{n / r.median:>11,.0f} {r.rss:>12.1f} {r.count!s:>8}")
    mine, loop = rows[0], rows[1]
    print(f"certify / tight loop: {mine.median / loop.median:.2f}x (median), "
          f"{mine.min / loop.min:.2f}x (min), {mine.cpu / loop.cpu:.2f}x (CPU)")


def one_size(root: Path, n: int, runs: int, jq: str | None, keep: bool) -> tuple[Row, Row, bool]:
    """Run and report the tools on the export of n entries: the rows of certify and of the tight
    loop, and whether anything failed."""
    path, truth = export(root, n)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=root))
    bench = Bench(path, n, work)
    rows = [Row("certify run"), Row("tight loop")]
    for _ in range(max(1, runs)):  # in turn, so both see the same machine
        bench.certify(rows[0])
        bench.counted(rows[1], [sys.executable, str(bench.loop), str(path)])
    if jq is not None:
        rows += [Row("jq"), Row("jq --stream")]
        bench.counted(rows[2], [jq, *JQ, str(path)])
        bench.counted(rows[3], [jq, *JQ_STREAM, str(path)])
    report(n, path.stat().st_size, truth, rows)
    wrong = [f"{r.tool} found {r.count}" for r in rows if r.count != truth]
    if wrong:
        bench.failed = True
        print(f"!!! MISMATCH: the generator counted {truth}, but " + ", ".join(wrong) + " !!!")
    if keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return rows[0], rows[1], bench.failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3, help="runs of certify and of the tight loop")
    ap.add_argument("--no-jq", action="store_true", help="leave out jq and jq --stream (minutes at 1M)")
    ap.add_argument("--dir", type=Path, help="keep the exports here, for the next run (default: removed)")
    ap.add_argument("--keep", action="store_true", help="keep the spec and certify's last reports too")
    ap.add_argument("--jq", default=shutil.which("jq") or "/usr/bin/jq")
    args = ap.parse_args()
    if not args.no_jq and not Path(args.jq).is_file():
        print(f"jq not found ({args.jq}); install it or pass --no-jq")
        return 2
    root = (args.dir or Path(tempfile.mkdtemp(prefix="certify-log-scan-"))).resolve()
    failed, medians = False, {}
    try:
        for n in sorted(args.entries):
            certify, loop, bad = one_size(root, n, args.runs, None if args.no_jq else args.jq, args.keep)
            medians[n] = (certify.check or 0.0, loop.median)
            failed = failed or bad
        if len(medians) > 1:
            (small, (c0, l0)), (large, (c1, l1)) = min(medians.items()), max(medians.items())
            print(f"\n{small:,} -> {large:,} entries ({large / small:.0f}x): certify's check {c0:.3f} -> "
                  f"{c1:.3f} s ({c1 / c0:.1f}x), the tight loop {l0:.3f} -> {l1:.3f} s ({l1 / l0:.1f}x)")
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

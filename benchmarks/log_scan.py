"""Benchmark: one `log_proof` filter over a 1,000,000-entry gcloud JSON export, beside jq.

Generates (once, cached in --dir with a stamp file) what `gcloud logging read --format=json`
prints for N Cloud Run request-log entries: one JSON array, indent 2, keys sorted, timestamps
ascending over 30 days ending 2026-11-20, about 1.2 KB an entry. A spec with one `log_proof`
hypothesis (`targets.logs` with `files:`) is run by `certify run`; jq runs the same filter on
the same file. Prints wall seconds, entries per second and the child's peak RSS (os.wait4, the
process itself, not its children) for both, and checks that certify, jq and the generator's own
count of matching entries agree. Aim: certify faster than jq, peak memory under 200 MB.

    python benchmarks/log_scan.py [--entries 1000000] [--dir D] [--repeat R] [--keep] [--jq-only]

--repeat takes the best wall time of R runs (peak RSS: the highest). The export is kept for the
next run; certify's reports are deleted unless --keep. Exit status: 0 all agree, 1 certify
failed or a count disagrees, 2 jq is missing or failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1  # bump when the generated content changes
SEED = 20261120
END = datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)
BACKFILL = "/integrations/withings/backfill"
FILTER = ('resource.type="cloud_run_revision" AND resource.labels.service_name="oli-api" AND '
          f'httpRequest.requestUrl=~"{BACKFILL}" AND httpRequest.status=200')
JQ_PROGRAM = ('[.[] | select(.resource.type=="cloud_run_revision"'
              ' and .resource.labels.service_name=="oli-api"'
              f' and (.httpRequest.requestUrl // "" | test("{BACKFILL}")) and .httpRequest.status==200)]'
              ' | length')
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


def export(folder: Path, n: int) -> tuple[Path, int]:
    """The cached export for n entries and its ground truth; (re)generated when the stamp differs."""
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


def measure(cmd: list[str], out: Path, err: Path) -> tuple[int, float, float]:
    """Run cmd with stdout/stderr to files; return (exit code, wall seconds, peak RSS in MB)."""
    with out.open("wb") as fo, err.open("wb") as fe:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss / 1024  # KiB on Linux


def best(cmd: list[str], work: Path, name: str, repeat: int) -> tuple[int, float, float]:
    runs = [measure(cmd, work / f"{name}.out", work / f"{name}.err") for _ in range(repeat)]
    return runs[-1][0], min(r[1] for r in runs), max(r[2] for r in runs)


def certify_matched(reports: Path) -> Any:
    packs = [p for p in reports.glob("*/*/") if not p.name.startswith(".") and (p / "results.json").is_file()]
    if not packs:
        return None
    data = json.loads((max(packs, key=lambda p: p.stat().st_mtime) / "results.json").read_text())
    return data["hypotheses"][0]["checks"][0].get("values", {}).get("matched")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "certify-log-scan")
    ap.add_argument("--repeat", type=int, default=1, help="best wall time of R runs")
    ap.add_argument("--keep", action="store_true", help="keep certify's spec, reports and output")
    ap.add_argument("--jq-only", action="store_true", help="generate and time jq only")
    ap.add_argument("--jq", default=shutil.which("jq") or "/usr/bin/jq")
    args = ap.parse_args()
    n, repeat = args.entries, max(1, args.repeat)
    path, truth = export(args.dir.resolve(), n)
    print(f"export    {path}  {path.stat().st_size / 1e6:,.1f} MB, {n:,} entries, {truth:,} match")
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.dir))
    rows: dict[str, tuple[float, float, Any]] = {}
    failed = False
    try:
        code, wall, rss = best([args.jq, JQ_PROGRAM, str(path)], work, "jq", repeat)
        if code != 0:
            print(f"jq failed (exit {code}):\n{(work / 'jq.err').read_text()[-2000:]}")
            return 2
        rows["jq"] = (wall, rss, int((work / "jq.out").read_text()))
        if not args.jq_only:
            spec = work / "log_scan.yaml"
            spec.write_text(
                "certify: 1\nphase: log scan benchmark\ntargets:\n  logs:\n"
                f"    export: {{files: [{json.dumps(str(path))}]}}\nhypotheses:\n  - id: L-1\n"
                "    claim: the backfill returned 200\n    check:\n      kind: log_proof\n"
                f"      source: export\n      filter: '{FILTER}'\n"
                '      since: "2020-01-01T00:00:00Z"\n      expect: {min: 1}\n')
            cmd = [sys.executable, "-m", "certify", "run", str(spec), "-o", str(work / "reports"), "-q"]
            code, wall, rss = best(cmd, work, "certify", repeat)
            matched = certify_matched(work / "reports")
            if matched is None:
                failed = True
                out = (work / "certify.err").read_text()[-3000:] + (work / "certify.out").read_text()[-1000:]
                print(f"certify run failed (exit {code}), no `matched` in results.json; output:\n{out}")
            else:
                rows["certify"] = (wall, rss, matched)
                if code != 0:
                    print(f"note: certify run exited {code} (expected 0: the hypothesis should be TRUE)")
                    failed = True
        print(f"\n{'tool':<9} {'wall s':>9} {'entries/s':>12} {'peak RSS MB':>12} {'matches':>8}")
        for tool, (wall, rss, count) in rows.items():
            print(f"{tool:<9} {wall:>9.3f} {n / wall:>12,.0f} {rss:>12,.1f} {count!s:>8}")
        print(f"{'generator':<9} {'':>9} {'':>12} {'':>12} {truth:>8}")
        if "certify" in rows:
            (cw, cr, _), (jw, jr, _) = rows["certify"], rows["jq"]
            print(f"\ncertify/jq  wall {cw / jw:.2f}x  peak RSS {cr / jr:.2f}x   (aim: faster than jq: "
                  f"{'yes' if cw < jw else 'NO'}; under 200 MB: {'yes' if cr < 200 else 'NO'})")
        wrong = {tool: row[2] for tool, row in rows.items() if row[2] != truth}
        if wrong:
            failed = True
            print(f"\n!!! MISMATCH: generator counted {truth}, but " +
                  ", ".join(f"{tool} found {count}" for tool, count in wrong.items()) + " !!!")
        if repeat > 1:
            print(f"best wall of {repeat} runs, highest peak RSS")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

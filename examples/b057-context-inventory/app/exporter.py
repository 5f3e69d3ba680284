"""A stand-in for the worker metrics exporter (repo/backend/app/observability/
worker_metrics_exporter.py), standard library only.

    python3 app/exporter.py --port 9108 --shards app/shards

Like prometheus_client's MultiProcessCollector it reads the shards the worker's child
processes wrote (here: Prometheus text files, one per child, read-only) and serves their
sum on GET /metrics: counters and histogram series with the same name and labels are added.
It is the only HTTP listener for celery_task_* and matview_refresh_* metrics.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys

from serve import Base, serve

SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)$")


def aggregate(shard_dir: str) -> str:
    meta: dict[str, list[str]] = {}
    totals: dict[str, float] = {}
    for path in sorted(glob.glob(os.path.join(shard_dir, "*.prom"))):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.strip()
                if line.startswith("# HELP ") or line.startswith("# TYPE "):
                    name = line.split()[2]
                    if line not in meta.setdefault(name, []):
                        meta[name].append(line)
                    continue
                m = SAMPLE.match(line)
                if m:
                    totals[m.group(1)] = totals.get(m.group(1), 0.0) + float(m.group(2))
    out: list[str] = []
    for name, header in meta.items():
        out += header
        out += [f"{series} {value}" for series, value in totals.items()
                if re.match(rf"{re.escape(name)}(_bucket|_sum|_count)?(\{{|$)", series)]
    return "\n".join(out) + "\n"


class Exporter(Base):
    shard_dir = "."

    def metrics(self) -> None:
        self.send(200, aggregate(self.shard_dir).encode(), "text/plain; version=0.0.4; charset=utf-8")

    routes = {("GET", "/metrics"): metrics}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="worker metrics exporter stand-in")
    ap.add_argument("--port", type=int, default=9108)
    ap.add_argument("--shards", required=True, help="folder of per-child metric shards")
    args = ap.parse_args(argv)
    if not glob.glob(os.path.join(args.shards, "*.prom")):
        print(f"exporter: no shards in {args.shards}", file=sys.stderr, flush=True)
        return 1
    Exporter.shard_dir = args.shards
    return serve("exporter", args.port, Exporter)


if __name__ == "__main__":
    sys.exit(main())

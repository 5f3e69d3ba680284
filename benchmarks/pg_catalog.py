#!/usr/bin/env python3
"""Benchmark: certify's PostgreSQL catalog kinds (`rls`, `grants`, `security_definer`)
against the same SQL run without certify, on a database with a large catalog.

What it measures
----------------
A private, throwaway PostgreSQL cluster (``certify.targets.pgcluster.PrivateCluster``,
always stopped at the end) gets three roles (``app_owner`` NOLOGIN owns everything,
``app_rw`` NOLOGIN, ``app_user`` LOGIN IN ROLE app_rw) and a database ``bench`` with,
by default:

* 10,000 tables spread over the schemas public, app, billing and audit; every other
  table has row level security enabled + forced + a policy; SELECT/INSERT/UPDATE/DELETE
  is granted to app_rw on 9 tables in 10 (so app_user holds SELECT through membership
  on those, and lacks it on the rest);
* 5,000 SQL functions, 1,000 of them SECURITY DEFINER: a quarter ``SET search_path = ''``,
  a quarter with no search_path, a quarter pinned to their own schema then pg_temp, a quarter pinned
  to ``scratch`` (a schema where PUBLIC may CREATE); EXECUTE is revoked from PUBLIC (and
  granted to app_rw) on two definers in three;
* tables/100 views over RLS tables, half of them ``security_invoker``.

It is generated as SQL scripts (one per schema, run by concurrent ``psql -f`` sessions,
committing every few hundred tables), then the catalogs are ANALYZEd as autovacuum
would. A spec with a ``postgres`` target ``{dsn: ...}`` and three hypotheses is written:

* ``rls`` on ``<schema>.*`` for every table schema, ``expect: {enabled: true}``
  (half the tables fail: tables/2 findings);
* ``grants`` for role app_user on ``<schema>.t_*`` (every table, nothing else),
  ``has: [SELECT]`` (tables/10 findings);
* ``security_definer`` over all the schemas, default expectations (pinned search_path,
  no PUBLIC EXECUTE; views over RLS tables need security_invoker).

Each of ``--runs`` rounds (default 3) measures, one after the other:

* ``certify run SPEC -j 1``: the checks one at a time, as the floor runs its SQL. A check's
  time is the ``seconds`` certify records for it in results.json: opening its session,
  every statement it sends, turning rows into findings, and settling its verdict.
* ``certify run SPEC`` at certify's default ``-j`` (the three checks at once), and the wall
  time of that whole ``certify run`` (start, checks, evidence pack, exit).
* the floor: the same SQL through psycopg in this one process, on one connection opened
  before the clock starts (a new one each round, as each certify run opens its own), with
  certify's catalog session settings (``connection_options``: search_path pg_catalog,
  read-only, no parallel workers): each kind's statements with the parameters certify binds
  for the spec (the role check, the kind's catalog query), fetching every row, plus the
  schema list that certify reads once per run. Nothing else: no findings, no evidence.
* psql bare: each kind's catalog query as its reproduce line holds it, sent as ``psql DSN
  -X -c 'BEGIN READ ONLY; <query>; ROLLBACK;'`` (starting psql and connecting included;
  ``psql SELECT 1`` shows how much).

Min and median over the rounds are printed for every figure, with certify / floor ratios; for
the parallel run also the checks' span (first start to last end) that certify records.
Each check's own ``reproduce`` line is also run once as written, to show it works, and the
findings are compared with the defects planted.

Goals (issues 14 and 16): the checks' summed time under 1 s and within 1.3x of the floor
(certify -j 1), and the whole ``certify run`` under 1.5 s (default -j). They are judged on
the rounds' minimum, the figure least disturbed by other work on a shared machine; medians
and the round-by-round ratios are printed beside.

How to run
----------
Needs the PostgreSQL server binaries (initdb, pg_ctl) and psql, psycopg and certify
installed in this Python (``. .venv/bin/activate``). As root, the cluster runs as the
``postgres`` OS user::

    python benchmarks/pg_catalog.py                                   # full size, ~1 min
    python benchmarks/pg_catalog.py --tables 500 --functions 250 --definers 50   # quick
    python benchmarks/pg_catalog.py --explain     # also EXPLAIN ANALYZE each query

The spec, the generated SQL and the last evidence pack are kept under
``benchmarks/.work/pg_catalog/`` (the spec's DSN points at the cluster, which is gone
once the script ends).

Exit status: 0 the checks ran, found what was planted and met the goals, 1 a goal missed,
a finding count differs or a check errored, 2 bad usage or a tool missing or failing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from certify.engine.run import DEFAULT_JOBS
from certify.kinds import grants as grants_kind
from certify.kinds import rls as rls_kind
from certify.kinds import security_definer as definer_kind
from certify.kinds.pg_common import SchemaScope, glob_to_like, named_schemas, qualify, read_schema_scope
from certify.targets.pgcluster import ClusterError, PrivateCluster, psql_binary
from certify.targets.postgres import PostgresConfig, connection_options

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "pg_catalog"
DB = "bench"
TABLE_SCHEMAS = ["public", "app", "billing", "audit"]
SCRATCH = "scratch"  # PUBLIC may CREATE here: a definer pinned to it is a finding
KINDS = ["rls", "grants", "security_definer"]
TARGET_SECONDS = 1.0  # the checks' summed time (issue 14)
TARGET_RATIO = 1.3  # certify's check time over the floor's (issue 16)
TARGET_WALL = 1.5  # the whole `certify run` (issue 16)
BATCH = 400  # tables per transaction (each holds ~4 relation locks until COMMIT)
ARGS = ["integer", "uuid", "text, integer", "", "bigint, text, boolean"]


class ToolError(RuntimeError):
    pass


# --------------------------------------------------------------------------- generation


@dataclass
class Plan:
    tables: int
    functions: int
    definers: int
    views: int
    expected: dict[str, int] = field(default_factory=dict)


def definer_flags(functions: int, definers: int) -> list[bool]:
    """Exactly `definers` of `functions` marked, spread evenly."""
    return [(j + 1) * definers // functions != j * definers // functions for j in range(functions)]


def setup_sql() -> str:
    schemas = [s for s in TABLE_SCHEMAS if s != "public"] + [SCRATCH]
    lines = [
        "ALTER SCHEMA public OWNER TO app_owner;",
        *[f"CREATE SCHEMA {s} AUTHORIZATION app_owner;" for s in schemas],
        f"GRANT USAGE, CREATE ON SCHEMA {SCRATCH} TO PUBLIC;",
        f"GRANT USAGE ON SCHEMA {', '.join(TABLE_SCHEMAS)} TO app_rw;",
    ]
    return "\n".join(lines) + "\n"


def schema_sql(schema_index: int, plan: Plan) -> tuple[str, dict[str, int]]:
    """The script creating one schema's tables, views and functions, as app_owner;
    with the findings each kind should report for them."""
    n_schemas = len(TABLE_SCHEMAS)
    schema = TABLE_SCHEMAS[schema_index]
    expected = {"rls": 0, "grants": 0, "security_definer": 0}
    out = ["\\set ON_ERROR_STOP 1", "SET ROLE app_owner;", "SET client_min_messages = warning;",
           "BEGIN;"]
    in_batch = 0
    rls_tables: list[str] = []

    def commit_every(n: int = 1) -> None:
        nonlocal in_batch
        in_batch += n
        if in_batch >= BATCH:
            out.extend(["COMMIT;", "BEGIN;"])
            in_batch = 0

    for i in range(schema_index, plan.tables, n_schemas):
        t = f"{schema}.t_{i:05d}"
        out.append(f"CREATE TABLE {t} (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, "
                   "created_at timestamptz NOT NULL DEFAULT now(), body text);")
        nth = i // n_schemas  # the table's number within its schema
        if nth % 2 == 0:
            rls_tables.append(t)
            out.append(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;")
            out.append(f"CREATE POLICY tenant_isolation ON {t} USING "
                       "(tenant_id = current_setting('app.current_tenant_id', true)::uuid);")
        else:
            expected["rls"] += 1
        if nth % 10 != 9:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO app_rw;")
        else:
            expected["grants"] += 1
        commit_every()

    for j in range(schema_index, plan.views if rls_tables else 0, n_schemas):
        base = rls_tables[(j // n_schemas) % len(rls_tables)]
        invoker = (j // n_schemas) % 2 == 0
        opts = " WITH (security_invoker = true)" if invoker else ""
        out.append(f"CREATE VIEW {schema}.v_{j:05d}{opts} AS SELECT id, tenant_id, body FROM {base};")
        if not invoker:
            expected["security_definer"] += 1
        commit_every()

    flags = definer_flags(plan.functions, plan.definers)
    d_index = {j: d for d, j in enumerate(j for j, f in enumerate(flags) if f)}
    for j in range(schema_index, plan.functions, n_schemas):
        fn = f"{schema}.f_{j:05d}({ARGS[j % len(ARGS)]})"
        head = f"CREATE FUNCTION {fn} RETURNS integer LANGUAGE sql"
        if not flags[j]:
            out.append(f"{head} STABLE AS $$SELECT 1$$;")
            commit_every()
            continue
        d = d_index[j]
        variant = d % 4
        path = {0: " SET search_path = ''", 1: "", 2: f" SET search_path = {schema}, pg_temp",
                3: f" SET search_path = {SCRATCH}"}[variant]
        out.append(f"{head} SECURITY DEFINER{path} AS $$SELECT 1$$;")
        if variant in (1, 3):  # no search_path; a path through a PUBLIC-writable schema
            expected["security_definer"] += 1
        if d % 3 == 0:
            expected["security_definer"] += 1  # EXECUTE left to PUBLIC (the default)
        else:
            out.append(f"REVOKE EXECUTE ON FUNCTION {fn} FROM PUBLIC;")
            out.append(f"GRANT EXECUTE ON FUNCTION {fn} TO app_rw;")
        commit_every()
    out.append("COMMIT;")
    return "\n".join(out) + "\n", expected


def run_psql_file(dsn: str, path: Path) -> None:
    proc = subprocess.run([psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
                           "-f", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolError(f"psql -f {path} exited {proc.returncode}:\n{proc.stderr[-3000:]}")


def generate(cluster: PrivateCluster, admin_dsn: str, plan: Plan, work: Path) -> tuple[str, dict[str, float]]:
    """Create the roles and the bench database; return its DSN and timings."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("CREATE ROLE app_owner NOLOGIN")
        conn.execute("CREATE ROLE app_rw NOLOGIN")
        conn.execute("CREATE ROLE app_user LOGIN IN ROLE app_rw")
        conn.execute(f"CREATE DATABASE {DB} OWNER app_owner")
    dsn = cluster.dsn(DB)
    setup = work / "00-setup.sql"
    setup.write_text(setup_sql())
    run_psql_file(dsn, setup)
    scripts = []
    expected = {k: 0 for k in KINDS}
    for s in range(len(TABLE_SCHEMAS)):
        text, exp = schema_sql(s, plan)
        path = work / f"10-{TABLE_SCHEMAS[s]}.sql"
        path.write_text(text)
        scripts.append(path)
        for k, v in exp.items():
            expected[k] += v
    plan.expected = expected
    times["write scripts"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    workers = max(1, min(len(scripts), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda p: run_psql_file(dsn, p), scripts))
    times[f"psql -f (x{workers} concurrent)"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        # What autovacuum would have done by the time anyone audits this database.
        conn.execute("VACUUM ANALYZE pg_catalog.pg_class, pg_catalog.pg_namespace, "
                     "pg_catalog.pg_proc, pg_catalog.pg_policy, pg_catalog.pg_depend, "
                     "pg_catalog.pg_rewrite, pg_catalog.pg_authid, pg_catalog.pg_auth_members, "
                     "pg_catalog.pg_attribute, pg_catalog.pg_type")
    times["vacuum analyze catalogs"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    return dsn, times


def catalog_counts(dsn: str) -> dict[str, int]:
    q = """
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r','p') AND n.nspname = ANY(%(s)s)),
           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r','p') AND n.nspname = ANY(%(s)s) AND c.relrowsecurity),
           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'v' AND n.nspname = ANY(%(s)s)),
           (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY(%(s)s)),
           (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY(%(s)s) AND p.prosecdef),
           (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_depend)
    """
    with psycopg.connect(dsn) as conn:
        row = conn.execute(q, {"s": TABLE_SCHEMAS}).fetchone()
    assert row is not None
    keys = ["tables", "rls tables", "views", "functions", "definers", "pg_class rows",
            "pg_depend rows"]
    return dict(zip(keys, (int(v) for v in row), strict=True))


# ------------------------------------------------------------------------------ spec


RLS_TABLES = [f"{s}.*" for s in TABLE_SCHEMAS]
GRANTS_ON = [f"{s}.t_*" for s in TABLE_SCHEMAS]
GRANTS_ROLE = "app_user"
DEFINER_SCHEMAS = [*TABLE_SCHEMAS, SCRATCH]


def write_spec(path: Path, dsn: str, jobs_note: str) -> None:
    q = json.dumps
    table_globs = ", ".join(q(t) for t in RLS_TABLES)
    grant_globs = ", ".join(q(t) for t in GRANTS_ON)
    schemas = ", ".join(q(s) for s in DEFINER_SCHEMAS)
    path.write_text(f"""\
# Written by benchmarks/pg_catalog.py ({jobs_note}); the DSN is a throwaway cluster.
certify: 1
phase: "Benchmark: PostgreSQL catalog kinds"
targets:
  postgres:
    bench: {{dsn: {q(dsn)}, statement_timeout: 300}}
groups:
  C: Database
hypotheses:
  - id: H-RLS
    group: C
    claim: Every table has row level security enabled
    check:
      kind: rls
      timeout: 600
      tables: [{table_globs}]
      expect: {{enabled: true}}
  - id: H-GRANTS
    group: C
    claim: app_user can SELECT every table
    check:
      kind: grants
      timeout: 600
      role: {GRANTS_ROLE}
      on: [{grant_globs}]
      has: [SELECT]
  - id: H-DEFINER
    group: C
    claim: SECURITY DEFINER functions are hardened and no view bypasses RLS
    check:
      kind: security_definer
      timeout: 600
      schemas: [{schemas}]
""")


# --------------------------------------------------------------------------- running


def find_certify(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "certify"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("certify")


@dataclass
class CertifyRun:
    wall: float
    exit_code: int
    checks: dict[str, dict[str, Any]]
    span: float | None  # from the first check's start to the last one's end, as certify says

    def seconds(self) -> dict[str, float]:
        return {k: float(self.checks[k]["seconds"]) for k in KINDS}

    def findings(self, kind: str) -> int:
        check = self.checks[kind]
        return int(check.get("findings_total", len(check["findings"])))


SPAN = re.compile(r"([\d.]+) s from the first check's start to the last one's end")


def run_certify(certify: str, spec: Path, jobs: int | None, keep: Path) -> CertifyRun:
    with tempfile.TemporaryDirectory(prefix="certify-pgbench-") as tmp:
        out = Path(tmp)
        cmd = [certify, "run", str(spec), "-o", str(out / "packs"), "--json", str(out / "r.json"),
               "-q"]
        if jobs is not None:
            cmd += ["-j", str(jobs)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=dict(os.environ, NO_COLOR="1"))
        wall = time.perf_counter() - t0
        result_path = out / "r.json"
        if proc.returncode not in (0, 1, 3) or not result_path.is_file():
            raise ToolError(f"{' '.join(cmd)}\nexited {proc.returncode}\n--- stdout\n"
                            f"{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-5000:]}")
        results = json.loads(result_path.read_text())
        if keep.exists():
            shutil.rmtree(keep)
        shutil.copytree(out / "packs", keep)
        shutil.copy(result_path, keep / "results.json")
    checks = {c["kind"]: c for h in results["hypotheses"] for c in h["checks"]}
    missing = [k for k in KINDS if k not in checks]
    if missing:
        raise ToolError(f"results.json has no check of kind {', '.join(missing)}")
    span = SPAN.search(str(results.get("environment", {}).get("schedule", "")))
    return CertifyRun(wall, proc.returncode, checks, float(span.group(1)) if span else None)


# What certify binds for the spec's three checks, given the database's schemas (`scope`) and
# the server's version (`how`: the "can SET ROLE" privilege word). Kept beside write_spec.

def rls_params(scope: SchemaScope) -> dict[str, Any]:
    patterns = [qualify(t) for t in RLS_TABLES]
    return {"patterns": [glob_to_like(p) for p in patterns], "excluded": [], "extensions": False,
            "schemas": scope.covered(named_schemas(patterns)), "app_roles": []}


def grants_params(scope: SchemaScope, how: str) -> dict[str, Any]:
    named = named_schemas(GRANTS_ON)
    return {"patterns": [glob_to_like(p) for p in GRANTS_ON], "role": GRANTS_ROLE, "privs": ["SELECT"],
            "how": how, "skipped": [s for s in scope.skipped if s not in named], "extensions": False,
            "prefixes": [grants_kind._prefix(p) for p in GRANTS_ON], "effective": True,
            "public_columns": False, "sources": False}


def definer_params(scope: SchemaScope, how: str) -> dict[str, Any]:
    return {"schemas": [s for s in scope.covered(DEFINER_SCHEMAS) if s in DEFINER_SCHEMAS],
            "untrusted": ["PUBLIC"], "how": how, "extensions": False}


def statements(scope: SchemaScope, how: str) -> dict[str, list[tuple[str, Any]]]:
    """Each kind's statements as certify sends them for the spec (the schema list aside)."""
    return {
        "rls": [(rls_kind.QUERY, rls_params(scope))],
        "grants": [("SELECT %s::regrole", (GRANTS_ROLE,)), (grants_kind.QUERY, grants_params(scope, how))],
        "security_definer": [(definer_kind.QUERY, definer_params(scope, how))],
    }


def bare_queries(scope: SchemaScope, how: str) -> dict[str, str]:
    """Each kind's catalog query with its parameters written in, as its reproduce line holds it."""
    return {
        "rls": rls_kind._shown(rls_params(scope)),
        "grants": grants_kind._shown(grants_params(scope, how)),
        "security_definer": definer_kind._shown(definer_params(scope, how)),
    }


class Floor:
    """The same SQL through psycopg in this process, on one connection per round (opened before
    the clock starts, as certify's run opens its own: the server's catalog caches start cold)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        with self.connect() as conn, conn.cursor() as cur:
            self.how = "MEMBER" if conn.info.server_version < 160000 else "SET"
            self.scope = read_schema_scope(cur)
        self.sql = statements(self.scope, self.how)

    def connect(self) -> psycopg.Connection[Any]:
        options = connection_options(PostgresConfig(dsn=self.dsn, statement_timeout=300), catalog=True,
                                     writes=False)  # certify's catalog sessions' settings
        conn = psycopg.connect(self.dsn, options=options)
        conn.prepare_threshold = None  # as certify: each statement planned for its parameters
        return conn

    def run(self) -> tuple[dict[str, float], dict[str, int]]:
        """Seconds per kind (and for the schema list), and rows each kind's last statement gave."""
        seconds: dict[str, float] = {}
        rows: dict[str, int] = {}
        with self.connect() as conn, conn.cursor() as cur:
            t0 = time.perf_counter()
            read_schema_scope(cur)
            seconds["schema list"] = time.perf_counter() - t0
            for kind in KINDS:
                t0 = time.perf_counter()
                for query, params in self.sql[kind]:
                    cur.execute(query, params)
                    got = cur.fetchall()
                seconds[kind] = time.perf_counter() - t0
                rows[kind] = len(got)
            conn.rollback()
        return seconds, rows


def bare_argv(dsn: str, query: str) -> list[str]:
    """psql running the query as certify does: in a read-only transaction, rolled back;
    newlines kept (a `--` comment in a query ends at its line)."""
    return [psql_binary(), dsn, "-X", "-c", f"BEGIN READ ONLY;\n{query.strip()};\nROLLBACK;",
            "-o", "/dev/null"]


def reproduce_works(reproduce: str) -> str:
    """Run a check's reproduce line as written (its output discarded): "ok" or the error."""
    # A throwaway database's block starts with `certify reproduce`; the psql line follows.
    line = next((x for x in reproduce.splitlines() if x.startswith("psql ")), reproduce)
    argv = shlex.split(line.split("  # ", 1)[0])
    if not argv or argv[0] != "psql":
        return f"not a psql line: {reproduce[:80]}"
    proc = subprocess.run([psql_binary(), *argv[1:], "-o", "/dev/null"], capture_output=True,
                          text=True, env=PSQL_ENV)
    if proc.returncode != 0 or "ERROR" in proc.stderr:
        return " ".join(proc.stderr.split())[:160] or f"psql exited {proc.returncode}"
    return "ok"


PSQL_ENV = dict(os.environ, PGOPTIONS="-c search_path=pg_catalog")


def run_psql(argv: Sequence[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=PSQL_ENV)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or "ERROR" in proc.stderr:
        raise ToolError(f"{' '.join(argv)[:300]}...\nexited {proc.returncode}: {proc.stderr[-2000:]}")
    return seconds


def explain(dsn: str, query: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a query, through psql, with certify's search_path."""
    cmd = [psql_binary(), dsn, "-X", "-c", f"EXPLAIN (ANALYZE, BUFFERS) {query.strip()}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=PSQL_ENV)
    return proc.stdout + proc.stderr


@dataclass
class Rounds:
    """Every round's figures, by series name ("certify -j 1", "floor"...) and column."""

    series: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def add(self, name: str, figures: dict[str, float]) -> None:
        self.series.setdefault(name, []).append(figures)

    def stat(self, name: str, column: str, how: Callable[[list[float]], float]) -> float:
        return how([r[column] for r in self.series[name]])

    def ratio(self, name: str, how: Callable[[list[float]], float]) -> float:
        """`name`'s summed check time over the floor's, each taken `how` (min, median) of the rounds."""
        return self.stat(name, "sum", how) / self.stat("floor", "sum", how)


def measure(certify: str, spec: Path, dsn: str, runs: int, jobs: int | None) -> tuple[Rounds, CertifyRun]:
    """`runs` rounds of: certify -j 1, certify at `jobs`, the floor, psql bare (after one
    warm-up of each, not counted)."""
    floor = Floor(dsn)
    bare = {k: bare_argv(dsn, q) for k, q in bare_queries(floor.scope, floor.how).items()}
    one = bare_argv(dsn, "SELECT 1")
    last = run_certify(certify, spec, 1, WORK / "last-pack")  # warm-up
    floor.run()
    rounds = Rounds()
    for _ in range(runs):
        serial = run_certify(certify, spec, 1, WORK / "last-pack")
        rounds.add("certify -j 1", {**serial.seconds(), "sum": sum(serial.seconds().values()),
                                    "wall": serial.wall})
        last = run_certify(certify, spec, jobs, WORK / "last-pack")
        rounds.add("certify -j N", {**last.seconds(), "sum": sum(last.seconds().values()),
                                    "wall": last.wall, "span": last.span or float("nan")})
        seconds, rows = floor.run()
        if rows["rls"] != last.checks["rls"]["values"].get("tables") or \
                rows["grants"] != last.checks["grants"]["values"].get("objects"):
            raise ToolError(f"the floor's SQL did not read what certify read: {rows}")
        rounds.add("floor", {**seconds, "sum": sum(seconds.values())})
        psql = {k: run_psql(argv) for k, argv in bare.items()}
        rounds.add("psql bare", {**psql, "sum": sum(psql.values()), "SELECT 1": run_psql(one)})
    return rounds, last


# ------------------------------------------------------------------------------ output


def print_table(rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--tables", type=int, default=10_000, help="tables (10000)")
    ap.add_argument("--functions", type=int, default=5_000, help="functions (5000)")
    ap.add_argument("--definers", type=int, default=1_000,
                    help="of which SECURITY DEFINER (1000)")
    ap.add_argument("--views", type=int, default=None, help="views over RLS tables (tables/100)")
    ap.add_argument("--runs", type=int, default=3, help="measured rounds (3)")
    ap.add_argument("-j", "--jobs", type=int, default=None,
                    help=f"-j for the parallel certify run (default: certify's own, {DEFAULT_JOBS})")
    ap.add_argument("--explain", action="store_true",
                    help="print EXPLAIN (ANALYZE, BUFFERS) of each kind's query")
    ap.add_argument("--certify", help="certify executable (default: beside python, or PATH)")
    args = ap.parse_args(argv)
    if args.tables < 1 or args.functions < 0 or not 0 <= args.definers <= args.functions:
        ap.error("need --tables >= 1 and 0 <= --definers <= --functions")
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    if args.views is None:
        args.views = args.tables // 100
    return args


def report(rounds: Rounds, jobs: str) -> list[tuple[str, str]]:
    """The figures' rows: per kind and summed, min and median over the rounds."""
    columns = [*KINDS, "sum"]

    def line(name: str, cols: Sequence[str] = columns) -> str:
        return "   ".join(
            f"{c} {rounds.stat(name, c, min):.3f} / {rounds.stat(name, c, statistics.median):.3f}"
            for c in cols)

    def ratio(name: str) -> str:
        each = "  ".join(f"{r['sum'] / f['sum']:.2f}x" for r, f in zip(rounds.series[name],
                                                                     rounds.series["floor"], strict=True))
        return f"{rounds.ratio(name, min):.2f}x / {rounds.ratio(name, statistics.median):.2f}x" \
               f"   (round by round: {each})"

    def walls(name: str) -> str:
        each = "  ".join(f"{r['wall']:.3f}" for r in rounds.series[name])
        return f"{each}  (min {rounds.stat(name, 'wall', min):.3f}, " \
               f"median {rounds.stat(name, 'wall', statistics.median):.3f})"

    return [
        ("", "seconds, min / median of the rounds"),
        ("certify -j 1, checks", line("certify -j 1")),
        (f"certify -j {jobs}, checks", line("certify -j N", [*columns, "span"])),
        ("floor (psycopg, 1 conn.)", line("floor", [*columns[:-1], "schema list", "sum"])),
        ("psql bare", line("psql bare") + "   (psql SELECT 1 "
         f"{rounds.stat('psql bare', 'SELECT 1', min):.3f}, in each)"),
        ("ratio to the floor, -j 1", ratio("certify -j 1")),
        (f"ratio to the floor, -j {jobs}", ratio("certify -j N")),
        ("certify run wall, -j 1", walls("certify -j 1")),
        (f"certify run wall, -j {jobs}", walls("certify -j N")),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    certify = find_certify(args.certify)
    if certify is None:
        print("certify executable not found (pass --certify)", file=sys.stderr)
        return 2
    plan = Plan(args.tables, args.functions, args.definers, args.views)
    WORK.mkdir(parents=True, exist_ok=True)
    sql_dir = WORK / "sql"
    shutil.rmtree(sql_dir, ignore_errors=True)
    sql_dir.mkdir()
    spec = WORK / "pg_catalog.yaml"
    jobs = str(args.jobs or DEFAULT_JOBS)

    try:
        cluster = PrivateCluster()
    except ClusterError as e:
        print(f"cannot start a cluster: {e}", file=sys.stderr)
        return 2
    try:
        t0 = time.perf_counter()
        admin = cluster.start()
        started = time.perf_counter() - t0
        print(f"cluster up in {started:.1f}s; generating {plan.tables} tables, {plan.functions} "
              f"functions ({plan.definers} SECURITY DEFINER), {plan.views} views ...", flush=True)
        dsn, gen_times = generate(cluster, admin, plan, sql_dir)
        print("generation took " + ", ".join(f"{k} {v:.1f}s" for k, v in gen_times.items()),
              flush=True)
        counts = catalog_counts(dsn)
        print("catalog: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)

        write_spec(spec, dsn, f"-j 1 and -j {jobs}")
        rounds, last = measure(certify, spec, dsn, args.runs, args.jobs)
        repro = {k: reproduce_works(last.checks[k]["reproduce"]) for k in KINDS}
        explains = {}
        if args.explain:
            floor = Floor(dsn)
            explains = {k: explain(dsn, q) for k, q in bare_queries(floor.scope, floor.how).items()}
    except (ToolError, ClusterError, psycopg.Error) as e:
        print(f"failure:\n{e}", file=sys.stderr)
        return 2
    finally:
        cluster.stop()

    errors = [f"{k}: {c['reason']}" for k, c in last.checks.items() if c["status"] == "error"]
    # Judged on the rounds' minimum, the figure least disturbed by other work on the machine;
    # the median is printed beside it.
    sums = [rounds.stat("certify -j 1", "sum", how) for how in (min, statistics.median)]
    ratios = [rounds.ratio("certify -j 1", how) for how in (min, statistics.median)]
    walls = [rounds.stat("certify -j N", "wall", how) for how in (min, statistics.median)]
    goals = [
        (f"check sum < {TARGET_SECONDS:g}s", sums[0] < TARGET_SECONDS,
         f"{sums[0]:.3f}s (-j 1; median {sums[1]:.3f}s)"),
        (f"within {TARGET_RATIO:g}x of the floor", ratios[0] <= TARGET_RATIO,
         f"{ratios[0]:.2f}x (-j 1; medians {ratios[1]:.2f}x)"),
        (f"certify run < {TARGET_WALL:g}s", walls[0] < TARGET_WALL,
         f"{walls[0]:.3f}s (-j {jobs}; median {walls[1]:.3f}s)"),
    ]
    rows = [
        ("tables", f"{counts['tables']} ({counts['rls tables']} with RLS), in "
                   f"{len(TABLE_SCHEMAS)} schemas; {counts['views']} views"),
        ("functions", f"{counts['functions']} ({counts['definers']} SECURITY DEFINER)"),
        ("catalog size", f"pg_class {counts['pg_class rows']} rows, "
                         f"pg_depend {counts['pg_depend rows']} rows"),
        ("generation seconds", f"{gen_times['total']:.1f}"),
        ("rounds", f"{args.runs} (after one warm-up round)"),
        *report(rounds, jobs),
        ("findings", "  ".join(f"{k} {last.findings(k)}" for k in KINDS)),
        ("findings planted", "  ".join(f"{k} {plan.expected[k]}" for k in KINDS)),
        ("reproduce lines run", "  ".join(f"{k} {v}" for k, v in repro.items() if v == "ok")
         or "none"),
        ("statuses", "  ".join(f"{k} {last.checks[k]['status']}" for k in KINDS)),
        ("objects checked", "  ".join(
            f"{k} {json.dumps(last.checks[k].get('values', {}), sort_keys=True)}" for k in KINDS)),
        *[(goal, ("yes" if met else "NO") + f": {figure}") for goal, met, figure in goals],
    ]
    print()
    print_table(rows)
    for k, text in explains.items():
        print(f"\n--- EXPLAIN ANALYZE, {k}\n{text.rstrip()}")
    mismatched = [k for k in KINDS if last.findings(k) != plan.expected[k]]
    if mismatched:
        print(f"\nfindings differ from the planted defects for: {', '.join(mismatched)}")
    broken = {k: v for k, v in repro.items() if v != "ok"}
    if broken:
        print("\nreproduce lines that fail when run as written:\n  "
              + "\n  ".join(f"{k}: {v}" for k, v in broken.items()))
    if errors:
        print("\nchecks that errored:\n  " + "\n  ".join(errors))
    print(f"\nspec: {spec}\nlast pack: {WORK / 'last-pack'}")
    return 0 if all(met for _, met, _ in goals) and not errors and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())

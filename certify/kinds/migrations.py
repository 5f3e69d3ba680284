"""`migrations`: the migrations apply cleanly to an empty database (an `ephemeral` target)."""

from __future__ import annotations

import glob as globlib
from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.pg_common import target
from certify.spec.binder import meta
from certify.spec.values import CountExpr


@dataclass(frozen=True)
class MigrationsFields:
    """Report what building the ephemeral target applied: files, times, the first error."""

    applied: CountExpr | None = field(default=None, metadata=meta(
        'how many steps (setup files, migrations, command) must apply, e.g. ">= 5"'))


def run(f: MigrationsFields, ctx: CheckContext[MigrationsFields]) -> Outcome:
    pg = target(ctx)
    if pg.build is None:
        raise CheckError(f"postgres target {pg.name} is not ephemeral: nothing was migrated here "
                         "(use `ephemeral:` with setup/migrations)")
    eph = pg.config.ephemeral
    assert eph is not None
    found = {p: globlib.glob(str(pg.base_dir / p)) for p in eph.migrations}
    if eph.migrations:  # a name without wildcards is applied as given: its absence fails the build
        ctx.scope("migration files", eph.migrations,
                  lambda p: bool(found[p]) or not globlib.has_magic(p),
                  total=sum(len(v) if globlib.has_magic(p) else 1 for p, v in found.items()))
    steps = pg.build.steps
    ok = [s for s in steps if s.ok]
    out = ctx.outcome(ran="build an empty database: " + ", ".join(s.name for s in steps),
                      reproduce=pg.build_script())
    out.output = "\n".join(f"{'ok  ' if s.ok else 'FAIL'} {s.name} ({s.seconds:.2f}s)"
                           + (f": {s.error}" if s.error else "") for s in steps)
    out.values.update(applied=len(ok), steps=len(steps),
                      seconds=round(sum(s.seconds for s in steps), 3))
    failed = pg.build.failed
    if failed is not None:
        out.findings.append(Finding(failed.name, failed.error))
        out.status, out.reason = "fail", f"{failed.name} failed after {len(ok)} applied: {failed.error}"
    elif f.applied is not None and not f.applied.matches(len(ok)):
        out.status, out.reason = "fail", f"{len(ok)} steps applied, expected {f.applied}"
    else:
        out.reason = f"all {len(ok)} steps applied in {out.values['seconds']}s"
    return out


KIND = KindSpec(
    name="migrations",
    summary="migrations apply cleanly from an empty database",
    fields=MigrationsFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=30.0,
    example="""\
- kind: migrations
  target: fresh          # a postgres target with `ephemeral:`
  applied: ">= 3"
""",
)

"""`rls`: row level security is enabled (and forced, and has policies) on tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.kinds.pg_common import SYSTEM_SCHEMAS_SQL, finish, glob_match, glob_match_any, qualify, target
from certify.spec.binder import meta

QUERY = f"""
SELECT n.nspname || '.' || c.relname AS raw, c.oid::regclass::text AS name,
       c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS_SQL}
ORDER BY 1
"""


@dataclass(frozen=True)
class RlsExpect:
    enabled: bool = field(default=True, metadata=meta("ENABLE ROW LEVEL SECURITY"))
    forced: bool | None = field(default=None, metadata=meta(
        "FORCE ROW LEVEL SECURITY (applies to the owner too); unchecked when absent"))
    has_policy: bool | None = field(default=None, metadata=meta(
        "at least one policy (RLS with no policy hides every row); unchecked when absent"))


@dataclass(frozen=True)
class RlsFields:
    """Check the RLS switches of every table matching `tables`, in one catalog query."""

    tables: list[str] = field(metadata=meta("table names or globs: public.tenants, public.*, app.*_jobs"))
    exclude: list[str] = field(default_factory=list, metadata=meta("tables to leave out (globs)"))
    expect: RlsExpect = field(default_factory=RlsExpect, metadata=meta(
        "the switches required (default: enabled)"))


def run(f: RlsFields, ctx: CheckContext[RlsFields]) -> Outcome:
    pg = target(ctx)
    patterns = [qualify(t) for t in f.tables]
    excluded = [qualify(t) for t in f.exclude]
    out = ctx.outcome(ran="catalog: pg_class.relrowsecurity/relforcerowsecurity, pg_policy",
                  reproduce=pg.reproduce(QUERY))
    _, rows = pg.query(QUERY, catalog=True, guard=ctx)
    chosen = [r for r in rows if glob_match(r[0], patterns) and not glob_match(r[0], excluded)]
    names = [r[0] for r in rows]
    ctx.scope("tables", f.tables, lambda p: glob_match_any(qualify(p), names), total=len(chosen),
              noun="table")
    e = f.expect
    lines = []
    for _raw, name, enabled, forced, policies in chosen:
        lines.append(f"{name}: enabled={enabled} forced={forced} policies={policies}")
        if enabled != e.enabled:
            verb = "ENABLE" if e.enabled else "DISABLE"
            out.findings.append(Finding(name, f"row level security is {'on' if enabled else 'off'}",
                                        f"ALTER TABLE {name} {verb} ROW LEVEL SECURITY;"))
        if e.forced is not None and forced != e.forced:
            verb = "FORCE" if e.forced else "NO FORCE"
            out.findings.append(Finding(name, f"row level security is {'' if forced else 'not '}forced",
                                        f"ALTER TABLE {name} {verb} ROW LEVEL SECURITY;"))
        if e.has_policy is not None and (policies > 0) != e.has_policy:
            out.findings.append(Finding(name, f"has {policies} policies" if policies else "has no policy",
                                        f"CREATE POLICY tenant_isolation ON {name} USING (...);"
                                        if e.has_policy else None))
    out.values["tables"] = len(chosen)
    return finish(out, f"all {len(chosen)} tables as expected", lines, "tables.txt")


KIND = KindSpec(
    name="rls",
    summary="row level security is on (enabled, forced, with policies)",
    fields=RlsFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=60.0,
    example="""\
- kind: rls
  tables: [public.*]
  exclude: [public.alembic_version]
  expect: {enabled: true, forced: true, has_policy: true}
""",
)

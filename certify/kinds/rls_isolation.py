"""`rls_isolation`: one tenant cannot see another's rows. Counts the rows a role sees with
each tenant set, and with none, each in its own read-only transaction that is rolled back."""

from __future__ import annotations

from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.pg_common import setting_refusal, target
from certify.spec.binder import meta
from certify.spec.values import CountExpr
from certify.targets.postgres import quote_ident, split_name

# `reach`: the role can act as r: r's privileges are its own (USAGE: inherited), or it can
# SET ROLE r (%(how)s: MEMBER up to 15, SET on 16+). Role attributes (SUPERUSER, BYPASSRLS)
# are never inherited, so only SET ROLE reaches them; table ownership counts either way.
ROLE_FACTS = """
SELECT r.rolsuper, r.rolbypassrls,
       pg_has_role(%(role)s::text, c.relowner, 'USAGE')
         OR pg_has_role(%(role)s::text, c.relowner, %(how)s::text) AS owns,
       c.relrowsecurity, c.relforcerowsecurity,
       ARRAY(SELECT b.rolname::text FROM pg_roles b
             WHERE b.oid <> r.oid AND (b.rolsuper OR b.rolbypassrls)
               AND pg_has_role(r.oid, b.oid, %(how)s::text) ORDER BY b.rolname) AS escalations
FROM pg_roles r, pg_class c WHERE r.rolname = %(role)s::text AND c.oid = %(table)s::regclass
"""


@dataclass(frozen=True)
class RlsIsolationFields:
    """Prove tenant isolation empirically, as the application's role sees it."""

    role: str = field(metadata=meta("the application's role, e.g. app_user"))
    table: str = field(metadata=meta("the tenant table, e.g. public.worker_failed_jobs"))
    setting: str = field(metadata=meta("the setting the policies read, e.g. app.current_tenant_id"))
    tenants: dict[str, CountExpr] = field(metadata=meta(
        'tenant id -> rows the role must see with it set, e.g. {"...57": ">0", "...58": 0}'))
    no_tenant: CountExpr | None = field(default=None, metadata=meta(
        "rows the role must see with no tenant set (usually 0)"))

    def __post_init__(self) -> None:
        if not self.tenants:
            raise ValueError("tenants: give at least one tenant id and its expected count")
        refused = setting_refusal(self.setting)
        if refused:
            raise ValueError(f"setting: {refused}")


def run(f: RlsIsolationFields, ctx: CheckContext[RlsIsolationFields]) -> Outcome:
    from psycopg import sql

    pg = target(ctx)
    schema, name = split_name(f.table)
    shown = f"{quote_ident(schema)}.{quote_ident(name)}"
    count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
    count_text = f"SELECT count(*) FROM {shown}"
    out = ctx.outcome(ran=f"as {f.role}: {count_text}, with {f.setting} set to each tenant "
                                  "and unset", reproduce="")
    how = "MEMBER" if pg.server_version_num() < 160000 else "SET"
    with pg.session(catalog=True, guard=ctx) as cur:
        cur.execute(ROLE_FACTS, {"role": f.role, "table": shown, "how": how})
        facts = cur.fetchone()
    if facts is None:
        raise CheckError(f'role "{f.role}" does not exist')
    superuser, bypass, owns, enabled, forced, escalations = facts
    out.values["role"] = {"superuser": superuser, "bypassrls": bypass, "owns_table": owns}
    if superuser or bypass:
        out.findings.append(Finding(f.role, "is superuser or BYPASSRLS: row level security never "
                                            "applies to it", f"ALTER ROLE {f.role} NOSUPERUSER NOBYPASSRLS;"))
    for other in escalations:
        out.findings.append(Finding(f.role, f"can SET ROLE {other}, which is superuser or BYPASSRLS: "
                                            "row level security does not hold it",
                                    f"REVOKE {quote_ident(other)} FROM {quote_ident(f.role)};"))
    if owns and not forced:
        out.findings.append(Finding(shown, f"{f.role} owns it and RLS is not forced, so RLS does not "
                                           "apply", f"ALTER TABLE {shown} FORCE ROW LEVEL SECURITY;"))
    rows: list[tuple[str, int, str]] = []
    repro = []
    cases: list[tuple[str, dict[str, str], CountExpr | None]] = []
    if f.no_tenant is not None:
        cases.append(("(no tenant)", {}, f.no_tenant))
    cases += [(tenant, {f.setting: tenant}, expr) for tenant, expr in f.tenants.items()]
    for label, settings, expr in cases:
        _, result = pg.query(count, role=f.role, settings=settings, guard=ctx)
        seen = int(result[0][0])
        rows.append((label, seen, str(expr)))
        repro.append(pg.reproduce(count_text, f.role, settings))
        if expr is not None and not expr.matches(seen):
            out.findings.append(Finding(f"{shown} {label}", f"{f.role} sees {seen} rows, expected {expr}"))
    out.values["counts"] = {label: seen for label, seen, _ in rows}
    out.output = "\n".join([f"tenant | rows seen by {f.role} | expected"] +
                           [f"{label} | {seen} | {exp}" for label, seen, exp in rows])
    out.reproduce = "\n".join(repro)
    if not out.findings:
        out.reason = f"isolated as {f.role}: " + ", ".join(f"{label} sees {seen}" for label, seen, _ in rows)
    return out


KIND = KindSpec(
    name="rls_isolation",
    summary="one tenant cannot see another's rows (empirical counts per tenant)",
    fields=RlsIsolationFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=60.0,
    example="""\
- kind: rls_isolation
  role: app_user
  table: public.worker_failed_jobs
  setting: app.current_tenant_id
  tenants: {"00000000-0000-0000-0000-000000000057": ">0", "00000000-0000-0000-0000-000000000058": 0}
  no_tenant: 0
""",
)

"""`rls_isolation`: one tenant cannot see another's rows, nor write them. Counts the rows a
role sees with each tenant (or identity) set, and with none, each in its own read-only
transaction that is rolled back; a case may expect to be refused (`denied`), may require that
no row it sees belongs to someone else (`foreign_rows`), and may probe writes: INSERT naming
another owner, UPDATE and DELETE of others' rows, each in a transaction always rolled back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.pg_common import set_role_privilege, setting_refusal, sql_refusal, target
from certify.spec.binder import meta
from certify.spec.errors import SpecError
from certify.spec.values import CountExpr
from certify.spec.yamlnodes import Node
from certify.targets.postgres import quote_ident, quote_literal, split_name

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

# Refusals a `denied` case accepts: permission denied or a row-level security violation
# (42501), a policy that raised (P0001), an unset setting read without missing_ok (42704),
# or an empty setting cast to a uuid or number (22P02). Timeouts and lost connections never.
DENIED = {"42501": "permission denied", "P0001": "the policy raised",
          "42704": "an unset setting", "22P02": "an invalid setting value"}
NEVER_EXPECTED = ("57014", "55P03", "08", "53", "57P")
# A write is refused by a policy or a privilege (42501) or a trigger that raises (P0001); any
# other error (a NOT NULL, a bad value) never reached the question.
WRITE_DENIED = ("42501", "P0001")


@dataclass(frozen=True)
class Expect:
    """A case's expectation: a row count, or `denied` / `error` (the query must be refused)."""

    count: CountExpr | None = None
    refused: str | None = None  # "denied" or "error"

    @classmethod
    def bind(cls, node: Node) -> Expect:
        if isinstance(node.value, str) and node.value.strip().lower() in ("denied", "error"):
            return cls(refused=node.value.strip().lower())
        try:
            return cls(count=CountExpr.bind(node))
        except SpecError:
            raise SpecError(node.mark, f"expected {cls.expected()}, got {node.shown()!r}") from None

    @classmethod
    def expected(cls) -> str:
        return 'a count (5, ">0", "0..10"), "denied" or "error"'

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"anyOf": [CountExpr.json_schema(), {"enum": ["denied", "error"]}]}

    def __str__(self) -> str:
        return self.refused or str(self.count)


@dataclass(frozen=True)
class Writes:
    """Write probes: as the case's identity, statements that must be refused (an error, or 0 rows)."""

    insert: dict[str, str] | None = field(default=None, metadata=meta(
        "a row naming another tenant as its owner, column -> value: {owner_id: '<uuid of B>'}"))
    update: bool = field(default=True, metadata=meta("UPDATE the rows of `foreign_rows` (SET col = col)"))
    delete: bool = field(default=True, metadata=meta("DELETE the rows of `foreign_rows`"))


@dataclass(frozen=True)
class Case:
    """One identity: a role, settings, a JWT (Supabase), and what it must see."""

    label: str = field(metadata=meta("the name shown for this identity (tenant a, anon...)"))
    expect: Expect = field(metadata=meta('rows it must see: a count, "denied" or "error"'))
    role: str | None = field(default=None, metadata=meta("the role (default: the check's, or jwt.role)"))
    settings: dict[str, str] = field(default_factory=dict, metadata=meta("settings set for it"))
    jwt: dict[str, str] | None = field(default=None, metadata=meta(
        "JWT claims {sub, role, ...}: sets request.jwt.claims (and request.jwt.claim.*) and the role"))
    foreign_rows: str | None = field(default=None, metadata=meta(
        "an SQL condition true of rows it must not see (owner_id <> '<its uuid>'): must count 0"))
    writes: Writes | None = field(default=None, metadata=meta(
        "probe writes as this identity, rolled back (needs foreign_rows for update/delete)"))

    def __post_init__(self) -> None:
        for name in self.settings:
            refused = setting_refusal(name)
            if refused:
                raise ValueError(f"settings: {refused}")
        if self.foreign_rows is not None:
            refused = sql_refusal(f"SELECT count(*) FROM t WHERE ({self.foreign_rows})")
            if refused:
                raise ValueError(f"foreign_rows: the condition {refused}")
        if self.writes is not None and self.foreign_rows is None and \
                (self.writes.update or self.writes.delete):
            raise ValueError("writes: update and delete need `foreign_rows:` (which rows belong to others)")

    def all_settings(self) -> dict[str, str]:
        out = dict(self.settings)
        if self.jwt is not None:
            import json  # loaded when a check sets its settings, not when a spec is validated

            out["request.jwt.claims"] = json.dumps(self.jwt, sort_keys=True)
            out.update({f"request.jwt.claim.{k}": str(v) for k, v in self.jwt.items()})
        return out


@dataclass(frozen=True)
class RlsIsolationFields:
    """Prove tenant isolation empirically, as the application's role sees it."""

    table: str = field(metadata=meta("the tenant table, e.g. public.worker_failed_jobs"))
    role: str | None = field(default=None, metadata=meta("the application's role, e.g. app_user"))
    setting: str | None = field(default=None, metadata=meta(
        "the setting the policies read, e.g. app.current_tenant_id (for `tenants:`)"))
    tenants: dict[str, Expect] = field(default_factory=dict, metadata=meta(
        'tenant id -> rows the role must see with it set, e.g. {"...57": ">0", "...58": 0}; '
        'or "denied"'))
    no_tenant: Expect | None = field(default=None, metadata=meta(
        'rows the role must see with no tenant set (usually 0, or "denied")'))
    cases: list[Case] = field(default_factory=list, metadata=meta(
        "identities with their own role, settings or JWT: {label, role, settings, jwt, expect}"))

    def __post_init__(self) -> None:
        if not self.tenants and not self.cases:
            raise ValueError("tenants: give at least one tenant id and its expected count (or `cases:`)")
        if self.tenants and self.setting is None:
            raise ValueError("tenants need the `setting:` they are set in")
        if self.setting is not None:
            refused = setting_refusal(self.setting)
            if refused:
                raise ValueError(f"setting: {refused}")
        if self.role is None and any(c.role is None and not (c.jwt or {}).get("role") for c in self.cases) \
                or self.role is None and (self.tenants or self.no_tenant is not None):
            raise ValueError("give the check a `role:` (or each case a role or jwt.role)")


def _cases(f: RlsIsolationFields) -> list[tuple[str, str, dict[str, str], Case | None, Expect | None]]:
    """(label, role, settings, case, expectation) for every identity the check tries."""
    out: list[tuple[str, str, dict[str, str], Case | None, Expect | None]] = []
    if f.no_tenant is not None:
        out.append(("(no tenant)", f.role or "", {}, None, f.no_tenant))
    out += [(tenant, f.role or "", {f.setting or "": tenant}, None, e) for tenant, e in f.tenants.items()]
    for c in f.cases:
        role = c.role or (c.jwt or {}).get("role") or f.role or ""
        out.append((c.label, role, c.all_settings(), c, c.expect))
    return out


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")  # an identifier PostgreSQL prints without quotes


def run(f: RlsIsolationFields, ctx: CheckContext[RlsIsolationFields]) -> Outcome:
    from psycopg import sql

    pg = target(ctx)
    schema, name = split_name(f.table)
    shown = f"{quote_ident(schema)}.{quote_ident(name)}"  # for SQL
    # as PostgreSQL prints it: public.notes, quoting only names that need it
    named = ".".join(n if _PLAIN.fullmatch(n) else quote_ident(n) for n in (schema, name))
    cases = _cases(f)
    roles = sorted({role for _, role, _, _, _ in cases})
    simple = not f.cases  # the tenants form keeps its wording: tenant | rows seen by ROLE | expected
    ran = (f"as {f.role}: SELECT count(*) FROM {shown}, with {f.setting} set to each tenant and unset"
           if simple else f"as {', '.join(roles)}: SELECT count(*) FROM {shown}, for each of "
                          f"{', '.join(label for label, *_ in cases)}")
    out = ctx.outcome(ran=ran, reproduce="")
    how = set_role_privilege(pg)
    facts: dict[str, Any] = {}
    with pg.session(catalog=True, guard=ctx) as cur:
        for role in roles:
            cur.execute(ROLE_FACTS, {"role": role, "table": shown, "how": how})
            row = cur.fetchone()
            if row is None:
                raise CheckError(f'role "{role}" does not exist')
            facts[role] = row
        cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                    "AND NOT attisdropped AND attgenerated = '' AND attidentity <> 'a' "
                    "ORDER BY attnum LIMIT 1", (shown,))
        first = cur.fetchone()
    for role in roles:
        superuser, bypass, owns, _enabled, forced, escalations = facts[role]
        out.values.setdefault("roles", {})[role] = {"superuser": superuser, "bypassrls": bypass,
                                                     "owns_table": owns}
        if simple:
            out.values["role"] = out.values.pop("roles")[role]
        if superuser or bypass:
            out.findings.append(Finding(role, "is superuser or BYPASSRLS: row level security never "
                                              "applies to it", f"ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS;"))
        for other in escalations:
            out.findings.append(Finding(role, f"can SET ROLE {other}, which is superuser or BYPASSRLS: "
                                              "row level security does not hold it",
                                        f"REVOKE {quote_ident(other)} FROM {quote_ident(role)};"))
        if owns and not forced:
            out.findings.append(Finding(named, f"{role} owns it and RLS is not forced, so RLS does not "
                                               "apply", f"ALTER TABLE {shown} FORCE ROW LEVEL SECURITY;"))
    table_rows: list[tuple[str, str, str, str, str]] = []  # label, role, seen, expected, of others
    counts: dict[str, int | str] = {}
    repro: list[str] = []
    writes_log: list[str] = []
    for label, role, settings, case, expect in cases:
        foreign = case.foreign_rows if case else None
        text = f"SELECT count(*){f', count(*) FILTER (WHERE {foreign})' if foreign else ''} FROM {shown}"
        query = sql.SQL(text)  # the table is quoted; foreign_rows passed the SQL guard at load
        repro.append(pg.reproduce(text, role, settings))
        seen, other, refusal = _select(pg, ctx, query, role, settings)
        counts[label] = refusal or seen
        table_rows.append((label, role, refusal or str(seen), str(expect),
                           f"{other} not its own" if foreign and other is not None else ""))
        who = (f"as {label}" if case else
               "with no tenant" if label == "(no tenant)" else f"with tenant {label}")
        where = f"{named} {who}"  # public.notes with tenant a: the FALSE line names the tenant
        if expect is not None and expect.refused:
            if refusal is None:
                out.findings.append(Finding(where, f"{role} sees {seen} rows, expected {expect}"))
            elif expect.refused == "denied" and not refusal.startswith("denied"):
                out.findings.append(Finding(where, f"{role} got {refusal}, expected denied"))
        elif refusal is not None:
            raise CheckError(f"{label}: {refusal.removeprefix('denied: ')} (expected {expect}; "
                             "say `denied` if refusing is the isolation)")
        elif expect is not None and expect.count is not None and not expect.count.matches(seen):
            out.findings.append(Finding(where, f"{role} sees {seen} rows, expected {expect.count}"))
        if foreign and other:
            out.findings.append(Finding(where, f"{role} sees {other} rows of others ({foreign})"))
        if case and case.writes is not None:
            column = first[0] if first else None
            _probe_writes(pg, ctx, out, shown, named, label, role, settings, case, column, writes_log, repro)
    out.values["counts"] = counts
    if simple:
        lines = [f"tenant | rows seen by {f.role} | expected",
                 *(f"{r[0]} | {r[2]} | {r[3]}" for r in table_rows)]
    else:
        lines = ["identity | role | rows seen | expected",
                 *(" | ".join(x for x in r if x) for r in table_rows)]
    if writes_log:
        lines += ["", "write probes (each in a transaction rolled back):", *writes_log]
    out.output = "\n".join(lines)
    out.reproduce = "\n".join(repro)
    if not out.findings:
        who = f"isolated as {f.role}: " if simple else "isolated: "
        out.reason = who + ", ".join(f"{r[0]} sees {r[2]}" for r in table_rows)
        if writes_log:
            out.reason += "; every write probe refused"
    return out


def _select(pg: Any, ctx: CheckContext[Any], query: Any, role: str, settings: dict[str, str]
            ) -> tuple[int, int | None, str | None]:
    """(rows seen, rows of others, None) or (0, None, "denied: why" / "error: why")."""
    import psycopg

    with pg.session(role=role, settings=settings, guard=ctx) as cur:
        try:
            cur.execute(query, prepare=True)
        except psycopg.Error as exc:
            refusal = _refusal(exc)
            if refusal is None:
                raise
            return 0, None, refusal
        row = cur.fetchone()
    return int(row[0]), (int(row[1]) if len(row) > 1 else None), None


def _refusal(exc: Any, writes: bool = False) -> str | None:
    """How a statement was refused ("denied: ..." or "error: ..."), or None for a failure that is
    no answer (a timeout, a cancelled query, a lost connection): those stay errors of the check."""
    state = getattr(exc, "sqlstate", None) or ""
    if not state or state.startswith(NEVER_EXPECTED):
        return None
    message = " ".join(str(getattr(exc.diag, "message_primary", None) or exc).split())
    kind = "denied" if state in (WRITE_DENIED if writes else DENIED) else "error"
    return f"{kind}: {message} ({state})"


def _others_exist(pg: Any, ctx: CheckContext[Any], shown: str, foreign: str) -> bool:
    """Whether any row of others exists, as the target's own user sees the table."""
    from psycopg import sql

    _, rows = pg.query(sql.SQL(f"SELECT EXISTS (SELECT 1 FROM {shown} WHERE ({foreign}))"), guard=ctx)
    return bool(rows[0][0])


def _probe_writes(pg: Any, ctx: CheckContext[Any], out: Outcome, shown: str, named: str, label: str,
                  role: str, settings: dict[str, str], case: Case, column: str | None, log: list[str],
                  repro: list[str]) -> None:
    """Try the case's writes on other owners' rows, each in a transaction rolled back; a write
    that went through is a finding named as PostgreSQL prints the table (`named`)."""
    import psycopg
    from psycopg import sql

    assert case.writes is not None
    if not pg.writes_allowed:
        out.unproven.append(f"{label}: write probes need `allow_writes: rollback` on the postgres target "
                            f"{pg.name} (they are always rolled back)")
        return
    probes: list[tuple[str, str, Any, tuple[Any, ...]]] = []
    w = case.writes
    if w.insert:
        cols = ", ".join(quote_ident(c) for c in w.insert)
        text = f"INSERT INTO {shown} ({cols}) VALUES ({', '.join(['%s'] * len(w.insert))})"
        values = ", ".join(quote_literal(v) for v in w.insert.values())
        shown_text = f"INSERT INTO {shown} ({cols}) VALUES ({values})"
        probes.append(("INSERT naming another owner", shown_text, sql.SQL(text), tuple(w.insert.values())))
    if (w.update or w.delete) and not _others_exist(pg, ctx, shown, case.foreign_rows or "false"):
        out.unproven.append(f"{label}: no row matches foreign_rows as {pg.name}'s own user, so UPDATE and "
                            "DELETE of others' rows would prove nothing (seed rows of another tenant)")
        w = Writes(insert=w.insert, update=False, delete=False)
    if w.update and column is not None:
        col = quote_ident(column)
        text = f"UPDATE {shown} SET {col} = {col} WHERE ({case.foreign_rows})"
        probes.append(("UPDATE of others' rows", text, sql.SQL(text), ()))
    if w.delete:
        text = f"DELETE FROM {shown} WHERE ({case.foreign_rows})"
        probes.append(("DELETE of others' rows", text, sql.SQL(text), ()))
    for what, text, statement, params in probes:
        repro.append(pg.reproduce(text, role, settings, writes=True))
        with pg.session(role=role, settings=settings, guard=ctx, writes=True) as cur:
            try:
                cur.execute(statement, params or None, prepare=True)
                affected: int | None = cur.rowcount
                refusal = None
            except psycopg.Error as exc:
                refusal = _refusal(exc, writes=True)
                if refusal is None:
                    raise
                affected = None
        result = refusal or f"{affected} rows"
        log.append(f"{label} ({role}): {text}; -> {result}; ROLLBACK")
        if refusal is not None and not refusal.startswith("denied"):
            out.unproven.append(f"{label}: the {what} probe failed for another reason than a refusal "
                                f"({refusal.removeprefix('error: ')}): give values the table accepts")
        if affected:
            out.findings.append(Finding(f"{named} with {label}", f"{role} could {what}: {affected} rows "
                                                            "(rolled back)"))


KIND = KindSpec(
    name="rls_isolation",
    summary="one tenant cannot see, nor write, another's rows (empirical, rolled back)",
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

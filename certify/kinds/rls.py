"""`rls`: row level security is enabled (and forced, and has policies) on tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.kinds.pg_common import (
    EXTENSION_MEMBERS_SQL,
    SYSTEM_SCHEMAS_SQL,
    finish,
    glob_to_like,
    named_schemas,
    qualify,
    schema_scope,
    target,
    unmatched_globs,
)
from certify.spec.binder import meta

# The tables in scope (%(patterns)s, LIKE patterns, less %(excluded)s, in %(schemas)s): their
# switches, how many policies they have, the permissive ones ("cmd name") where there are
# several (they OR together), and their owner. Plain values only, no array per table.
QUERY = f"""
SELECT n.nspname || '.' || c.relname AS raw, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
       c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, p.count AS policies,
       CASE WHEN cardinality(p.permissive) > 1 THEN p.permissive END AS permissive,
       n.nspname::text AS schema, pg_get_userbyid(c.relowner)::text AS owner
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
  SELECT count(*) AS count, array_agg(p.polcmd::text || ' ' || p.polname::text
                                      ORDER BY p.polcmd::text || ' ' || p.polname::text)
                              FILTER (WHERE p.polpermissive) AS permissive
  FROM pg_policy p WHERE p.polrelid = c.oid) p
WHERE c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS_SQL} AND n.nspname::text = ANY(%(schemas)s)
  AND n.nspname || '.' || c.relname LIKE ANY(%(patterns)s)
  AND NOT n.nspname || '.' || c.relname LIKE ANY(%(excluded)s)
  AND (%(extensions)s OR c.oid NOT IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_class")}))
ORDER BY 1
"""
# Who each owner (%(owners)s) is to RLS, read when FORCE is checked: a superuser bypasses it
# whatever FORCE says; FORCE matters when someone acts as the owner: the owner logs in, a login
# role or a declared application role is (or can SET ROLE to) it, or the owner's rights run
# for others (a SECURITY DEFINER function or a view without security_invoker that it owns).
OWNERS = """
SELECT o.rolname::text, o.rolsuper, o.rolcanlogin,
       ARRAY(SELECT a.name FROM unnest(%(app_roles)s::text[]) AS a(name)
             WHERE a.name <> 'PUBLIC' AND EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = a.name)
               AND (pg_has_role(a.name, o.oid, 'USAGE') OR pg_has_role(a.name, o.oid, 'MEMBER'))) AS acting,
       ARRAY(SELECT x.rolname::text FROM pg_roles x
             WHERE x.rolcanlogin AND NOT x.rolsuper AND x.oid <> o.oid
               AND (pg_has_role(x.oid, o.oid, 'USAGE') OR pg_has_role(x.oid, o.oid, 'MEMBER'))
             ORDER BY 1) AS login_actors,
       o.oid IN (SELECT p.proowner FROM pg_proc p WHERE p.prosecdef)
         OR o.oid IN (SELECT v.relowner FROM pg_class v WHERE v.relkind = 'v' AND NOT EXISTS (
              SELECT 1 FROM unnest(v.reloptions) x WHERE lower(x) IN ('security_invoker=true',
                'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'))) AS runs_for_others
FROM pg_roles o WHERE o.rolname = ANY(%(owners)s::text[])
"""
# Every table's name, for telling which `tables` pattern matched nothing.
NAMES = f"""
SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS_SQL}
"""

# Permissive policies whose USING or WITH CHECK is `true`, and which of %(reach)s (the roles
# clients come in as) they apply to and hold the command's privilege for.
POLICIES = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), p.polname::text, p.polcmd::text,
       coalesce(pg_get_expr(p.polqual, p.polrelid), ''),
       coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''),
       ARRAY(SELECT r.name FROM unnest(%(reach)s::text[]) AS r(name) JOIN pg_roles x ON x.rolname = r.name
             WHERE (0 = ANY(p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) g
                                                  WHERE pg_has_role(x.oid, g, 'USAGE')))
               AND EXISTS (SELECT 1 FROM unnest(CASE p.polcmd WHEN 'r' THEN ARRAY['SELECT']
                             WHEN 'a' THEN ARRAY['INSERT'] WHEN 'w' THEN ARRAY['UPDATE']
                             WHEN 'd' THEN ARRAY['DELETE']
                             ELSE ARRAY['SELECT','INSERT','UPDATE','DELETE'] END) AS k
                           WHERE has_table_privilege(x.oid, c.oid, k)) ORDER BY 1) AS reached
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.polpermissive AND (pg_get_expr(p.polqual, p.polrelid) = 'true'
                           OR pg_get_expr(p.polwithcheck, p.polrelid) = 'true')
"""
COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


@dataclass(frozen=True)
class RlsExpect:
    enabled: bool = field(default=True, metadata=meta("ENABLE ROW LEVEL SECURITY"))
    forced: bool | None = field(default=None, metadata=meta(
        "FORCE ROW LEVEL SECURITY (applies to the owner too); unchecked when absent. Required "
        "where someone acts as the owner: it can log in, a login role or an `app_roles` role is "
        "or can become it, or it owns a SECURITY DEFINER function or a view without "
        "security_invoker; "
        "elsewhere (a superuser owner, or one nobody acts as) a table not forced is a note"))
    has_policy: bool | None = field(default=None, metadata=meta(
        "at least one policy (RLS with no policy hides every row); unchecked when absent"))
    open_policies: bool | None = field(default=None, metadata=meta(
        "false = no permissive policy with USING (true) or WITH CHECK (true) for writes that the "
        "app roles (on Supabase anon and authenticated) can use; one for SELECT is a note"))


@dataclass(frozen=True)
class RlsFields:
    """Check the RLS switches of every table matching `tables`, in one catalog query."""

    tables: list[str] = field(default_factory=lambda: ["*.*"], metadata=meta(
        "table names or globs: public.tenants, public.*, app.*_jobs (default *.*: every table; "
        "a wildcard schema skips extension schemas and, on Supabase, the platform's)"))
    exclude: list[str] = field(default_factory=list, metadata=meta("tables to leave out (globs)"))
    expect: RlsExpect = field(default_factory=RlsExpect, metadata=meta(
        "the switches required (default: enabled)"))
    app_roles: list[str] = field(default_factory=list, metadata=meta(
        "roles the application or API connects as (FORCE is required where one acts as the owner)"))
    extensions: bool = field(default=False, metadata=meta(
        "also check tables that belong to an extension"))


def run(f: RlsFields, ctx: CheckContext[RlsFields]) -> Outcome:
    pg = target(ctx)
    e = f.expect
    patterns = [qualify(t) for t in f.tables]
    named = named_schemas(patterns)
    params: dict[str, Any] = {
        "patterns": [glob_to_like(p) for p in patterns], "schemas": named, "extensions": f.extensions,
        "excluded": [glob_to_like(qualify(t)) for t in f.exclude], "app_roles": list(f.app_roles)}
    out = ctx.outcome(ran="catalog: pg_class.relrowsecurity/relforcerowsecurity, pg_policy, table owners",
                      reproduce=pg.reproduce(_shown(params)))
    owners: dict[str, tuple[bool, bool, list[str], list[str], bool]] = {}
    with pg.session(catalog=True, guard=ctx, reuse=True) as cur:
        scope = schema_scope(pg, cur)
        params["schemas"] = scope.covered(named)
        out.reproduce = pg.reproduce(_shown(params))
        cur.execute(QUERY, params)
        chosen = cur.fetchall()
        unmatched = unmatched_globs(patterns, [r[0] for r in chosen])
        if unmatched:  # which of them match no table at all
            cur.execute(NAMES)
            unmatched = unmatched_globs(unmatched, [r[0] for r in cur.fetchall()])
        if e.forced is not None and any(r[3] != e.forced for r in chosen):
            params["owners"] = sorted({r[7] for r in chosen})
            out.reproduce = pg.reproduce(_shown(params))
            cur.execute(OWNERS, params)
            owners = {name: tuple(rest) for name, *rest in cur.fetchall()}
        reach = sorted({r for r in f.app_roles if r != "PUBLIC"}
                       | ({"anon", "authenticated"} if scope.supabase else set()))
        open_rows: list[tuple[str, str, str, str, str, list[str]]] = []
        if e.open_policies is False and reach:
            cur.execute(POLICIES, {"reach": reach})
            open_rows = cur.fetchall()
    ctx.scope("tables", f.tables, lambda p: qualify(p) not in unmatched, total=len(chosen), noun="table")
    open_by_table: dict[str, list[tuple[str, str, str, str, list[str]]]] = {}
    for table, *rest in open_rows:
        open_by_table.setdefault(table, []).append(tuple(rest))  # type: ignore[arg-type]
    lines = [scope.note(named, [r[6] for r in chosen])]
    lines += [f"{name}: enabled={enabled} forced={forced} policies={policies} owner={owner}"
              for _raw, name, enabled, forced, policies, _permissive, _schema, owner in chosen]
    notes = []
    unwanted = not e.enabled  # the switch a finding reports
    enable = f"{'ENABLE' if e.enabled else 'DISABLE'} ROW LEVEL SECURITY;"
    more = e.forced is not None or e.has_policy is not None or bool(open_by_table)
    for _raw, name, enabled, forced, policies, permissive, _schema, owner in chosen:
        if permissive:
            notes += _or_notes(name, permissive)
        if enabled == unwanted:
            out.findings.append(Finding(name, f"row level security is {'on' if enabled else 'off'}",
                                        f"ALTER TABLE {name} {enable}"))
        if not more:  # only the switch itself is expected
            continue
        if e.forced is not None and forced != e.forced:
            verb = "FORCE" if e.forced else "NO FORCE"
            superuser, login, acting, login_actors, runs_for_others = owners[owner]
            why = _owner_acts(owner, superuser, login, [*acting, *login_actors], runs_for_others)
            what = f"row level security is {'' if forced else 'not '}forced"
            if not e.forced or why:
                out.findings.append(Finding(name, what, f"ALTER TABLE {name} {verb} ROW LEVEL SECURITY;"))
                if e.forced:
                    notes.append(f"{name}: not forced matters: {why}")
            else:
                notes.append(f"note: {name}: {what}, which matters only to its owner {owner}: "
                             + ("a superuser, who bypasses RLS anyway" if superuser else
                                "no login, no application role and no definer code acts as it"))
        for policy, cmd, using, check, reached in open_by_table.get(name, ()) if open_by_table else ():
            if not reached:
                continue
            shape = f"USING ({using})" if using == "true" else f"WITH CHECK ({check})"
            what = f"policy {policy} FOR {COMMANDS.get(cmd, cmd)} is {shape} for {', '.join(reached)}"
            if cmd == "r":
                notes.append(f"note: {name}: {what}: every row is readable (intended for public data?)")
            else:
                out.findings.append(Finding(name, what + ": any of them can write any row",
                                            f"ALTER POLICY {policy} ON {name} ... -- compare the row's owner "
                                            "to the caller (auth.uid(), a tenant setting)"))
        if e.has_policy is not None and (policies > 0) != e.has_policy:
            out.findings.append(Finding(name, f"has {policies} policies" if policies else "has no policy",
                                        f"CREATE POLICY tenant_isolation ON {name} USING (...);"
                                        if e.has_policy else None))
    out.values["tables"] = len(chosen)
    out.values["schemas"] = scope.covered(named)
    finish(out, f"all {len(chosen)} tables as expected", lines + notes, "tables.txt")
    if out.findings and notes:
        out.output += "\n" + "\n".join(notes[:10])
    return out


def _shown(params: dict[str, Any]) -> str:
    """The queries with their parameters written in, for the reproduce line."""
    def array(values: list[str]) -> str:
        return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"

    shown = (QUERY.replace("%(patterns)s", array(params["patterns"]))
             .replace("%(excluded)s", array(params["excluded"]))
             .replace("%(schemas)s", array(params["schemas"]))
             .replace("%(extensions)s", "true" if params["extensions"] else "false"))
    if "owners" in params:
        shown += ";\n" + (OWNERS.replace("%(owners)s", array(params["owners"]))
                          .replace("%(app_roles)s", array(params["app_roles"])))
    return shown


def _or_notes(table: str, permissive: list[str]) -> list[str]:
    """Several permissive policies for one command OR together: each alone lets a row through."""
    by_cmd: dict[str, list[str]] = {}
    for item in permissive:
        cmd, _, name = item.partition(" ")
        for each in (("r", "a", "w", "d") if cmd == "*" else (cmd,)):
            by_cmd.setdefault(each, []).append(name)
    return [f"note: {table}: {len(names)} permissive policies for {COMMANDS[cmd]} OR together "
            f"({', '.join(names)}): a row any one of them admits is admitted"
            for cmd, names in by_cmd.items() if len(names) > 1]


def _owner_acts(owner: str, superuser: bool, login: bool, acting: list[str], runs_for_others: bool) -> str:
    """Why the owner's bypass of a table that is not forced reaches someone ('' if it does not)."""
    if superuser:
        return ""
    if acting:
        return f"{', '.join(dict.fromkeys(acting))} acts as its owner {owner}, who bypasses it"
    if login:
        return f"its owner {owner} can log in and bypasses it"
    if runs_for_others:
        return f"its owner {owner} runs SECURITY DEFINER functions or views for others, bypassing it"
    return ""


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

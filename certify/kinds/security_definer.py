"""`security_definer`: SECURITY DEFINER functions are hardened, and no view bypasses RLS.

A SECURITY DEFINER function runs with its owner's rights, so (1) its search_path must be
pinned, or a caller can plant objects it resolves; (2) no schema on that path may be
writable by untrusted roles; (3) EXECUTE must not be left to PUBLIC (the default) nor
granted beyond the intended roles. A view without `security_invoker` reads its tables
with its owner's rights, which bypasses their row level security.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.kinds.pg_common import (
    EXTENSION_MEMBERS_SQL,
    SYSTEM_SCHEMAS_SQL,
    finish,
    glob_match,
    glob_match_any,
    schema_scope,
    set_role_privilege,
    target,
)
from certify.spec.binder import meta


def _invoker(rel: str) -> str:
    """SQL: relation `rel` is a view with security_invoker (options are stored as written)."""
    return (f"EXISTS (SELECT 1 FROM unnest({rel}.reloptions) o WHERE lower(o) IN ("
            "'security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'))")


# The relations a view or materialized view `c` reads with its owner's rights (a view's rewrite
# rule depends on what it selects from): through the views it reads, except that a view with
# security_invoker reads as whoever queries it. A materialized view is filled by REFRESH as its
# owner, so every view under it reads as the owner.
READS = f"""
  WITH RECURSIVE dep(rel) AS (
    SELECT d.refobjid FROM pg_rewrite rw
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                      AND d.refclassid = 'pg_class'::regclass
    WHERE rw.ev_class = c.oid AND d.refobjid <> c.oid
    UNION
    SELECT d.refobjid FROM dep JOIN pg_class v ON v.oid = dep.rel AND v.relkind = 'v'
                                AND (c.relkind = 'm' OR NOT {_invoker("v")})
      JOIN pg_rewrite rw ON rw.ev_class = v.oid
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                      AND d.refclassid = 'pg_class'::regclass
    WHERE d.refobjid <> v.oid)
  SELECT rel FROM dep"""

# One round trip. No SQL comments inside: reproduce lines put the query on one line.
# `creatable`: per schema, who of the untrusted can CREATE in it: PUBLIC by its grant, a role
# by its own or inherited privilege or one it can SET ROLE to.
QUERY = f"""
SELECT json_build_object(
  'functions', (SELECT coalesce(json_agg(f ORDER BY f.sig), '[]') FROM (
      SELECT p.oid::regprocedure::text AS sig, n.nspname AS schema,
             pg_get_userbyid(p.proowner) AS owner, p.proconfig AS config,
             p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype) AS trigger,
             (SELECT coalesce(json_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                       ELSE pg_get_userbyid(a.grantee) END), '[]')
              FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              WHERE a.privilege_type = 'EXECUTE') AS executors
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND {SYSTEM_SCHEMAS_SQL} AND n.nspname = ANY(%(schemas)s)
        AND (%(extensions)s OR p.oid NOT IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_proc")}))) f),
  'views', (SELECT coalesce(json_agg(v ORDER BY v.name), '[]') FROM (
      SELECT c.oid::regclass::text AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
             {_invoker("c")} AS invoker,
             (SELECT coalesce(json_agg(DISTINCT t.oid::regclass::text), '[]')
              FROM ({READS}) r JOIN pg_class t ON t.oid = r.rel
              WHERE t.relrowsecurity AND t.relkind IN ('r', 'p')) AS rls_tables,
             (SELECT coalesce(json_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                       ELSE pg_get_userbyid(a.grantee) END), '[]')
              FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
              WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner) AS readers
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND {SYSTEM_SCHEMAS_SQL} AND n.nspname = ANY(%(schemas)s)
        AND (%(extensions)s OR c.oid NOT IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_class")}))) v),
  'creatable', (SELECT coalesce(json_object_agg(n.nspname, (
        SELECT coalesce(json_agg(u.name ORDER BY u.name), '[]')
        FROM unnest(%(untrusted)s::text[]) AS u(name)
        WHERE CASE WHEN u.name = 'PUBLIC' THEN EXISTS (
                SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                WHERE a.grantee = 0 AND a.privilege_type = 'CREATE')
              ELSE EXISTS (SELECT 1 FROM pg_roles r
                           WHERE (pg_has_role(u.name, r.oid, 'USAGE')
                                  OR pg_has_role(u.name, r.oid, %(how)s::text))
                             AND has_schema_privilege(r.oid, n.oid, 'CREATE')) END)), '{{}}')
      FROM pg_namespace n),
  'schema_creators', (SELECT coalesce(json_agg(u.name ORDER BY u.name), '[]')
      FROM unnest(%(untrusted)s::text[]) AS u(name), pg_database d
      WHERE d.datname = current_database() AND CASE WHEN u.name = 'PUBLIC' THEN EXISTS (
                SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                WHERE a.grantee = 0 AND a.privilege_type = 'CREATE')
              ELSE EXISTS (SELECT 1 FROM pg_roles r
                           WHERE (pg_has_role(u.name, r.oid, 'USAGE')
                                  OR pg_has_role(u.name, r.oid, %(how)s::text))
                             AND has_database_privilege(r.oid, d.oid, 'CREATE')) END)
)
"""


@dataclass(frozen=True)
class DefinerExpect:
    search_path: Literal["pinned", "empty"] = field(default="pinned", metadata=meta(
        "pinned = SET search_path on the function, with no schema untrusted roles can create in; "
        "empty = SET search_path = ''"))
    public_execute: bool = field(default=False, metadata=meta("whether PUBLIC may EXECUTE"))
    grantees: list[str] | None = field(default=None, metadata=meta(
        "the only roles (besides the owner) that may EXECUTE"))


@dataclass(frozen=True)
class SecurityDefinerFields:
    """Audit every SECURITY DEFINER function and every view in the given schemas."""

    schemas: list[str] = field(default_factory=lambda: ["*"], metadata=meta(
        "schemas to audit, names or globs (default *: every schema but the system's, extension "
        "schemas and, on Supabase, the platform's; a schema named plainly is always audited)"))
    expect: DefinerExpect = field(default_factory=DefinerExpect, metadata=meta("the hardening required"))
    allow: list[str] = field(default_factory=list, metadata=meta(
        "function signatures exempted, as regprocedure prints them: public.fn(uuid)"))
    untrusted: list[str] = field(default_factory=lambda: ["PUBLIC"], metadata=meta(
        "roles that must not be able to create objects in a schema on a function's search_path "
        "(role names, membership counts: the API's roles; PUBLIC always counts, and on Supabase "
        "anon and authenticated)"))
    views: bool = field(default=True, metadata=meta(
        "also flag views over RLS tables (through other views) that lack security_invoker, and "
        "materialized views over RLS tables that others can read"))
    extensions: bool = field(default=False, metadata=meta(
        "also audit functions and views that belong to an extension"))


def _path(config: list[str] | None) -> str | None:
    for item in config or []:
        if item.startswith("search_path="):
            return item.split("=", 1)[1]
    return None


def _schemas_on(path: str) -> list[str]:
    """The entries of a stored search_path (`public, pg_temp`, `""` for an empty one)."""
    return [s.strip().strip('"') for s in path.split(",") if s.strip().strip('"') not in ("", "''")]


def _path_finding(sig: str, owner: str, path: str, creatable: dict[str, list[str]],
                  schema_creators: list[str]) -> Finding | None:
    """What is wrong with a pinned search_path: a schema on it that an untrusted role can create
    in, or that does not exist while one can create it (CREATE on the database), or pg_temp not
    listed last (unlisted, it is searched first, so a caller's temporary table takes the place
    of the function's tables). An empty path is pinned."""
    entries = _schemas_on(path)
    if not entries:
        return None
    for schema in entries:
        named = owner if schema == "$user" else schema
        if named.lower() != "pg_temp" and named not in creatable and schema_creators:
            return Finding(sig, f"search_path includes {named}, which does not exist, and "
                                f"{', '.join(schema_creators)} can create it",
                           f"ALTER FUNCTION {sig} SET search_path = ''; -- and qualify names, or "
                           f"REVOKE CREATE ON DATABASE ... FROM {', '.join(schema_creators)};")
        who = creatable.get(named, [])
        if who:
            return Finding(sig, f"search_path includes {named}, where {', '.join(who)} can CREATE",
                           f"ALTER FUNCTION {sig} SET search_path = ''; -- and qualify names, or "
                           f"REVOKE CREATE ON SCHEMA {named} FROM {', '.join(who)};")
    temp = [i for i, e in enumerate(entries) if e.lower() == "pg_temp"]
    if temp != [len(entries) - 1]:
        rest = ", ".join(e for e in entries if e.lower() != "pg_temp")
        return Finding(sig, f"search_path is {path} without pg_temp last: a temporary table takes the "
                            "place of its objects",
                       f"ALTER FUNCTION {sig} SET search_path = {rest}, pg_temp;")
    return None


def _shown(params: dict[str, Any]) -> str:
    """The query with its parameters written in, for the reproduce line."""
    schemas = "ARRAY[" + ", ".join(f"'{s}'" for s in params["schemas"]) + "]::name[]"
    return (QUERY.replace("%(schemas)s", schemas)
            .replace("%(untrusted)s", "ARRAY[" + ", ".join(
                "'" + u.replace("'", "''") + "'" for u in params["untrusted"]) + "]")
            .replace("%(how)s", f"'{params['how']}'")
            .replace("%(extensions)s", "true" if params["extensions"] else "false"))


def run(f: SecurityDefinerFields, ctx: CheckContext[SecurityDefinerFields]) -> Outcome:
    pg = target(ctx)
    out = ctx.outcome(ran=f"catalog audit of SECURITY DEFINER functions and views in {', '.join(f.schemas)}")
    named = [s for s in f.schemas if not any(ch in s for ch in "*?")]
    with pg.session(catalog=True, guard=ctx, reuse=True) as cur:
        # Whose privileges a role can use: its own and inherited (USAGE), and those of a role it
        # can SET ROLE to: any it is a member of (15 and before), one granted WITH SET (16+).
        how = set_role_privilege(pg)  # the session's connection told the version
        out.reproduce = pg.reproduce(_shown({"schemas": named, "how": how, "extensions": f.extensions,
                                             "untrusted": sorted(set(f.untrusted) | {"PUBLIC"})}))
        for role in f.untrusted:
            if role != "PUBLIC":
                cur.execute("SELECT %s::regrole", (role,))  # a missing role is ERROR, not TRUE
        scope = schema_scope(pg, cur)
        # PUBLIC is everyone; on Supabase, anon and authenticated are whoever calls the API.
        api = {"anon", "authenticated"} if scope.supabase else set()
        untrusted = sorted(set(f.untrusted) | {"PUBLIC"} | api)
        schemas = [s for s in scope.covered(named) if glob_match(s, f.schemas)]
        params = {"schemas": schemas, "untrusted": untrusted, "how": how, "extensions": f.extensions}
        out.reproduce = pg.reproduce(_shown(params))
        cur.execute(QUERY, params)
        data = cur.fetchone()[0]
    if isinstance(data, str):
        import json

        data = json.loads(data)
    out.ran = f"catalog audit of SECURITY DEFINER functions and views in {', '.join(schemas) or '(none)'}"
    ctx.scope("schemas", f.schemas, lambda p: glob_match_any(p, scope.covered(named)), total=len(schemas),
              noun="schema")
    creatable: dict[str, list[str]] = data["creatable"]
    lines = [scope.note(named, schemas)]
    for fn in data["functions"]:
        sig = fn["sig"]
        lines.append(f"{sig}: owner {fn['owner']}, config {fn['config']}, EXECUTE {fn['executors']}")
        if glob_match(sig, f.allow):
            continue
        path = _path(fn["config"])
        if path is None:
            out.findings.append(Finding(sig, "SECURITY DEFINER with no pinned search_path",
                                        f"ALTER FUNCTION {sig} SET search_path = '';"))
        elif f.expect.search_path == "empty" and _schemas_on(path):
            out.findings.append(Finding(sig, f"search_path is {path}, expected empty",
                                        f"ALTER FUNCTION {sig} SET search_path = '';"))
        else:
            unpinned = _path_finding(sig, fn["owner"], path, creatable, data["schema_creators"])
            if unpinned:
                out.findings.append(unpinned)
        executors = [e for e in fn["executors"] if e != fn["owner"]]
        if fn["trigger"]:  # a trigger function cannot be called: EXECUTE on it gives nothing
            executors = []
        if not f.expect.public_execute and "PUBLIC" in executors:
            out.findings.append(Finding(sig, "EXECUTE is granted to PUBLIC",
                                        f"REVOKE EXECUTE ON FUNCTION {sig} FROM PUBLIC;"))
        if f.expect.grantees is not None:
            for role in executors:
                if role != "PUBLIC" and role not in f.expect.grantees:
                    out.findings.append(Finding(sig, f"EXECUTE is granted to {role}, outside "
                                                     f"{', '.join(f.expect.grantees) or 'none'}",
                                                f"REVOKE EXECUTE ON FUNCTION {sig} FROM {role};"))
    if f.views:
        for v in data["views"]:
            if not v["rls_tables"]:
                continue
            tables = ", ".join(v["rls_tables"])
            if v["kind"] == "v" and not v["invoker"]:
                out.findings.append(Finding(
                    v["name"], f"view without security_invoker reads {tables} "
                               f"as its owner {v['owner']}, bypassing row level security",
                    f"ALTER VIEW {v['name']} SET (security_invoker = true);"))
            elif v["kind"] == "m" and v["readers"]:
                readers = ", ".join(v["readers"])
                out.findings.append(Finding(
                    v["name"], f"materialized view reads {tables} without row level security (a "
                               f"materialized view never applies it) and {readers} can read it",
                    f"REVOKE SELECT ON {v['name']} FROM {readers};"))
    out.values.update(functions=len(data["functions"]), views=len(data["views"]))
    return finish(out, f"{len(data['functions'])} SECURITY DEFINER functions and {len(data['views'])} "
                "views hardened", lines if data["functions"] else [*lines, "(no SECURITY DEFINER functions)"],
                  "functions.txt")


KIND = KindSpec(
    name="security_definer",
    summary="SECURITY DEFINER functions are hardened; no view bypasses RLS",
    fields=SecurityDefinerFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=60.0,
    example="""\
- kind: security_definer
  schemas: [public]
  expect: {search_path: empty, public_execute: false, grantees: [app_rw]}
""",
)

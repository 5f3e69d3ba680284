"""`grants`: least privilege holds: a role has what it needs, lacks what it must not have,
and nothing is granted to PUBLIC. Effective privileges (through role membership) by default."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.kinds.pg_common import (
    EXTENSION_MEMBERS_SQL,
    SYSTEM_SCHEMAS_SQL,
    finish,
    glob_to_like,
    named_schemas,
    schema_scope,
    set_role_privilege,
    target,
    unmatched_globs,
)
from certify.spec.binder import meta
from certify.targets.postgres import quote_ident

PRIVILEGES = {
    "table": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    "sequence": ["USAGE", "SELECT", "UPDATE"],
    "function": ["EXECUTE"],
    "schema": ["USAGE", "CREATE"],
}
KEYWORD = {"table": "TABLE", "sequence": "SEQUENCE", "function": "FUNCTION", "schema": "SCHEMA"}
NOUN = {type_: keyword.lower() for type_, keyword in KEYWORD.items()}

PRIVS_OF_TYPE = """CASE o.type
            WHEN 'table' THEN ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']
            WHEN 'sequence' THEN ARRAY['USAGE','SELECT','UPDATE']
            WHEN 'function' THEN ARRAY['EXECUTE']
            ELSE ARRAY['USAGE','CREATE'] END"""


def _holds(who: str) -> str:
    """SQL: `who` (a role name or oid expression) holds privilege `p` on object `o`, whole
    or (for a table) on some column."""
    return f"""CASE o.type
            WHEN 'table' THEN has_table_privilege({who}, o.oid, p)
              OR (p IN ('SELECT','INSERT','UPDATE','REFERENCES')
                  AND has_any_column_privilege({who}, o.oid, p))
            WHEN 'sequence' THEN has_sequence_privilege({who}, o.oid, p)
            WHEN 'function' THEN has_function_privilege({who}, o.oid, p)
            ELSE has_schema_privilege({who}, o.oid, p) END"""


def _held_by(who: str) -> str:
    """SQL: the asked privileges (%(privs)s) that `who` holds on object `o`, whole. One
    expression per (type, privilege): the server folds away the privileges not asked, so this
    costs no subquery per object."""
    checks = [f"CASE WHEN o.type = '{t}' AND '{p}' = ANY(%(privs)s) "
              f"AND has_{t}_privilege({who}, o.oid, '{p}') THEN '{p}' END"
              for t, privs in PRIVILEGES.items() for p in privs]
    return "array_remove(ARRAY[" + ", ".join(checks) + "], NULL)"


def _asked_of_type() -> str:
    """SQL: how many of the asked privileges apply to object `o`'s type (a constant per type)."""
    return "CASE o.type " + " ".join(
        f"WHEN '{t}' THEN " + " + ".join(f"('{p}' = ANY(%(privs)s))::int" for p in privs)
        for t, privs in PRIVILEGES.items()) + " END"


# A function's regprocedure text is costly to make, so `raw` has it only for functions whose
# name can match (the planner pushes `chosen`'s filter on raw down into this scan, ahead of the
# prefix test). No SQL comments inside: reproduce lines put the query on one line.
# `held`: the asked privileges the role holds whole (with %(effective)s; else `direct` lists its
# own grants), returned as text ("SELECT, UPDATE"): a row of plain values costs the client's
# garbage collector nothing, a list per object would. Column privileges are named "PRIV column"
# (only a column ACL grants one: `cols` holds just the columns that have one); `via` lists "PRIV
# role" for asked privileges the role lacks but reaches by SET ROLE to a role it is a member of
# (NOINHERIT, or INHERIT FALSE on 16+). PUBLIC's ACL entries print as `=privs/grantor`, so only
# ACLs whose text shows one are exploded. A part the check does not use is NULL.
QUERY = f"""
WITH objs AS (
  SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS type, c.oid,
         n.nspname || '.' || c.relname AS raw,
         quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
         coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                       c.relowner)) AS acl,
         n.nspname::text AS schema, c.oid IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_class")}) AS member,
         true AS callable
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {SYSTEM_SCHEMAS_SQL}
  UNION ALL
  SELECT 'function', p.oid,
         CASE WHEN (n.nspname::text || '.' || p.proname::text) ^@ ANY(%(prefixes)s)
              THEN p.oid::regprocedure::text END,
         p.oid::regprocedure::text,
         coalesce(p.proacl, acldefault('f', p.proowner)),
         n.nspname::text, p.oid IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_proc")}),
         p.prorettype NOT IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE {SYSTEM_SCHEMAS_SQL}
    AND (n.nspname::text || '.' || p.proname::text) ^@ ANY(%(prefixes)s)
  UNION ALL
  SELECT 'schema', n.oid, n.nspname::text, quote_ident(n.nspname),
         coalesce(n.nspacl, acldefault('n', n.nspowner)), n.nspname::text,
         n.oid IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_namespace")}), true
  FROM pg_namespace n WHERE {SYSTEM_SCHEMAS_SQL}
), chosen AS MATERIALIZED (
  SELECT o.*, CASE WHEN %(effective)s THEN {_held_by("%(role)s::text")} END AS held FROM objs o
  WHERE raw LIKE ANY(%(patterns)s) AND NOT schema = ANY(%(skipped)s) AND (%(extensions)s OR NOT member)
), reach AS (
  SELECT r.oid, r.rolname FROM pg_roles r
  WHERE %(role)s::text IS NOT NULL AND r.rolname <> %(role)s::text
    AND pg_has_role(%(role)s::text, r.oid, %(how)s::text)
), cols AS MATERIALIZED (
  SELECT a.attrelid, a.attnum, quote_ident(a.attname) AS col, a.attacl FROM pg_attribute a
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT o.type, o.name, array_to_string(o.held, ', ') AS effective,
  CASE WHEN NOT %(effective)s THEN ARRAY(SELECT a.privilege_type FROM aclexplode(o.acl) a
        WHERE a.grantee = to_regrole(%(role)s::text)) END AS direct,
  CASE WHEN o.acl::text ~ '[{{,]"?=' THEN ARRAY(SELECT a.privilege_type FROM aclexplode(o.acl) a
        WHERE a.grantee = 0) END AS public,
  CASE WHEN %(effective)s AND o.oid IN (SELECT attrelid FROM cols) THEN
    ARRAY(SELECT p || ' ' || c.col FROM cols c, unnest(ARRAY['SELECT','INSERT','UPDATE','REFERENCES']) AS p
          WHERE c.attrelid = o.oid AND p = ANY(%(privs)s) AND %(role)s::text IS NOT NULL
            AND NOT has_table_privilege(%(role)s::text, o.oid, p)
            AND has_column_privilege(%(role)s::text, o.oid, c.attnum, p) ORDER BY c.attnum, p) END AS columns,
  CASE WHEN NOT %(effective)s AND o.oid IN (SELECT attrelid FROM cols) THEN
    ARRAY(SELECT x.privilege_type || ' ' || c.col FROM cols c, aclexplode(c.attacl) x
          WHERE c.attrelid = o.oid AND x.grantee = to_regrole(%(role)s::text)
          ORDER BY c.attnum, x.privilege_type) END AS direct_columns,
  CASE WHEN %(public_columns)s AND o.oid IN (SELECT attrelid FROM cols) THEN
    ARRAY(SELECT x.privilege_type || ' ' || c.col FROM cols c, aclexplode(c.attacl) x
          WHERE c.attrelid = o.oid AND x.grantee = 0
          ORDER BY c.attnum, x.privilege_type) END AS public_columns,
  CASE WHEN %(effective)s AND cardinality(o.held) < {_asked_of_type()} AND EXISTS (SELECT 1 FROM reach) THEN
    ARRAY(SELECT p || ' ' || r.rolname FROM reach r, unnest({PRIVS_OF_TYPE}) AS p
          WHERE p = ANY(%(privs)s) AND NOT p = ANY(o.held) AND {_holds("r.oid")}
          ORDER BY p, r.rolname) END AS via,
  CASE WHEN %(sources)s AND %(role)s::text IS NOT NULL THEN
    ARRAY(SELECT a.privilege_type || ' ' || CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                            ELSE quote_ident(pg_get_userbyid(a.grantee)) END
          FROM aclexplode(o.acl) a
          WHERE a.privilege_type = ANY(%(privs)s)
            AND (a.grantee = 0 OR pg_has_role(%(role)s::text, a.grantee, 'USAGE'))
          ORDER BY 1) END AS sources, o.callable, o.schema, o.raw
FROM chosen o
ORDER BY o.type, o.raw
"""
# Every object name, for telling which `on` pattern matched nothing.
NAMES = QUERY.split("), chosen AS")[0] + ") SELECT raw FROM objs WHERE raw IS NOT NULL"

Privilege = Literal["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER",
                    "EXECUTE", "USAGE", "CREATE"]


@dataclass(frozen=True)
class GrantsFields:
    """Privileges of a role on tables, views, sequences, functions and schemas (globs)."""

    on: list[str] = field(metadata=meta(
        "objects: public.tenants (table/view/sequence), public.fn(uuid) (function, as regprocedure "
        "prints it), public (a schema); globs like public.* work"))
    role: str | None = field(default=None, metadata=meta("the role whose privileges are checked"))
    has: list[Privilege] = field(default_factory=list, metadata=meta("privileges it must have"))
    lacks: list[Privilege] = field(default_factory=list, metadata=meta("privileges it must not have"))
    exactly: list[Privilege] | None = field(default=None, metadata=meta(
        "the privileges it must have, and no other"))
    public: Literal["none"] | None = field(default=None, metadata=meta(
        "none = nothing on these objects is granted to PUBLIC"))
    effective: bool = field(default=True, metadata=meta(
        "count privileges held through role membership (false: only direct grants)"))
    extensions: bool = field(default=False, metadata=meta(
        "also check objects that belong to an extension (uuid-ossp's functions...)"))

    def __post_init__(self) -> None:
        if self.role is None and (self.has or self.lacks or self.exactly is not None):
            raise ValueError("has, lacks and exactly need a `role:`")
        if self.role is None and self.public is None:
            raise ValueError("give a `role:` with has/lacks/exactly, or `public: none`")


def run(f: GrantsFields, ctx: CheckContext[GrantsFields]) -> Outcome:
    pg = target(ctx)
    asked: set[str] = set(f.has) | set(f.lacks) | set(f.exactly or [])
    if f.exactly is not None:  # "no other" needs every privilege
        asked |= {p for privs in PRIVILEGES.values() for p in privs}
    out = ctx.outcome(ran=f"effective privileges of {f.role or 'PUBLIC'} on {', '.join(f.on)}, whole and "
                      "per column, and through SET ROLE (has_*_privilege + aclexplode, one query)")
    named = named_schemas(f.on)
    params = {"patterns": [glob_to_like(p) for p in f.on], "role": f.role, "privs": sorted(asked),
              "how": "MEMBER", "skipped": [], "extensions": f.extensions,
              "prefixes": [_prefix(p) for p in f.on], "effective": f.effective,
              "public_columns": f.public == "none", "sources": bool(f.lacks) or f.exactly is not None}
    with pg.session(catalog=True, guard=ctx, reuse=True) as cur:
        params["how"] = set_role_privilege(pg)  # the session's connection told the version
        out.reproduce = pg.reproduce(_shown(params))
        if f.role is not None:
            cur.execute("SELECT %s::regrole", (f.role,))  # a missing role is ERROR, not FALSE
        scope = schema_scope(pg, cur)
        params["skipped"] = [s for s in scope.skipped if s not in named]
        out.reproduce = pg.reproduce(_shown(params))
        cur.execute(QUERY, params)
        rows = cur.fetchall()
        unmatched = unmatched_globs(f.on, [r[-1] for r in rows])
        if unmatched:  # which of them match no object at all
            cur.execute(NAMES, params)
            unmatched = unmatched_globs(unmatched, [r[0] for r in cur.fetchall()])
    ctx.scope("objects", f.on, lambda p: p not in unmatched, total=len(rows), noun="object")
    to_everyone: list[Finding] = []  # listed after the role's own findings
    lines = [scope.note(named, [r[-2] for r in rows])]
    # What each object type asks, worked out once rather than per object.
    need_of: dict[str, list[str]] = {}
    forbid_of: dict[str, list[str]] = {}
    for type_, applicable in PRIVILEGES.items():
        need_of[type_] = [p for p in (f.exactly if f.exactly is not None else f.has) if p in applicable]
        forbid_of[type_] = [p for p in f.lacks if p in applicable] + (
            [p for p in applicable if p not in f.exactly] if f.exactly is not None else [])
    role = f.role or ""
    for type_, name, effective, direct, to_public, columns, direct_columns, public_columns, via, \
            sources, callable_, _schema, _raw in rows:
        keyword = KEYWORD[type_]
        if f.effective:  # `effective` names them in PRIVILEGES order, once each: "SELECT, UPDATE"
            held = effective
            granted = effective.split(", ") if effective else []
            cols = columns
        else:
            granted = direct or []
            held = ", ".join(p for p in PRIVILEGES[type_] if p in granted)
            cols = direct_columns
        line = f"{NOUN[type_]} {name}: {held or '(nothing)'}"
        on_columns = _by_privilege(cols) if cols else {}
        reached = _by_privilege(via) if via else {}  # only privileges the role lacks whole
        if on_columns or reached:
            extra = [f"{p} on column {', '.join(c)}" for p, c in on_columns.items()] + \
                    [f"{p} via SET ROLE {', '.join(r)}" for p, r in reached.items()]
            line += f" (and {'; '.join(extra)})"
        public = sorted(set(to_public)) if to_public else []
        lines.append(line + f"; PUBLIC: {', '.join(public)}" if public else line)
        for p in need_of[type_]:
            if p not in granted:
                out.findings.append(Finding(name, f"{role} lacks {p}",
                                            f"GRANT {p} ON {keyword} {name} TO {role};"))
        forbid = forbid_of[type_]
        if forbid and not callable_:  # a trigger function cannot be called: EXECUTE on it gives nothing
            forbid = [p for p in forbid if p != "EXECUTE"]
        came_from = _by_privilege(sources) if sources else {}
        for p in forbid:
            if p in granted:
                out.findings.append(_held(role, p, f"{keyword} {name}", name, came_from.get(p, [])))
                continue
            for col in on_columns.get(p, []):
                out.findings.append(Finding(name, f"{role} has {p} on column {col}",
                                            f"REVOKE {p} ({col}) ON {keyword} {name} FROM {role};"))
            for via_role in reached.get(p, []):
                out.findings.append(Finding(
                    name, f"{role} has {p} via SET ROLE {via_role}",
                    f"REVOKE {via_role} FROM {role}; -- or REVOKE {p} ON {keyword} {name} "
                    f"FROM {via_role};"))
        if f.public == "none":
            for p in public:
                if p == "EXECUTE" and not callable_:
                    continue
                to_everyone.append(Finding(name, f"PUBLIC has {p}",
                                           f"REVOKE {p} ON {keyword} {name} FROM PUBLIC;"))
            for p, cols in _by_privilege(public_columns or ()).items():
                for col in cols:
                    to_everyone.append(Finding(name, f"PUBLIC has {p} on column {col}",
                                               f"REVOKE {p} ({col}) ON {keyword} {name} FROM PUBLIC;"))
    out.findings += to_everyone
    out.values["objects"] = len(rows)
    return finish(out, f"{len(rows)} objects as required", lines, "privileges.txt")


def _prefix(pattern: str) -> str:
    """What `schema.function` must start with for `pattern` to match its `schema.function(args)`:
    the pattern's literal start, up to a wildcard, a `(` or a character regprocedure would quote
    (so `app.t_*` skips computing the signature of every function not named app.t_...)."""
    out = []
    for ch in pattern:
        if ch not in "abcdefghijklmnopqrstuvwxyz0123456789_.":
            break
        out.append(ch)
    return "".join(out)


def _shown(params: dict[str, Any]) -> str:
    """The query with its parameters written in, for the reproduce line."""
    def array(values: list[str], cast: str = "") -> str:
        return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]" + cast

    role = params["role"]
    literal = {"%(skipped)s": array(params["skipped"], "::text[]"),
               "%(extensions)s": "true" if params["extensions"] else "false",
               "%(sources)s": "true" if params["sources"] else "false",
               "%(effective)s": "true" if params["effective"] else "false",
               "%(public_columns)s": "true" if params["public_columns"] else "false",
               "%(prefixes)s": array(params["prefixes"], "::text[]"),
               "%(patterns)s": array(params["patterns"]),
               "%(role)s": "'" + role.replace("'", "''") + "'" if role else "NULL",
               "%(privs)s": array(params["privs"], "::text[]"),
               "%(how)s": f"'{params['how']}'"}
    shown = QUERY
    for placeholder, value in literal.items():
        shown = shown.replace(placeholder, value)
    return shown


def _held(role: str, priv: str, obj: str, name: str, sources: list[str]) -> Finding:
    """`role` holds `priv` on `obj`: the fix revokes it where it comes from (the role's own
    grant, PUBLIC's, or a role it inherits from), not from the role when that does nothing."""
    own = quote_ident(role) if role != role.lower() or not role.isidentifier() else role
    others = [s for s in sources if s not in (own, role)]
    fixes = [f"REVOKE {priv} ON {obj} FROM {role};"] if len(others) < len(sources) or not sources else []
    through = []
    for src in others:
        if src == "PUBLIC":
            fixes.append(f"REVOKE {priv} ON {obj} FROM PUBLIC;")
            through.append("PUBLIC")
        else:
            fixes.append(f"REVOKE {priv} ON {obj} FROM {src}; -- or REVOKE {src} FROM {role};")
            through.append(f"membership of {src}")
    fix = " ".join(fixes) + (f" -- {role} holds it through {', '.join(through)}" if through else "")
    return Finding(name, f"{role} has {priv}", fix)


def _by_privilege(pairs: Sequence[str]) -> dict[str, list[str]]:
    """["SELECT ssn", "UPDATE is_admin"] -> {"SELECT": ["ssn"], "UPDATE": ["is_admin"]}."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        priv, _, what = pair.partition(" ")
        out.setdefault(priv, []).append(what)
    return out


KIND = KindSpec(
    name="grants",
    summary="least privilege: a role has what it needs and no more; nothing granted to PUBLIC",
    fields=GrantsFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=60.0,
    example="""\
- kind: grants
  role: app_user
  on: [public.tenants, public.worker_failed_jobs]
  has: [SELECT]
  lacks: [DELETE, TRUNCATE]
""",
)

"""Helpers the PostgreSQL kinds share: object-name globs, finding text, and the guard that
refuses, when the spec is loaded, SQL that could act on the server despite a read-only
transaction (COPY ... TO PROGRAM, dblink_exec, pg_terminate_backend...)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from certify.kinds.base import CheckContext, Outcome, head
from certify.targets.postgres import GUARDED_SETTINGS, PostgresTarget

# No `%` in it: the queries that embed it also take psycopg parameters.
SYSTEM_SCHEMAS_SQL = "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'"


# Extension members: objects an extension created (skipped unless a check asks for them). A
# member's dependency always references its pg_extension row: naming that lets the server read
# the few such rows through pg_depend's index instead of scanning all of pg_depend.
EXTENSION_MEMBERS_SQL = ("SELECT d.objid FROM pg_depend d WHERE d.refclassid = 'pg_extension'::regclass "
                         "AND d.deptype = 'e' AND d.classid = '{catalog}'::regclass")

# Schemas of the Supabase platform (the auth server, storage, realtime...): a wildcard does not
# reach them on a database that has Supabase's API roles; name one to check it.
SUPABASE_ROLES = ("anon", "authenticated", "service_role")
SUPABASE_PLATFORM = ("auth", "storage", "realtime", "_realtime", "supabase_functions",
                     "supabase_migrations", "graphql", "graphql_public", "vault", "pgsodium",
                     "pgsodium_masks", "net", "cron", "extensions", "pgbouncer", "_analytics",
                     "pgmq", "pgtle")

# Every non-system schema; `extension`: the schema an extension made, or one holding extensions
# and nothing else.
SCHEMAS_SQL = f"""
SELECT n.nspname::text,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.deptype = 'e' AND d.classid = 'pg_namespace'::regclass
               AND d.objid = n.oid)
       OR (EXISTS (SELECT 1 FROM pg_extension e WHERE e.extnamespace = n.oid)
           AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid
                           AND c.oid NOT IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_class")}))
           AND NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = n.oid
                           AND p.oid NOT IN ({EXTENSION_MEMBERS_SQL.format(catalog="pg_proc")})))
FROM pg_namespace n WHERE {SYSTEM_SCHEMAS_SQL} ORDER BY 1
"""
SUPABASE_SQL = ("SELECT count(*) = 3 FROM pg_roles WHERE rolname IN ('anon', 'authenticated', "
                "'service_role')")


@dataclass(frozen=True)
class SchemaScope:
    """The schemas a check's globs reach: a wildcard skips extension schemas and (on Supabase)
    the platform's; a schema named plainly is always covered."""

    all: tuple[str, ...]
    skipped: dict[str, str]  # schema -> why a wildcard does not reach it
    supabase: bool = False  # the database has Supabase's API roles (anon, authenticated, service_role)

    def covered(self, named: Sequence[str] = ()) -> list[str]:
        return [s for s in self.all if s not in self.skipped or s in named]

    def note(self, named: Sequence[str] = (), used: Sequence[str] | None = None) -> str:
        """`schemas covered: ...` (those of `used`, the objects checked, when given), and the
        schemas a wildcard skipped."""
        covered = sorted(set(used)) if used is not None else self.covered(named)
        skipped = [f"{s} ({why})" for s, why in self.skipped.items() if s not in named]
        return f"schemas covered: {', '.join(covered) or '(none)'}" + (
            f"; not reached by a wildcard: {', '.join(skipped)}" if skipped else "")


def schema_scope(pg: PostgresTarget, cur: Any) -> SchemaScope:
    """The database's schemas, read once per run for the target (with a catalog session's
    cursor): every PostgreSQL check of the run sees the same list."""
    return pg.read_once("schema scope", lambda: read_schema_scope(cur))


def read_schema_scope(cur: Any) -> SchemaScope:
    """Read the database's schemas (one catalog session's cursor)."""
    cur.execute(SCHEMAS_SQL)
    rows = cur.fetchall()
    cur.execute(SUPABASE_SQL)
    supabase = bool(cur.fetchone()[0])
    skipped: dict[str, str] = {}
    for name, extension in rows:
        if extension:
            skipped[name] = "extension schema"
        elif supabase and name in SUPABASE_PLATFORM:
            skipped[name] = "Supabase platform"
    return SchemaScope(tuple(r[0] for r in rows), skipped, supabase)


def named_schemas(patterns: Sequence[str]) -> list[str]:
    """The schemas that patterns name plainly (`auth.*` names auth; `*.users` names none)."""
    out = []
    for p in patterns:
        schema = p.split("(", 1)[0].split(".", 1)[0]
        if schema and not any(ch in schema for ch in "*?"):
            out.append(schema)
    return out


def qualify(pattern: str) -> str:
    """`tenants` means `public.tenants`; globs and qualified names stay as given."""
    head = pattern.split("(", 1)[0]
    return pattern if "." in head else f"public.{pattern}"


def glob_to_posix(pattern: str) -> str:
    """A glob over `schema.name` as an anchored POSIX regex, for `~` in SQL."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "^" + "".join(out) + "$"


def glob_to_like(pattern: str) -> str:
    """A glob over `schema.name` as a LIKE pattern (cheaper on the server than a regex)."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


@lru_cache(maxsize=512)
def _glob_rx(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_to_posix(pattern))


def glob_match(name: str, patterns: Sequence[str]) -> bool:
    return any(_glob_rx(p).match(name) for p in patterns)


def target(ctx: CheckContext[Any]) -> PostgresTarget:
    t: PostgresTarget = ctx.target
    return t


def set_role_privilege(pg: PostgresTarget) -> str:
    """The pg_has_role privilege that means "can SET ROLE to it": MEMBER up to 15, SET on 16+
    (where a membership may be granted WITH SET FALSE)."""
    return "MEMBER" if pg.server_version_num() < 160000 else "SET"


def finish(out: Outcome, ok_reason: str, inventory: Sequence[str] = (),
           attachment: str = "objects.txt") -> Outcome:
    """Show what was checked: the findings with their fixes when there are any (the engine's
    settle step then fails the check, naming them), else the inventory. A long inventory is
    attached in full."""
    out.reason = ok_reason
    if out.findings:
        out.output = head([f"{f.where}: {f.what}" + (f"  -- fix: {f.fix}" if f.fix else "")
                           for f in out.findings], 40)
    else:
        out.output = head(list(inventory), 40)
    if len(inventory) > 40:
        out.attachments[attachment] = "\n".join(inventory)
    return out


def glob_match_any(pattern: str, names: Sequence[str]) -> bool:
    rx = _glob_rx(pattern)
    return any(rx.match(n) for n in names)


def unmatched_globs(patterns: Sequence[str], names: Iterable[str]) -> list[str]:
    """The globs that match none of `names`, as LIKE would: each glob is one regex scan over all
    the names at once (NUL, which no name holds, between them)."""
    names = list(names)
    if not names:
        return list(patterns)
    text = "\0" + "\0".join(names) + "\0"
    return [p for p in patterns if not _glob_in_names_rx(p).search(text)]


@lru_cache(maxsize=512)
def _glob_in_names_rx(pattern: str) -> re.Pattern[str]:
    body = "".join("[^\0]*" if ch == "*" else "[^\0]" if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("\0" + body + "\0")


# ---------------------------------------------------------------- the SQL guard

# A read-only transaction stops writes to tables, not these: they act on the server itself
# (run programs, write or read its files, reach other databases, signal other sessions, take
# locks others wait on, reset statistics) or run a query given as a string, past this guard.
REFUSED_FUNCTIONS = frozenset({
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_backup_start", "pg_backup_stop",
    "pg_start_backup", "pg_stop_backup", "pg_log_backend_memory_contexts",
    "pg_import_system_collations", "pg_stat_file", "loread", "lowrite", "ts_stat",
})
REFUSED_PREFIXES = ("dblink", "lo_", "pg_file_", "pg_read_", "pg_ls_", "pg_advisory_",
                    "pg_try_advisory_", "pg_stat_reset", "pg_logical_", "pg_replication_",
                    "pg_create_", "pg_drop_", "pg_copy_", "pg_sync_", "pg_wal_", "pg_log_",
                    "pg_restore_", "pg_clear_", "pg_set_", "query_to_xml", "cursor_to_xml")
# What a statement may start with: reading statements only (COPY, DO, CALL, SET, LOCK,
# PREPARE... are refused; writes inside WITH fail in the read-only transaction).
READING = ("select", "with", "values", "table", "show", "explain")

# U+0080 to U+FFFF, identifier characters: written as the class `[\x80-\uffff]` it took 30 ms to
# compile at every start (re tabulates the whole range); this is the same set, compiled at once.
_HIGH = r"[^\x00-\x7f\U00010000-\U0010ffff]"
_TOKEN = re.compile(rf"""
    (?P<space>\s+)
  | (?P<line>--[^\n]*)
  | (?P<block>/\*)
  | (?P<dollar>\$(?:(?:[A-Za-z_]|{_HIGH})(?:\w|{_HIGH})*)?\$)
  | (?P<estring>[eE]')
  | (?P<ustring>[uU]&')
  | (?P<string>[bBxXnN]?')
  | (?P<uident>[uU]&")
  | (?P<ident>")
  | (?P<param>\$\d+)
  | (?P<word>(?:[A-Za-z_]|{_HIGH})(?:[\w$]|{_HIGH})*)
  | (?P<number>\d[\w.]*)
  | (?P<op>.)
""", re.VERBOSE | re.DOTALL)


def sql_tokens(text: str) -> list[tuple[str, str]]:
    """PostgreSQL SQL as (kind, value) tokens, comments and whitespace dropped: `word` (lower
    case), `name` (a quoted identifier, as written inside the quotes), `string` (a literal's
    text), `op` (one character); literals and names whose escapes the server decodes are
    `estring` (E'...'), `ustring` (U&'...') and `uname` (U&"..."), their text as written.
    Raises ValueError on an unterminated literal or comment."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        assert m is not None  # `op` matches any character
        kind, value, i = m.lastgroup or "op", m.group(), m.end()
        if kind == "block":
            depth = 1
            while depth:
                nxt = min((j for j in (text.find("/*", i), text.find("*/", i)) if j >= 0), default=-1)
                if nxt < 0:
                    raise ValueError("an unterminated /* comment")
                depth += 1 if text.startswith("/*", nxt) else -1
                i = nxt + 2
        elif kind == "dollar":
            end = text.find(value, i)
            if end < 0:
                raise ValueError(f"an unterminated {value} string")
            out.append(("string", text[i:end]))
            i = end + len(value)
        elif kind in ("string", "estring", "ustring", "ident", "uident"):
            quote = value[-1]
            pieces: list[str] = []
            while True:
                j = i
                while j < len(text) and text[j] != quote and not (kind == "estring" and text[j] == "\\"):
                    j += 1
                if j >= len(text):
                    raise ValueError("an unterminated quoted " + ("name" if "ident" in kind else "string"))
                pieces.append(text[i:j])
                if text[j] == "\\":  # E'...': a backslash escapes the next character
                    pieces.append(text[j + 1:j + 2])
                    i = j + 2
                elif text.startswith(quote * 2, j):
                    pieces.append(quote)
                    i = j + 2
                else:
                    i = j + 1
                    break
            named = {"ident": "name", "uident": "uname"}.get(kind, kind)
            out.append((named, "".join(pieces)))
        elif kind == "word":
            out.append(("word", value.lower()))
        elif kind not in ("space", "line"):
            out.append((kind, value))
    return out


def _refused_function(name: str) -> bool:
    """A listed function, or one of a listed family; any pg_*_reset (pg_stat_statements_reset...)."""
    return name in REFUSED_FUNCTIONS or name.startswith(REFUSED_PREFIXES) or \
        (name.startswith("pg_") and name.endswith("_reset"))


def sql_refusal(text: str) -> str | None:
    """Why this SQL may not run on a checked server, or None. One reading statement; no COPY;
    no call (qualified, quoted or not) of a function that acts on the server; set_config only
    of a setting named by a literal that certify does not guard."""
    try:
        tokens = sql_tokens(text)
    except ValueError as exc:
        return f"cannot be read as SQL: {exc}"
    while tokens and tokens[-1] == ("op", ";"):
        tokens.pop()
    if not tokens:
        return "is empty"
    if ("op", ";") in tokens:
        return "holds more than one statement (one statement, no `;` between statements)"
    first = tokens[0][1]
    if tokens[0][0] == "word" and first == "copy":
        return "uses COPY (COPY ... TO PROGRAM/FILE acts on the server, even read-only)"
    if first != "(" and not (tokens[0][0] == "word" and first in READING):
        return (f"starts with {first.upper()!s}: only a reading statement "
                f"({', '.join(w.upper() for w in READING)}) is run")
    if any(kind == "uname" for kind, _ in tokens):
        return 'uses a U&"..." name (its escapes could spell any function): write the name plainly'
    for k, (kind, value) in enumerate(tokens[:-1]):
        if kind not in ("word", "name") or tokens[k + 1] != ("op", "("):
            continue
        name = value.lower() if kind == "name" else value
        if _refused_function(name):
            return f"calls {name}(), which acts on the server even in a read-only transaction"
        if name == "set_config":
            arg = tokens[k + 2] if k + 2 < len(tokens) else ("op", "")
            after = tokens[k + 3] if k + 3 < len(tokens) else ("op", "")
            if arg[0] != "string" or after != ("op", ","):
                return "calls set_config() with a setting that is not a plain literal"
            refused = setting_refusal(arg[1])
            if refused:
                return f"calls set_config(): {refused}"
    return None


def setting_refusal(name: str) -> str | None:
    """Why a spec may not set this setting (it guards the server, or the session's rights)."""
    if name.strip().lower() in GUARDED_SETTINGS:
        return (f"{name} may not be set: certify sets it to protect the server "
                f"({', '.join(sorted(GUARDED_SETTINGS))} are its own)")
    return None

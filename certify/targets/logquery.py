"""The Cloud Logging query language, the subset real proofs use: parsed once, sent as written to
Cloud Logging, and evaluated here, with the same meaning, for log files and commands.

Semantics (Cloud Logging's "Logging query language" reference):

- `AND`, `OR`, `NOT` are upper case; `-` before a term is `NOT`; two terms side by side are
  joined by an implicit `AND`. `OR` binds tighter than `AND`:
  `a OR NOT b AND NOT c OR d` is `(a OR (NOT b)) AND ((NOT c) OR d)`.
- `field = value`, `!=`, `<`, `<=`, `>`, `>=`, `:` (has: substring; `field:*` = present),
  `=~` / `!~` (regular expression, found anywhere in the value, case-sensitive).
  String comparisons are not case-sensitive. `field = ("a" OR "b")` compares with each value.
- Numbers compare as numbers, `timestamp`/`receiveTimestamp` as instants, `severity` by rank
  (DEFAULT < DEBUG < ... < EMERGENCY), durations such as `"1.5s"` as seconds.
- A comparison on a field the entry does not have is false; `!=` and `!~` are the negations
  of `=` and `=~` (so an entry without the field matches `field != x`).
- A repeated field matches when any element does. A bare value (a global restriction)
  matches when any string anywhere in the entry contains it.
- `log_id("name")` matches entries of that log.

Anything else (other functions such as `SEARCH` or `sample`, regex features RE2 lacks) is
rejected when the spec is loaded, naming the construct: a filter that could mean one thing
to Cloud Logging and another here is an error, not a silent mismatch.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

SEVERITY = {"DEFAULT": 0, "DEBUG": 100, "INFO": 200, "NOTICE": 300, "WARNING": 400, "ERROR": 500,
            "CRITICAL": 600, "ALERT": 700, "EMERGENCY": 800}
TIME_FIELDS = {("timestamp",), ("receiveTimestamp",)}
OPERATORS = ("=~", "!~", "<=", ">=", "!=", "=", "<", ">", ":")


class FilterError(ValueError):
    """A filter that cannot be parsed or evaluated here; `col` is 1-based."""

    def __init__(self, message: str, col: int) -> None:
        one_line = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group(0))[1:-1], message)
        super().__init__(f"column {col}: {one_line}")
        self.col = col


# ---------------------------------------------------------------- values


_TS = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?)?\s*"
                 r"(Z|z|[+-]\d{2}:?\d{2}|UTC)?$")


def parse_time(text: str) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 timestamp (a missing zone means UTC), or None."""
    m = _TS.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = (g or "0" if i < 6 else g for i, g in enumerate(m.groups()))
    try:
        secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0))
        datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))  # rejects 2026-02-31
    except ValueError:
        return None
    if zone and zone not in ("Z", "z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return secs * 1_000_000_000 + int((frac or "0").ljust(9, "0"))


def has_zone(text: str) -> bool:
    """Whether a timestamp `parse_time` reads names its time zone (else it is read as UTC, but
    may be local time: anywhere within 14 hours)."""
    m = _TS.match(text.strip())
    return m is not None and m.group(8) is not None


def format_time(ns: int) -> str:
    """RFC 3339 in UTC with as many fraction digits as needed (none for whole seconds)."""
    secs, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return base + (f".{frac:09d}".rstrip("0") if frac else "") + "Z"


_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str) and _NUMBER.match(value):
            return float(value)
    except OverflowError:  # an integer beyond any float: as large as floats go
        return float("inf") if int(value) > 0 else float("-inf")
    return None


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Literal:
    text: str
    quoted: bool
    col: int


@dataclass(frozen=True)
class ValueGroup:
    """`("a" OR "b")` on the right of a comparison."""

    op: str  # AND | OR
    items: tuple[Literal | ValueGroup, ...]


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    op: str
    value: Literal | ValueGroup
    col: int


@dataclass(frozen=True)
class Global:
    value: Literal


@dataclass(frozen=True)
class LogId:
    name: str


@dataclass(frozen=True)
class Not:
    term: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    terms: tuple[Node, ...]


Node = Comparison | Global | LogId | Not | BoolOp

# ---------------------------------------------------------------- parsing

_WORD = re.compile(r"[^\s()\"=<>!:,]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-@/]*")
_KEYWORDS = {"AND", "OR", "NOT"}
MAX_DEPTH = 100
MAX_LENGTH = 20_000  # Cloud Logging rejects longer filters


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.depth = 0

    def error(self, message: str, at: int | None = None) -> FilterError:
        return FilterError(message, (self.i if at is None else at) + 1)

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek_keyword(self) -> str | None:
        self.skip()
        m = _WORD.match(self.text, self.i)
        return m.group(0) if m and m.group(0) in _KEYWORDS else None

    def take_keyword(self, word: str) -> bool:
        if self.peek_keyword() == word:
            self.i += len(word)
            return True
        return False

    def at_end(self) -> bool:
        self.skip()
        return self.i >= len(self.text)

    # query := disj { [AND] disj }     (implicit AND: terms side by side)
    def query(self, closing: str | None = None) -> Node:
        terms = [self.disjunction()]
        while True:
            self.skip()
            if self.at_end() or (closing and self.text.startswith(closing, self.i)):
                break
            self.take_keyword("AND")
            terms.append(self.disjunction())
        return terms[0] if len(terms) == 1 else BoolOp("AND", tuple(terms))

    def disjunction(self) -> Node:
        terms = [self.unary()]
        while self.take_keyword("OR"):
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else BoolOp("OR", tuple(terms))

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} deep (parentheses or NOT)")
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Node:
        self.skip()
        if self.take_keyword("NOT"):
            return Not(self.unary())
        if self.text.startswith("-", self.i) and self.i + 1 < len(self.text) \
                and not self.text[self.i + 1].isspace() and not self.text[self.i + 1].isdigit():
            self.i += 1
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        self.skip()
        start = self.i
        if self.at_end():
            raise self.error("expected a comparison, found the end of the filter")
        c = self.text[self.i]
        if c == "(":
            self.i += 1
            inner = self.query(closing=")")
            self.skip()
            if not self.text.startswith(")", self.i):
                raise self.error("expected `)`", start)
            self.i += 1
            return inner
        if c == ")":
            raise self.error("unexpected `)`")
        if c != '"':
            m = _IDENT.match(self.text, self.i)
            if m and self.text.startswith("(", m.end()):  # a function call
                return self.function(m.group(0), start)
            kw = self.peek_keyword()
            if kw:
                raise self.error(f"`{kw}` needs a term before and after it")
        path = self.field_path()
        self.skip()
        op = next((o for o in OPERATORS if self.text.startswith(o, self.i)), None)
        if op is None:
            self.i = start
            lit = self.literal()
            if not lit.quoted and lit.text.lower() in ("and", "or", "not"):
                raise self.error(f"`{lit.text}`: boolean operators are upper case (AND, OR, NOT)", start)
            return Global(lit)
        if path is None:
            raise self.error(f"expected a field name before `{op}`", start)
        self.i += len(op)
        value = self.value_expr()
        node = Comparison(path, op, value, start + 1)
        _check_comparison(node)
        return node

    def function(self, name: str, start: int) -> Node:
        self.i = start + len(name) + 1
        args: list[Literal] = []
        while True:
            self.skip()
            if self.text.startswith(")", self.i):
                self.i += 1
                break
            args.append(self.literal())
            self.skip()
            if self.text.startswith(",", self.i):
                self.i += 1
            elif not self.text.startswith(")", self.i):
                raise self.error(f"{name}(): expected `,` or `)`")
        if name == "log_id" and len(args) == 1:
            return LogId(args[0].text)
        raise FilterError(f"the function {name}() is not supported here (only log_id(\"...\")); "
                          "certify could not evaluate it the way Cloud Logging does", start + 1)

    def field_path(self) -> tuple[str, ...] | None:
        """A dotted field path (segments may be quoted), or None when what follows is no path."""
        start = self.i
        parts: list[str] = []
        while True:
            if self.text.startswith('"', self.i):
                parts.append(self.quoted())
            else:
                m = _IDENT.match(self.text, self.i)
                if not m:
                    break
                parts.append(m.group(0))
                self.i = m.end()
            if self.text.startswith(".", self.i):
                self.i += 1
                continue
            break
        if not parts:
            self.i = start
            return None
        return tuple(parts)

    def quoted(self) -> str:
        start = self.i
        self.i += 1
        out: list[str] = []
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\" and self.i + 1 < len(self.text):
                nxt = self.text[self.i + 1]
                if nxt == "u" and re.match(r"[0-9a-fA-F]{4}", self.text[self.i + 2:self.i + 6]):
                    out.append(chr(int(self.text[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
                # \" \\ \n \t \r are escapes; any other backslash stays, so "\d+" is a regex digit
                out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
                self.i += 2
                continue
            out.append(c)
            self.i += 1
        raise self.error("a quoted string is not closed", start)

    def literal(self) -> Literal:
        self.skip()
        start = self.i
        if self.text.startswith('"', self.i):
            return Literal(self.quoted(), True, start + 1)
        m = _WORD.match(self.text, self.i)
        if not m:
            raise self.error("expected a value")
        self.i = m.end()
        return Literal(m.group(0), False, start + 1)

    def value_expr(self) -> Literal | ValueGroup:
        self.skip()
        if not self.text.startswith("(", self.i):
            if self.at_end():
                raise self.error("expected a value after the operator")
            return self.literal()
        self.i += 1
        groups: list[Literal | ValueGroup] = []
        current: list[Literal] = [self.literal()]
        while True:
            self.skip()
            if self.text.startswith(")", self.i):
                self.i += 1
                break
            if self.take_keyword("OR"):
                current.append(self.literal())
                continue
            self.take_keyword("AND")
            groups.append(current[0] if len(current) == 1 else ValueGroup("OR", tuple(current)))
            current = [self.literal()]
        groups.append(current[0] if len(current) == 1 else ValueGroup("OR", tuple(current)))
        return groups[0] if len(groups) == 1 else ValueGroup("AND", tuple(groups))


_RE2_LACKS = re.compile(r"\(\?[=!]|\(\?<[=!]|\(\?P=|\\[1-9]|\(\?>|[*+?}]\+")


def _literals(value: Literal | ValueGroup) -> list[Literal]:
    return [value] if isinstance(value, Literal) else [x for i in value.items for x in _literals(i)]


def _check_comparison(node: Comparison) -> None:
    check_path(node.path, node.col)
    for lit in _literals(node.value):
        if node.op in ("=~", "!~"):
            bad = _RE2_LACKS.search(lit.text)
            if bad:
                raise FilterError(f"regular expression {lit.text!r}: `{bad.group(0)}` is not RE2 syntax "
                                  "(Cloud Logging's engine has no look-arounds, back-references or "
                                  "possessive quantifiers)", lit.col)
            try:
                re.compile(lit.text)
            except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}: too large
                raise FilterError(f"regular expression {lit.text!r}: {exc}", lit.col) from None
        elif node.path in TIME_FIELDS and node.op != ":" and parse_time(lit.text) is None:
            raise FilterError(f"{'.'.join(node.path)}: {lit.text!r} is not an RFC 3339 timestamp "
                              '(e.g. "2026-11-20T00:00:00Z")', lit.col)


def strip_comments(text: str) -> str:
    """`text` with `-- comments` (to the end of the line, outside quotes) blanked out."""
    out, quoted, i = list(text), False, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and quoted:
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif not quoted and text.startswith("--", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        i += 1
    return "".join(out)


def parse(text: str) -> Node:
    """The tree of a filter, or FilterError naming the column and the construct."""
    if len(text) > MAX_LENGTH:
        raise FilterError(f"the filter is {len(text)} characters long; Cloud Logging takes at most "
                          f"{MAX_LENGTH}", MAX_LENGTH + 1)
    p = _Parser(strip_comments(text))
    if p.at_end():
        raise FilterError("the filter is empty", 1)
    node = p.query()
    if not p.at_end():
        raise p.error(f"unexpected `{p.text[p.i]}`")
    return node


def time_terms(node: Node) -> list[Comparison]:
    """The comparisons on `timestamp` that every match must satisfy (the filter's own window)."""
    if isinstance(node, Comparison):
        return [node] if node.path == ("timestamp",) and node.op in ("<", "<=", ">", ">=", "=") \
            and isinstance(node.value, Literal) else []
    if isinstance(node, BoolOp) and node.op == "AND":
        return [c for t in node.terms for c in time_terms(t)]
    return []


def time_literals(node: Node) -> list[int]:
    """Every instant a `timestamp` comparison anywhere in the filter compares with (ns)."""
    if isinstance(node, Comparison):
        if node.path != ("timestamp",) or node.op in (":", "=~", "!~"):
            return []
        return [t for lit in _literals(node.value) if (t := parse_time(lit.text)) is not None]
    if isinstance(node, BoolOp):
        return [t for term in node.terms for t in time_literals(term)]
    return time_literals(node.term) if isinstance(node, Not) else []


def logged_fields(node: Node) -> list[tuple[str, ...]]:
    """The fields every match must have and that only the application logs (under jsonPayload,
    labels ...: no default), from the filter's top-level AND; `field:*` is a claim about the field
    itself and is left out."""
    if isinstance(node, BoolOp):
        return [p for t in node.terms for p in logged_fields(t)] if node.op == "AND" else []
    if not isinstance(node, Comparison) or field_default(node.path) is not _ABSENT:
        return []
    value = node.value
    star = node.op == ":" and isinstance(value, Literal) and value.text == "*" and not value.quoted
    return [] if star else [node.path]


def present(entry: Any, path: tuple[str, ...]) -> bool:
    """Whether the entry has the field, in any element of a list on the way."""
    current = [entry]
    for key in path:
        current = [x for v in current if isinstance(v, dict) and key in v
                   for x in (v[key] if isinstance(v[key], list) else [v[key]])]
        if not current:
            return False
    return True


def unparse_path(path: tuple[str, ...]) -> str:
    return ".".join(k if _IDENT.fullmatch(k) else '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for k in path)


def unparse_time(c: Comparison) -> str:
    """A comparison of `time_terms` as filter text."""
    assert isinstance(c.value, Literal)
    return f'{".".join(c.path)}{c.op}"{c.value.text}"'


def has_time_bound(node: Node) -> bool:
    if isinstance(node, Comparison):
        return node.path == ("timestamp",) and node.op in (">", ">=")
    if isinstance(node, BoolOp):
        return node.op == "AND" and any(has_time_bound(t) for t in node.terms)
    return False


# ---------------------------------------------------------------- evaluation

# The LogEntry type: fields it defines are "defaulted" (compared as if present with their
# default value when an entry lacks them); maps and payloads (None here) hold "missing" fields,
# on which every comparison fails, `!=` and `!~` included. Any other name is an error.
_MAP = None
_SCHEMA: dict[str, Any] = {
    "httpRequest": {"requestMethod": "", "requestUrl": "", "requestSize": 0, "status": 0,
                    "responseSize": 0, "userAgent": "", "remoteIp": "", "serverIp": "", "referer": "",
                    "latency": "0s", "cacheLookup": False, "cacheHit": False,
                    "cacheValidatedWithOriginServer": False, "cacheFillBytes": 0, "protocol": ""},
    "insertId": "", "logName": "", "trace": "", "spanId": "", "traceSampled": False,
    "severity": "DEFAULT", "textPayload": "", "timestamp": "1970-01-01T00:00:00Z",
    "receiveTimestamp": "1970-01-01T00:00:00Z",
    "resource": {"type": "", "labels": _MAP},
    "operation": {"id": "", "producer": "", "first": False, "last": False},
    "sourceLocation": {"file": "", "line": 0, "function": ""},
    "split": {"uid": "", "index": 0, "totalSplits": 0},
    "jsonPayload": _MAP, "protoPayload": _MAP, "labels": _MAP, "metadata": _MAP,
}
_ABSENT = object()  # a missing field: no default


def field_default(path: tuple[str, ...]) -> Any:
    """The default of a LogEntry field, `_ABSENT` under maps and payloads; FilterError-free:
    `check_path` has validated the path already."""
    node: Any = _SCHEMA
    for key in path:
        if not isinstance(node, dict):
            return _ABSENT
        node = node.get(key, _ABSENT)
        if node is _MAP or node is _ABSENT:
            return _ABSENT
    return _ABSENT if isinstance(node, dict) else node


def check_path(path: tuple[str, ...], col: int) -> None:
    node: Any = _SCHEMA
    for i, key in enumerate(path):
        if node is _MAP:
            return
        if not isinstance(node, dict) or key not in node:
            where = ".".join(path[:i + 1])
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "no sub-fields"
            raise FilterError(f"`{where}` is not a LogEntry field (known here: {known})", col)
        node = node[key]


def _lookup(entry: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value at `path` (arrays fan out), or the field's default, or [] when missing."""
    current = [entry]
    for key in path:
        nxt: list[Any] = []
        for v in current:
            if isinstance(v, dict) and key in v:
                got = v[key]
                nxt.extend(got if isinstance(got, list) else [got])
        current = nxt
        if not current:
            break
    if current:
        return current
    default = field_default(path)
    return [] if default is _ABSENT else [default]


def _present(entry: Any, path: tuple[str, ...]) -> bool:
    current = [entry]
    for key in path:
        current = [v[key] for v in current if isinstance(v, dict) and key in v]
        if not current:
            return False
    return True


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if value is None:
        return []
    return [_text(value)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fold(text: str) -> str:
    """Cloud Logging's NFKC case folding of strings before `=`, `<`, `:` (ASCII: lower case)."""
    return text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_UNITS = re.compile(r"^(-?\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$")


def _seconds(text: str) -> float | None:
    m = _DURATION_UNITS.match(text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else None


Matcher = Callable[[Any], bool]  # one field value -> does the comparison hold?


def _scalar_matcher(path: tuple[str, ...], op: str, lit: Literal) -> Matcher:
    """`op` is one of = < <= > >= : =~ (the negations are handled by the caller)."""
    text = lit.text
    folded = fold(text)
    if op == "=~":
        rx = re.compile(text)
        return lambda v: isinstance(v, str) and rx.search(v) is not None
    if not lit.quoted and text == "NULL_VALUE" and op == "=":
        return lambda v: v is None
    if op == ":":
        return lambda v: v is not None and any(folded in fold(s) for s in _strings(v))
    if path in TIME_FIELDS:
        want = parse_time(text)
        assert want is not None

        def time_cmp(v: Any) -> bool:
            got = parse_time(v) if isinstance(v, str) else None
            return got is not None and _compare(got, want, op)
        return time_cmp
    if path == ("severity",):
        want_rank = SEVERITY.get(text.upper(), _number(text))

        def sev_cmp(v: Any) -> bool:
            rank = SEVERITY.get(v.upper()) if isinstance(v, str) else _number(v)
            return rank is not None and want_rank is not None and _compare(rank, want_rank, op)
        return sev_cmp
    if path == ("httpRequest", "latency"):
        want_s = _seconds(text)

        def duration_cmp(v: Any) -> bool:
            got = _seconds(v) if isinstance(v, str) else None
            return got is not None and want_s is not None and _compare(got, want_s, op)
        return duration_cmp
    num = _number(text)
    boolean = {"true": True, "false": False}.get(folded)

    def cmp(v: Any) -> bool:  # the value converts to the field's type, or the comparison fails
        if isinstance(v, bool):
            return boolean is not None and _compare(v, boolean, op)
        if isinstance(v, int | float):
            return num is not None and _compare(_number(v), num, op)
        if isinstance(v, str):
            return _compare(fold(v), folded, op)
        return False
    return cmp


def _compare(a: Any, b: Any, op: str) -> bool:
    if op == "=":
        return bool(a == b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _value_matcher(path: tuple[str, ...], op: str, value: Literal | ValueGroup) -> Matcher:
    if isinstance(value, Literal):
        return _scalar_matcher(path, op, value)
    parts = [_value_matcher(path, op, item) for item in value.items]
    if value.op == "OR":
        return lambda v: any(m(v) for m in parts)
    return lambda v: all(m(v) for m in parts)


Predicate = Callable[[dict[str, Any]], bool]


def compile_filter(node: Node, undated: bool | None = None) -> Predicate:
    """A function entry -> bool with the meaning Cloud Logging gives the filter.

    `undated` evaluates it for an entry without a usable timestamp: every ordering or equality
    comparison on `timestamp` is taken as `undated` where it counts for the match (the opposite
    under NOT), except `timestamp>=` the epoch, which every entry is. True: could the entry
    match, wherever it falls in time; False: does it match, wherever it falls."""
    if isinstance(node, BoolOp):
        parts = [compile_filter(t, undated) for t in node.terms]
        if node.op == "AND":
            return lambda e: all(p(e) for p in parts)
        return lambda e: any(p(e) for p in parts)
    if isinstance(node, Not):
        inner = compile_filter(node.term, None if undated is None else not undated)
        return lambda e: not inner(e)
    if undated is not None and isinstance(node, Comparison) and node.path == ("timestamp",) \
            and node.op in ("=", "!=", "<", "<=", ">", ">="):
        always = node.op in (">=", ">") and isinstance(node.value, Literal) \
            and (parse_time(node.value.text) or 0) < (1 if node.op == ">=" else 0)
        value = True if always else undated
        return lambda e: value
    if isinstance(node, Global):
        folded = fold(node.value.text)
        return lambda e: any(folded in fold(s) for s in _strings(e))
    if isinstance(node, LogId):
        name = node.name

        def log_id(e: dict[str, Any]) -> bool:
            log_name = e.get("logName")
            return isinstance(log_name, str) and unquote(log_name.rsplit("/logs/", 1)[-1]) == name
        return log_id
    path, op = node.path, node.op
    if op == ":" and isinstance(node.value, Literal) and node.value.text == "*" and not node.value.quoted:
        return lambda e: _present(e, path)
    negated = op in ("!=", "!~")
    match = _value_matcher(path, {"!=": "=", "!~": "=~"}.get(op, op), node.value)
    if negated:  # present (or defaulted) and different; a missing field fails this too
        return lambda e: any(not match(v) for v in _lookup(e, path))
    return lambda e: any(match(v) for v in _lookup(e, path))


# ---------------------------------------------------------------- prefiltering raw text


_PLAIN = re.compile(r"[A-Za-z0-9 _.:@#%+=,;/-]+")  # text JSON writes as is (but as \\uXXXX, or "/" as "\\/")
_REGEX_META = re.compile(r"[\\^$.|?*+()\[\]{}]")
_NUMBER_TEXT = re.compile(r"[0-9.e+-]*")  # what a number reads as (its text may differ from the JSON's)
_NO_LITERAL = {("httpRequest", "latency")}  # compared as durations: "1.5s" is "1500ms"


def required_literals(node: Node) -> list[tuple[str, bool]]:
    """Strings every matching entry's raw JSON text must contain, as (text, folded): folded ones
    are lower case, to look for in the lower-cased text. Used to skip parsing entries that cannot
    match (see `could_match`); a literal is used only when no other text of the entry could match
    it: plain ASCII text, not a number, not what a number reads as ("." of 25e-4, "inf" of 1e400),
    not a field's default (a missing `operation.first` is false), not a duration or NULL_VALUE.
    Those compared with case come first (`could_match` tests them without lower-casing the text)."""
    if isinstance(node, BoolOp):
        if node.op == "AND":
            return sorted((s for t in node.terms for s in required_literals(t)), key=lambda lit: lit[1])
        return []
    if not isinstance(node, Comparison) or not isinstance(node.value, Literal):
        return []  # log_id() too: a log name may be %-encoded in logName
    lit, path = node.value, node.path
    text = lit.text
    if not text or not _PLAIN.fullmatch(text) or path in _NO_LITERAL or path in TIME_FIELDS \
            or path == ("severity",) or (text == "NULL_VALUE" and not lit.quoted):
        return []
    default = field_default(path)
    if default is not _ABSENT and node.op in ("=", ":", "=~") \
            and _scalar_matcher(path, node.op, lit)(default):
        return []
    if node.op == "=~" and not _REGEX_META.search(text):
        return [(text, False)]  # a regex that is plain text: case-sensitive, found as written
    folded = text.lower()
    if node.op in ("=", ":") and _number(text) is None and not (text == "*" and node.op == ":") \
            and not _NUMBER_TEXT.fullmatch(folded) and folded not in "-inf" and folded not in "nan":
        return [(folded, True)]
    return []


def could_match(raw: str, literals: list[tuple[str, bool]]) -> bool:
    """False when `raw` lacks one of `literals`, in the order `required_literals` gives them (so
    the entry cannot match). Text JSON may spell otherwise (\\uXXXX escapes) or that folds to ASCII
    (K, \ufb01) is never ruled out."""
    if not literals:
        return True
    if "\\" in raw:
        if "\\u" in raw:
            return True
        raw = raw.replace("\\/", "/")
    low: str | None = None
    for text, folded in literals:
        if folded:
            if low is None:
                if not raw.isascii():
                    return True
                low = raw.lower()
            hay = low
        else:
            hay = raw
        if text not in hay:
            return False
    return True

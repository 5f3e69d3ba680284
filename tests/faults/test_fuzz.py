"""Property-based fuzzing (hypothesis) of the spec loader and of the log filter parser.

The issue's promise: no input produces a traceback, and every rejection is a positioned
one-line error.

- Spec loader (`load_spec`, and `certify validate` through the CLI), fed arbitrary text,
  arbitrary bytes, generated specs (real keys, kinds and target types; `${VAR}`s,
  anchors/aliases/merge keys, tags, huge numbers, deep nesting, duplicate keys, includes) with
  text edits (tabs, stray tokens, non-UTF-8 bytes), and valid specs with a few hostile values put
  where their type invites them or anywhere. Property: a `Spec`, or `SpecErrors` whose every
  error renders as one line `FILE:LINE:COL: message` (line, col >= 1); the CLI exits 0 or 2,
  never with a traceback, and each stderr line is such an error.
- Log filter parser (`logquery.parse` / `compile_filter`), fed arbitrary and grammar-shaped text.
  Property: a tree, or `FilterError` with 1 <= col <= len(text) + 1 and a one-line message; a
  tree compiles to a predicate that returns a bool, without raising, on LogEntry-shaped dicts.

Runs are derandomized (the same examples on every run: CI stays stable and the count is
reproducible); CERTIFY_FUZZ_SCALE=10 runs ten times as many examples, and CERTIFY_FUZZ_SHRINK=1
shrinks a failing example to a minimal one (off by default: it can take minutes). `test_zz_report`
prints the number of examples run: "fuzz cases: N".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
import types
import typing
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Union

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from certify.cli import cli
from certify.kinds.registry import KINDS, REGISTRY
from certify.spec.binder import is_required, yaml_key
from certify.spec.errors import SpecError, SpecErrors
from certify.spec.loader import SpecFields, load_spec
from certify.spec.model import CheckCommon, HypothesisFields, Spec
from certify.spec.values import CountExpr, Regex
from certify.targets.logquery import FilterError, compile_filter, parse

# ---------------------------------------------------------------- bookkeeping

CASES: Counter[str] = Counter()  # examples run, per property (printed by test_zz_report)
SCALE = float(os.environ.get("CERTIFY_FUZZ_SCALE", "1"))
# Shrinking a failure to its smallest form can take minutes (deep documents); on demand only.
PHASES = [Phase.explicit, Phase.generate] + (
    [Phase.shrink, Phase.explain] if os.environ.get("CERTIFY_FUZZ_SHRINK") else [])


def fuzz(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    derandomize=True, print_blob=False, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


# The environment `${VAR}`s are expanded from (load_spec gets it; the CLI runs with it).
ENV = {"SET_VAR": "value", "EMPTY_VAR": "", "NUM": "30", "NL": "two\nlines", "API_TOKEN": "s3cret"}
CLI_ENV: dict[str, str | None] = {**ENV, "UNSET_VAR": None, "DATABASE_URL": None, "OTHER": None}

# ---------------------------------------------------------------- the properties


def check_rejection(exc: SpecErrors, spec: Path, text: str | None) -> None:
    """Every error is one line `FILE:LINE:COL: message`, with line and col >= 1."""
    assert exc.errors, "SpecErrors without any error"
    for err in exc.errors:
        assert isinstance(err, SpecError), repr(err)
        line = str(err)
        assert len(line.splitlines()) == 1, f"not one line: {line!r}"
        assert err.mark is not None, f"no position: {line!r}"
        assert err.mark.line >= 1 and err.mark.col >= 1, f"position below 1:1: {line!r}"
        assert line.startswith(f"{err.mark.file}:{err.mark.line}:{err.mark.col}: "), line
        assert line[len(str(err.mark)) + 2:].strip(), f"empty message: {line!r}"
        if text is not None and err.mark.file == str(spec):
            assert err.mark.line <= len(text.splitlines()) + 1, f"line past the end: {line!r}"


ERROR_LINE = re.compile(r"^.+:[1-9]\d*:[1-9]\d*: \S.*$")


def validate_via_cli(spec: Path) -> None:
    """`certify validate SPEC`: exit 0 (valid) or 2 (positioned errors), never a traceback."""
    res = CliRunner().invoke(cli, ["validate", str(spec)], env=CLI_ENV, catch_exceptions=False)
    assert "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    assert res.exit_code in (0, 2), (res.exit_code, res.stdout, res.stderr)
    if res.exit_code == 0:
        assert ": valid — " in res.stdout, res.stdout
    else:
        lines = res.stderr.splitlines()
        assert lines, "exit 2 without an error"
        for line in lines:
            assert ERROR_LINE.match(line), f"not a positioned one-line error: {line!r}"


def load_and_check(data: bytes, extra: dict[str, bytes] | None = None, *, via_cli: bool = True) -> None:
    """Write `data` as checks.yaml (and `extra` files beside it), load it, drive the CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "checks.yaml"
        spec.write_bytes(data)
        for name, content in (extra or {}).items():
            (Path(tmp) / name).write_bytes(content)
        try:
            text: str | None = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            loaded = load_spec(spec, REGISTRY, ENV)
        except SpecErrors as exc:
            check_rejection(exc, spec, text)
        else:
            assert isinstance(loaded, Spec) and loaded.hypotheses
        if via_cli:
            validate_via_cli(spec)


def check_filter(text: str, entries: Iterable[dict[str, Any]]) -> None:
    """A tree (whose predicate returns bools), or a FilterError at a column of `text`."""
    try:
        node = parse(text)
    except FilterError as exc:
        message = str(exc)
        assert 1 <= exc.col <= len(text) + 1, f"column {exc.col} outside 1..{len(text) + 1}"
        assert len(message.splitlines()) == 1, f"not one line: {message!r}"
        assert message.startswith(f"column {exc.col}: ") and message.split(": ", 1)[1].strip(), message
        return
    predicate = compile_filter(node)
    for entry in entries:
        assert isinstance(predicate(entry), bool)


# ---------------------------------------------------------------- YAML text from data


@dataclasses.dataclass(frozen=True)
class Raw:
    """YAML text emitted as written: tags, anchors, odd numbers, deep nesting..."""

    text: str


@dataclasses.dataclass(frozen=True)
class Pairs:
    """A mapping as a list of (key, value): keys may repeat."""

    items: tuple[tuple[str | Raw, Any], ...]


@dataclasses.dataclass(frozen=True)
class Anchored:
    name: str
    value: Any


@dataclasses.dataclass(frozen=True)
class Alias:
    name: str


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_UNPRINTABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")


def scalar_yaml(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # JSON strings are YAML double-quoted scalars; escape what YAML does not accept raw
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(str(value), ensure_ascii=False))


def key_yaml(key: str | Raw) -> str:
    if isinstance(key, Raw):
        return key.text
    return key if _PLAIN_KEY.match(key) else scalar_yaml(key)


def flow(value: Any) -> str:
    """`value` in YAML flow style."""
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{key_yaml(k)}: {flow(v)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return flow(Pairs(tuple(value.items())))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, Anchored):
        return f"&{value.name} {flow(value.value)}"
    if isinstance(value, Alias):
        return f"*{value.name}"
    return scalar_yaml(value)


def define_aliases(value: Any, defined: set[str]) -> Any:
    """`value` with each alias to a not yet defined anchor turned into that anchor's definition, and
    anchors defined twice (which PyYAML rejects) left out: most documents then compose."""
    if isinstance(value, Pairs):
        return Pairs(tuple((k, define_aliases(v, defined)) for k, v in value.items))
    if isinstance(value, list):
        return [define_aliases(v, defined) for v in value]
    if isinstance(value, Anchored):
        if value.name in defined:
            return define_aliases(value.value, defined)
        defined.add(value.name)
        return Anchored(value.name, define_aliases(value.value, defined))
    if isinstance(value, Alias) and value.name not in defined:
        defined.add(value.name)
        return Anchored(value.name, Pairs(()))
    return value


def block(pairs: Pairs, indent: int = 0) -> list[str]:
    """A mapping in block style; mappings and lists of mappings one level down are block too."""
    pad = " " * indent
    out: list[str] = []
    for key, value in pairs.items:
        if isinstance(value, Pairs) and value.items:
            out.append(f"{pad}{key_yaml(key)}:")
            out += block(value, indent + 2)
        elif isinstance(value, list) and value and all(isinstance(v, Pairs) and v.items for v in value):
            out.append(f"{pad}{key_yaml(key)}:")
            for item in value:
                lines = block(item, indent + 4)
                out.append(f"{pad}  - {lines[0].lstrip()}")
                out += lines[1:]
        else:
            out.append(f"{pad}{key_yaml(key)}: {flow(value)}")
    return out


# ---------------------------------------------------------------- scalar strategies

def expand(text: str) -> str:
    """Long literals are written short, so that strategy reprs stay small: «9*400» is 400 nines."""
    return re.sub(r"«(.+?)\*(\d+)»", lambda m: m.group(1) * int(m.group(2)), text)


def samples(items: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(items).map(expand)


VAR_REFS = ["${SET_VAR}", "${UNSET_VAR}", "${EMPTY_VAR}", "${EMPTY_VAR:-fallback}", "${UNSET_VAR:-}",
            "${NUM}", "${NUM:-x}", "${NL}", "${API_TOKEN}", "${DATABASE_URL}", "$$", "$${SET_VAR}", "${",
            "${1BAD}", "${A-B}", "${UNSET_VAR:-${SET_VAR}}", "$SET_VAR", "${UNSET_VAR:-«9*400»}",
            "${UNSET_VAR:-1e999}", "${UNSET_VAR:--0}", "${UNSET_VAR:-«9*5000»}"]
PATHS = [".", "README.md", "docs/**/*.md", "../x", "/nonexistent/x", "a\x00b", "", "inc.yaml", "*.yaml",
         "checks.yaml", "sub", "**/*.yaml", "missing.yaml", "fixtures/logs/*.json", "inc.yaml/..", "[", "~"]
COUNTS = ["5", ">0", ">= 372", "<1", "0..10", "10..0", "-1..-2", "== 3", "!=0", "> x", "1 2", "..",
          "0.5..1.5", "«9*400»", ">«9*400»", "1e5", "١٢", " 3 "]
REGEXES = ["(?P<path>[\\w./-]+)", "^a$", "(", "[", "a{99999999999}", "a{2,1}", "(?P<p>x)(?P<p>y)", "\\",
           "(?i)abc", "(?=x)", "\\1", "a++", "\\d+", "x" * 200, "(" * 50 + ")" * 50, "(?P<path>", ""]
SINCES = ["24h", "7d", "30m", "1w", "0s", "2026-11-20T00:00:00Z", "2026-11-20", "2026-02-31T00:00:00Z",
          "yesterday", "-1h", "«9*30»d", " 24 h ", "2026-11-20T00:00:00+99:99"]
RAW_SCALARS = ["~", "yes", "no", "on", "OFF", "0x1F", "0o17", "017", "1_000", "+12", ".inf", "-.inf",
               ".nan", "1.0e+400", "«9*400»", "-«9*400»", "«9*5000»", "2026-12-31", "2026-13-45",
               "2026-02-30", "0000-01-01", "2026-11-20T00:00:00Z", "2026-11-20 25:61:00",
               "!!int abc", "!!int 0b102", "!!float x", "!!bool maybe", "!!timestamp never", "!!null x",
               "!!str 5", "!!binary ===", "!!binary aGk=", "!!set {a, b}", "!!omap [a: 1]",
               "!!pairs [{a: 1}]", "!!map [1]", "!!seq {a: 1}", "!custom x", "!!python/name:os.system",
               "!!python/object/apply:os.system [true]", "!<tag:yaml.org,2002:int> 0xZZ", "!!merge x",
               "*undefined", "*a1", "&a1 1", "'it''s'", '"\\x00\\ud800\\U0010ffff"', '"\\q"', "'\t'",
               "<<", "=", "-", "?", "&", "!", "|", "> x", "%x", "@x", "`x"]
# Nesting past Python's recursion limit (PyYAML reads flow nesting in quadratic time: 700 deep is enough).
DEEP = [f"«[*{n}»«]*{n}»" for n in (20, 150, 400, 700)] + [
    f"«{{a: *{n}»1«}}*{n}»" for n in (20, 400, 700)] + ["«[*800»", "«- *300»x"]

# Strings that look like parts of messages, quotes, breaks: where a message is built from a value.
ODD_STRINGS = ["unknown field", 'say "hi"', "a: b", "line\nbreak", "tab\there", "\u00fc", "\U0001f642", " ",
               "%s", "{0}", "{port}", "\\", "--", "#"]
IDS = st.sampled_from(["H-1", "H-2", "H-C4", "", "H 1", "h-1"]) | st.text(max_size=8)
STRINGS = st.one_of(
    st.text(max_size=30),
    samples(VAR_REFS + PATHS + COUNTS + REGEXES + SINCES + ODD_STRINGS),
    st.builds(lambda a, v, b: a + v + b, st.text(max_size=5), samples(VAR_REFS), st.text(max_size=5)),
)
INTS = st.integers() | st.sampled_from([0, -1, 1, 2**31, 2**63, 10**400, -(10**400)])
FLOATS = st.floats() | st.sampled_from([0.5, 1e308, -0.0])
DATES = st.dates() | st.sampled_from(["2026-12-31", "2026-02-30", "31/12/2026", Raw("2026-02-30"), 20261231])
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, STRINGS,
                    samples(RAW_SCALARS + DEEP).map(Raw))
ANCHOR_NAMES = st.sampled_from(["a1", "a2", "h"])
MAP_KEYS = st.sampled_from(["a", "kind", "id", "check", "path", "filter", "<<", "expect", "target", "1",
                            "on", "null", "", "a b"]) | st.text(max_size=6)


def pairs_of(keys: st.SearchStrategy[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Pairs]:
    """Mappings with distinct keys, and one time in ten one that may repeat a key."""
    items = st.lists(st.tuples(keys, values), max_size=4)
    unique = items.map(lambda kvs: Pairs(tuple(dict(kvs).items())))
    return st.one_of([unique] * 9 + [items.map(lambda kvs: Pairs(tuple(kvs)))])


WILD: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4),
        pairs_of(MAP_KEYS, inner),
        pairs_of(MAP_KEYS, inner),
        st.builds(Anchored, ANCHOR_NAMES, inner),
        st.one_of(  # often undefined where they appear (an error on the spot), so rarer
            st.builds(Alias, ANCHOR_NAMES),
            st.builds(lambda name, rest: Pairs(((Raw("<<"), Alias(name)), *rest.items)), ANCHOR_NAMES,
                      pairs_of(MAP_KEYS, inner)),
        ),
    ),
    max_leaves=6,
)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`strategy` three times in four, a wild value otherwise."""
    return st.one_of(strategy, strategy, strategy, WILD)


# ---------------------------------------------------------------- the log filter grammar

FIELD_PATHS = [
    "severity", "timestamp", "receiveTimestamp", "textPayload", "logName", "insertId", "trace",
    "httpRequest.status", "httpRequest.requestUrl", "httpRequest.latency", "httpRequest.cacheHit",
    "httpRequest", "resource.type", "resource.labels.service_name", 'resource.labels."k.x"',
    "jsonPayload.message", "jsonPayload.a.b.c", 'jsonPayload."a b"', 'jsonPayload."a\\nb"', '"a\\nb"',
    'httpRequest."x\\ty"', "labels.env", "protoPayload.status.code", "operation.first", "sourceLocation.line",
    "split.index", "unknown", "httpRequest.nope", "severity.x", '"jsonPayload"', "jsonPayload.", ".x", "a-b",
    "@x", "_x/y", '"unclosed', "jsonPayload.\u00e9"]
FILTER_OPS = ["=", "!=", ":", "=~", "!~", "<", "<=", ">", ">=", "==", "=<", "!", "~", "=!", ": ", " = ",
              "=~", "!~"]
FILTER_VALUES = ["*", "NULL_VALUE", '"NULL_VALUE"', "true", "FALSE", "ERROR", "warning", "EMERGENCY",
                 '"1.5s"', '"200ms"', "-1", "1e9", ".5", "-.5e-3", "1e999", "0x10", "200",
                 '"2026-11-20T00:00:00Z"', '"2026-02-31"', '"2026-11-20 10:00:00+05:30"',
                 '"2026-11-20T00:00:00.123456789Z"',
                 '"(?i)abc"', '"a{99999999999}"', '"(?=x)"', '"\\1"', '"["', '"a++"', '"\\d+"', '"\\u00e9"',
                 '"\\uZZZZ"', '"\\"', '"\\\\"', '"a\\"b"', '"-- not a comment"', '""', "AND", "or", "not",
                 '"\\u000a"', "caf\u00e9", "\u00c5ngstr\u00f6m", "\ufb01"]
FUNCTIONS = ['log_id("run.googleapis.com/requests")', "log_id(x)", "log_id()", 'log_id("a", "b")',
             'SEARCH("x")', "sample(insertId, 0.1)", "f(", 'log_id("x"', "ip_in_net(a, b)", "log_id(,)"]
WORDS = st.text(alphabet=st.characters(blacklist_characters='\\"()=<>!:, \t\n'), min_size=1, max_size=8)
QUOTED = st.text(max_size=10).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')
FVALUE = st.one_of(st.sampled_from(FILTER_VALUES), WORDS, QUOTED,
                   st.integers().map(str), st.floats(allow_nan=False).map(repr))
VALUE_EXPR = FVALUE | st.lists(st.tuples(st.sampled_from([" OR ", " AND ", " ", "OR", " or "]), FVALUE),
                               min_size=1, max_size=3).map(
    lambda xs: "(" + "".join((sep if i else "") + v for i, (sep, v) in enumerate(xs)) + ")")
SPACE = st.sampled_from(["", " ", "  ", "\n", "\t"])
REGEX_VALUES = ['"a{99999999999}"', '"(x){4294967296}"', '"a{2,1}"', '"(?P<x>a)(?P=x)"', '"(?<=a)b"',
                '"\\p{L}"', '"[[:alpha:]]"', '"(?i)ok"', '"^/api/.*$"', '"\\"', '"("', '"a**"', '"(?P<n>"',
                '"\\Z"', '"x{1,99999}"']
TIME_VALUES = ['"2026-11-20T00:00:00Z"', '"2026-11-20"', '"2026-02-31T00:00:00Z"', '"now"', "2026-11-20",
               '"9999-12-31T23:59:59-23:59"', '"0001-01-01T00:00:00+23:59"', '"\u0662\u0660\u0662\u0666-1-1"']


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    """`path op value`, the value often one that the path and operator make interesting."""
    path = draw(st.one_of(st.sampled_from(FIELD_PATHS), st.sampled_from(FIELD_PATHS), WORDS))
    op = draw(st.sampled_from(FILTER_OPS))
    if op.strip() in ("=~", "!~") and draw(st.booleans()):
        value = draw(st.sampled_from(REGEX_VALUES))
    elif "imestamp" in path and draw(st.booleans()):
        value = draw(st.sampled_from(TIME_VALUES))
    else:
        value = draw(VALUE_EXPR)
    return path + draw(SPACE) + op + draw(SPACE) + value


COMPARISON = comparisons()
TERM = st.one_of(COMPARISON, COMPARISON, FVALUE, st.sampled_from(FUNCTIONS))
DEEP_FILTERS = [f"«NOT *{n}»a" for n in (10, 100, 2000)] + [f"«(*{n}»a«)*{n}»" for n in (10, 100, 2000)] + [
    f"«-(*{n}»a«)*{n}»" for n in (10, 1000)]
JOIN = st.sampled_from([" AND ", " OR ", " ", "\n", " -- comment\n", " AND NOT ", " OR -", "AND", " and "])


def _wrap(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inner.map(lambda q: "NOT " + q),
        inner.map(lambda q: "-" + q),
        inner.map(lambda q: "(" + q + ")"),
        st.builds(lambda a, j, b: a + j + b, inner, JOIN, inner),
    )


FILTERS_SHAPED = st.recursive(TERM, _wrap, max_leaves=8)
FILTER_CHARS = st.sampled_from(list('()"\\=!<>:~*-., \n\t') + ["AND", "OR", "NOT", "--", "\\u", "\u00e9"])


@st.composite
def mutated_filters(draw: st.DrawFn) -> str:
    """A grammar-shaped filter, a deep one, or either with a few characters inserted or deleted."""
    text = draw(st.one_of(FILTERS_SHAPED, FILTERS_SHAPED, FILTERS_SHAPED, samples(DEEP_FILTERS)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(FILTER_CHARS) + text[at:]
        else:
            text = text[:at] + text[at + 1:]
    if draw(st.booleans()):
        text = draw(SPACE) + text + draw(st.sampled_from(["", " ", " -- trailing comment", "\n"]))
    return text


# ---------------------------------------------------------------- LogEntry-shaped dicts

ENTRY_KEYS = st.sampled_from(["severity", "timestamp", "receiveTimestamp", "textPayload", "logName",
                              "httpRequest", "jsonPayload", "labels", "resource", "message", "status",
                              "latency", "requestUrl", "type", "service_name", "a", "b", "c", "k.x", "a b",
                              "insertId", "operation", "first"]) | st.text(max_size=5)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([10**400, -(10**400), 2**1024]), st.floats(),
    st.text(max_size=12),
    st.sampled_from(["ERROR", "info", "EMERGENCY", "2026-11-20T00:00:00Z", "2026-11-20", "1.5s", "200ms",
                     "200", "", "NULL_VALUE", "projects/p/logs/run.googleapis.com%2Frequests", "true",
                     "caf\u00e9", "\ufb01", "1e999", "nan"]),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(ENTRY_KEYS, inner, max_size=4), max_leaves=8)
FIXED_ENTRIES: list[dict[str, Any]] = [
    {}, {"severity": "ERROR", "timestamp": "2026-11-20T00:00:00Z", "logName": "projects/p/logs/x"},
    {"httpRequest": {"status": 403, "latency": "1.5s", "requestUrl": "/a"}, "jsonPayload": {"a": [1, None]}},
    {"severity": 7, "timestamp": 5, "jsonPayload": None, "labels": [], "textPayload": True},
    {"httpRequest": [{"status": "200"}, {"status": 5.0}], "resource": {"labels": {"service_name": "api"}},
     "receiveTimestamp": "2026-02-31T00:00:00Z",
     "jsonPayload": {"message": "caf\u00e9 \ufb01", "a b": {"k.x": 1}}},
    {"httpRequest": {"status": 10**400, "latency": 10**400}, "severity": -(10**400),  # JSON has big integers
     "jsonPayload": {"message": 2**1024, "a": {"b": {"c": 10**400}}}, "sourceLocation": {"line": 10**400}},
]
# A generated entry, checked along with the fixed ones (generating many is slow).
ENTRIES = st.dictionaries(ENTRY_KEYS, JSON_VALUES, max_size=5).map(lambda entry: [*FIXED_ENTRIES, entry])

FILTERS = st.one_of(FILTERS_SHAPED, samples(DEEP_FILTERS))

# ---------------------------------------------------------------- spec documents

KIND_NAMES = sorted(KINDS)
VAR_NAMES = st.sampled_from(["A", "PG_TARGET", "X-Y", ""])
VAR_VALUES = st.sampled_from(["x", "${A}", "${NOPE}", "${A:-d}", ["a", "${A}"], [], 7, None, {"k": "v"}])
VAR_BLOCKS = st.dictionaries(VAR_NAMES, VAR_VALUES, max_size=3)
TARGET_NAMES = ["app", "api", "prod", "export", "fresh"]
FIELD_HINTS: dict[str, st.SearchStrategy[Any]] = {
    "filter": FILTERS, "none": FILTERS, "since": samples(SINCES),
    "target": st.sampled_from([*TARGET_NAMES, "repo", "nope", ""]),
    "source": st.sampled_from([*TARGET_NAMES, "nope"]),
    "kind": st.sampled_from([*KIND_NAMES, "rls_isolaton", "File", "", "nope"]),
    "group": st.sampled_from(["A", "C", "Z", "a", ""]), "id": IDS,
    "include": st.sampled_from(PATHS) | st.lists(st.sampled_from(PATHS) | st.fixed_dictionaries(
        {"path": st.sampled_from(PATHS)}, optional={"vars": VAR_BLOCKS}), max_size=3),
    "vars": VAR_BLOCKS | st.lists(VAR_NAMES, max_size=2),
    "path": st.sampled_from(PATHS),
}
# Clean values: valid ones, so that some documents load and the checks past binding run too.
CLEAN_FILTERS = st.sampled_from([
    "severity>=ERROR", 'httpRequest.status=403 AND httpRequest.requestUrl=~"/x"',
    'jsonPayload.message:"boom"', 'log_id("run.googleapis.com/requests") -- a comment',
    'timestamp>="2026-01-01T00:00:00Z"', "textPayload:*",
    'NOT resource.labels.service_name=("api" OR "worker")', "-httpRequest.status<500"])
CLEAN_HINTS: dict[str, st.SearchStrategy[Any]] = {
    "filter": CLEAN_FILTERS, "none": CLEAN_FILTERS,
    "since": st.sampled_from(["24h", "7d", "2026-11-20T00:00:00Z"]),
    "id": st.text(alphabet="ABCDEFGH", min_size=6, max_size=6).map(lambda s: f"H-{s}"),
    "path": st.sampled_from(["README.md", "docs/*.md", "."]),
}
CLEAN_STRINGS = st.sampled_from(["x", "README.md", "docs/*.md", "app_user", "public.t", "SELECT 1", "/health",
                                 "GET", "an app", "${SET_VAR}", "${UNSET_VAR:-d}"])
# Hostile values: for a field of any type, then (hostile_for) for one of a given type.
HUGE_VALUES = st.one_of(st.sampled_from([10**400, -(10**400), 2**64]),
                        samples(["«9*5000»", "1.0e+400", "0x«f*300»"]).map(Raw))
HOSTILE = st.one_of(
    samples(RAW_SCALARS).map(Raw), samples(RAW_SCALARS).map(Raw), samples(DEEP).map(Raw), HUGE_VALUES,
    samples(ODD_STRINGS), samples(PATHS), samples(REGEXES + COUNTS + VAR_REFS + SINCES), FILTERS, WILD)


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


# Modes of the spec generator: "wild" (values plausible three times in four, stray keys), "clean"
# (valid values) and "tainted" (valid values, and one field in twenty given a hostile value of a
# kind its type invites: a huge number where a number goes, a message-like string where a bool goes).
Mode = Literal["wild", "clean", "tainted"]


def for_type(tp: Any, mode: Mode) -> st.SearchStrategy[Any]:
    """YAML for a value of type `tp` (the binder's types): valid unless `mode` is wild."""
    clean = mode != "wild"
    if tp is Any:
        return CLEAN_STRINGS if clean else WILD
    if tp is str:
        return CLEAN_STRINGS if clean else STRINGS
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(0, 100) if clean else INTS
    if tp is float:
        if clean:
            return st.integers(1, 60) | st.floats(0.5, 60)
        return INTS | FLOATS | st.sampled_from(["${NUM}", "${UNSET_VAR:-2.5}", "${SET_VAR}"])
    if tp is dt.date:
        return st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)) if clean else DATES
    if tp is CountExpr:
        return st.sampled_from(["5", ">0", "0..10", ">= 372"]) if clean else samples(COUNTS) | INTS
    if tp is Regex:
        return st.sampled_from(["^a", "(?P<path>[\\w./-]+)", "x+"]) if clean else st.sampled_from(REGEXES)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return mapping_for(tp, mode=mode)
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        alts = [for_type(a, mode) for a in typing.get_args(tp) if a is not type(None)]
        return st.one_of(alts if clean else [*alts, st.none()])
    if origin is Literal:
        return st.sampled_from(typing.get_args(tp))
    if origin is list:
        item = for_type(typing.get_args(tp)[0], mode)
        return st.lists(item, min_size=1, max_size=2) if clean else st.lists(item, max_size=3) | item
    if origin is dict:
        keys = st.sampled_from(["k", "X-Token", "00000000-0000-0000-0000-000000000057"])
        values = for_type(typing.get_args(tp)[1], mode)
        return st.dictionaries(keys, values, min_size=1, max_size=2) if clean else pairs_of(keys, values)
    return WILD


def hostile_for(tp: Any) -> st.SearchStrategy[Any]:
    """A hostile value for a field of type `tp`: what its type invites, or anything hostile."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if args and typing.get_origin(tp) in (Union, types.UnionType, list):
        return hostile_for(args[0])  # X | None, list[X] (a single value is a one-item list)
    if tp in (int, float, CountExpr):
        specific = HUGE_VALUES | samples(ODD_STRINGS)
    elif tp is str:
        specific = samples(ODD_STRINGS + PATHS + VAR_REFS)
    elif tp is Regex:
        specific = samples(REGEXES)
    else:
        specific = samples(ODD_STRINGS)
    return st.one_of(specific, specific, HOSTILE)


def mapping_for(cls: type, skip: Iterable[str] = (), mode: Mode = "wild") -> st.SearchStrategy[Pairs]:
    """A mapping for dataclass `cls`. Clean: the required fields and some optional ones, valid values
    (tainted: one in twenty hostile). Wild: most required fields, some optional ones, now and then a
    stray key; each value plausible three times in four."""
    clean = mode != "wild"
    hints = CLEAN_HINTS if clean else FIELD_HINTS
    fields = []
    for f in dataclasses.fields(cls):
        key = yaml_key(f)
        if not f.init or key in set(skip):
            continue
        tp = _hints(cls)[f.name]
        values = hints[key] if key in hints else for_type(tp, mode)
        fields.append((key, values if clean else mostly(values), hostile_for(tp), is_required(f)))
    stray = MAP_KEYS | st.sampled_from([k[:-1] for k, *_ in fields if k] or ["x"])

    @st.composite
    def build(draw: st.DrawFn) -> Pairs:
        items: list[tuple[str, Any]] = []
        for key, values, hostile, required in fields:
            if (required and clean) or draw(st.integers(0, 9)) < (9 if required else 3):
                taint = mode == "tainted" and draw(st.integers(0, 19)) == 0
                items.append((key, draw(hostile if taint else values)))
        if not clean and draw(st.integers(0, 9)) == 0:
            items.append((draw(stray), draw(WILD)))
        return Pairs(tuple(items))

    return build()


MODES: tuple[Mode, ...] = ("wild", "clean", "tainted")
CHECK_FIELDS = {(kind, mode): mapping_for(REGISTRY.kind_fields(kind), mode=mode)
                for kind in KIND_NAMES for mode in MODES}
COMMON_FIELDS = {mode: mapping_for(CheckCommon, mode=mode,
                                   skip=["kind"] if mode == "wild" else ["kind", "target", "source"])
                 for mode in MODES}


@st.composite
def checks(draw: st.DrawFn, mode: Mode) -> Any:
    kinds = st.sampled_from(KIND_NAMES)
    kind = draw(kinds | FIELD_HINTS["kind"] if mode == "wild" else kinds)
    own = draw(CHECK_FIELDS[kind, mode]) if kind in KINDS else draw(pairs_of(MAP_KEYS, WILD))
    body = Pairs((("kind", kind), *draw(COMMON_FIELDS[mode]).items, *own.items))
    if mode != "wild":
        return body
    roll = draw(st.integers(0, 9))
    return draw(WILD) if roll == 0 else Pairs(body.items[1:]) if roll == 1 else body


HYP_FIELDS = {mode: mapping_for(HypothesisFields, skip=[] if mode == "wild" else ["group"], mode=mode)
              for mode in MODES}


@st.composite
def hypotheses(draw: st.DrawFn, mode: Mode) -> Any:
    fields = draw(HYP_FIELDS[mode])
    shapes = ["check", "checks"]
    if mode == "wild":
        shapes += ["check", "both", "neither", "empty"]
    shape = draw(st.sampled_from(shapes))
    extra: tuple[tuple[str, Any], ...] = ()
    if shape in ("check", "both"):
        extra += (("check", draw(checks(mode))),)
    if shape in ("checks", "both"):
        extra += (("checks", draw(st.lists(checks(mode), min_size=1, max_size=2))),)
    if shape == "empty":
        extra += (("checks", []),)
    hyp = Pairs(fields.items + extra)
    if mode != "wild":
        return hyp
    roll = draw(st.integers(0, 9))
    return draw(WILD) if roll == 0 else Anchored("h", hyp) if roll == 1 else Alias("h") if roll == 2 else hyp


CLEAN_TARGETS = {  # one target of each type, so that every check finds its own
    "repo": st.just({"path": "."}),
    "postgres": st.sampled_from([{"app": {"dsn": "postgresql://u:${API_TOKEN}@localhost/db"}},
                                 {"fresh": {"ephemeral": {"migrations": ["m/*.sql"], "setup": ["r.sql"]}}}]),
    "http": st.sampled_from([{"api": {"base_url": "${UNSET_VAR:-http://127.0.0.1:{port}}",
                                      "start": "python -m app --port {port}", "ready": "/health"}},
                             {"api": {"base_url": "http://x",
                                      "headers": {"Authorization": "Bearer ${API_TOKEN}"}}}]),
    "logs": st.sampled_from([{"prod": {"files": ["logs/*.json"]}},
                             {"prod": {"cloud_logging": {"project": "p"}}},
                             {"prod": {"command": "forge logs -n 200", "timeout": 30}}]),
    "gcp": st.sampled_from([{"prod": {"project": "p", "region": "us-central1"}},
                            {"fake": {"project": "p", "region": "r", "credentials": "anonymous",
                                      "api_endpoint": "http://127.0.0.1:{port}",
                                      "start": "python3 fake.py --port {port}"}}]),
}


@st.composite
def targets(draw: st.DrawFn, mode: Mode) -> Any:
    items: list[tuple[str, Any]] = []
    for type_ in REGISTRY.target_types():
        if mode != "wild":
            items.append((type_, draw(CLEAN_TARGETS[type_])))
            continue
        if not draw(st.booleans()):
            continue
        config = REGISTRY.target_config(type_)
        assert config is not None
        if REGISTRY.target_is_single(type_):
            items.append((type_, draw(mostly(mapping_for(config)))))
        else:
            named = draw(st.lists(st.tuples(st.sampled_from(TARGET_NAMES), mostly(mapping_for(config))),
                                  max_size=2))
            items.append((type_, draw(WILD) if draw(st.integers(0, 3)) == 0 else Pairs(tuple(named))))
    if mode == "wild" and draw(st.integers(0, 9)) == 0:
        items.append((draw(st.sampled_from(["postgress", "Repo", "files", ""])), draw(WILD)))
    return Pairs(tuple(items))


TOP_FIELDS = mapping_for(SpecFields)


@st.composite
def clean_specs(draw: st.DrawFn, mode: Mode = "clean") -> Pairs:
    """A spec that is mostly valid: one target of each type, hypotheses with clean (or tainted) checks."""
    hyps = draw(st.lists(hypotheses(mode), min_size=1, max_size=2))
    top: list[tuple[str, Any]] = [("certify", 1), ("phase", "fuzz"), ("targets", draw(targets(mode))),
                                  ("hypotheses", hyps)]
    if draw(st.booleans()):
        top[2:2] = [("description", "d"), ("include", []), ("secrets", ["API_TOKEN"]), ("groups", {"A": "a"})]
    return Pairs(tuple(top))


@st.composite
def spec_texts(draw: st.DrawFn) -> str:
    """A spec document with real keys, kinds and target types, emitted block or flow style: one
    time in three a clean (mostly valid) one, otherwise values plausible three times in four."""
    if draw(st.integers(0, 2)) == 0:
        return "\n".join(block(draw(clean_specs()))) + "\n"
    top = list(draw(TOP_FIELDS).items)
    if draw(st.integers(0, 4)):  # certify: 1 and a phase, most of the time
        top = [("certify", 1), ("phase", "fuzz"), *(i for i in top if i[0] not in ("certify", "phase"))]
    if draw(st.booleans()):
        top.append(("targets", draw(targets("wild"))))
    if draw(st.integers(0, 9)):
        top.append(("hypotheses", draw(mostly(st.lists(hypotheses("wild"), min_size=1, max_size=2)))))
    if top and draw(st.integers(0, 19)) == 0:  # a duplicate key
        top.append(draw(st.sampled_from(top)))
    doc = Pairs(tuple(top))
    if draw(st.integers(0, 4)):
        doc = define_aliases(doc, set())
    if draw(st.booleans()):
        return "\n".join(block(doc)) + "\n"
    return flow(doc) + "\n"


def slots(value: Any, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """The path of every value in a document tree (mapping entries and list items by position)."""
    children = (list(value.items) if isinstance(value, Pairs) else list(value.items())
                if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else [])
    return [path] + [p for i, (_, child) in enumerate(children) for p in slots(child, (*path, i))]


def value_at(value: Any, path: tuple[int, ...]) -> Any:
    for i in path:
        value = (value.items[i][1] if isinstance(value, Pairs) else list(value.values())[i]
                 if isinstance(value, dict) else value[i])
    return value


def replaced(value: Any, path: tuple[int, ...], new: Any, *, add_key: str | None = None) -> Any:
    """`value` with the value at `path` replaced by `new` (or, with `add_key`, that key added to the
    mapping at `path`)."""
    if not path:
        if add_key is not None and isinstance(value, Pairs | dict):
            items = list(value.items) if isinstance(value, Pairs) else list(value.items())
            return Pairs((*items, (add_key, new)))
        return new if add_key is None else value
    i, rest = path[0], path[1:]
    if isinstance(value, list):
        return [replaced(v, rest, new, add_key=add_key) if j == i else v for j, v in enumerate(value)]
    items = list(value.items) if isinstance(value, Pairs) else list(value.items())
    items[i] = (items[i][0], replaced(items[i][1], rest, new, add_key=add_key))
    return Pairs(tuple(items))


KNOWN_KEYS = sorted({yaml_key(f) for cls in [SpecFields, HypothesisFields, CheckCommon,
                                             *(REGISTRY.kind_fields(k) for k in KIND_NAMES)]
                     for f in dataclasses.fields(cls)})


@st.composite
def hostile_specs(draw: st.DrawFn) -> str:
    """A mostly valid spec with hostile values: in fields that invite them (tainted), and in a place or
    two chosen anywhere (a tag, a huge number, deep nesting, an odd string...), or a key added."""
    doc = draw(clean_specs("tainted"))
    for _ in range(draw(st.integers(0, 2))):
        paths = slots(doc)[1:]
        leaves = [p for p in paths if value_at(doc, p) in ([], {}, Pairs(()))
                  or not isinstance(value_at(doc, p), Pairs | dict | list)]
        pool = paths if draw(st.integers(0, 3)) == 0 or not leaves else leaves
        path = pool[draw(st.integers(0, len(pool) - 1))]
        if draw(st.integers(0, 4)) == 0:
            key = draw(st.sampled_from(KNOWN_KEYS) | MAP_KEYS)
            doc = replaced(doc, path[:-1], draw(HOSTILE), add_key=key)
        else:
            doc = replaced(doc, path, draw(HOSTILE))
    return "\n".join(block(define_aliases(doc, set()))) + "\n"


INSERTS = ["\t", "\n", " ", "  ", ":", ": ", "- ", "&a1 ", "*a1", "<<: *a1\n", "---\n", "...\n",
           "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "#", "{", "}", "[", "]", '"', "'", "!!int ", "${", "\ufeff",
           "\x00", "\x85", "\u2028", "\r", "\r\n", "? ", "|", ">", ",", "\x7f", "\U0001f600"]
BAD_BYTES = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xfe\xff"]


@st.composite
def mutated(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> bytes:
    """A document with a few text edits (tabs, duplicated lines, stray tokens), then encoded: UTF-8
    mostly; sometimes with a BOM, as UTF-16, or with an invalid byte."""
    text = draw(texts)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        edit = draw(st.sampled_from(["insert", "delete", "dup_line", "tab_indent", "truncate"]))
        at = draw(st.integers(0, len(text)))
        lines = text.split("\n")
        n = draw(st.integers(0, max(0, len(lines) - 1)))
        if edit == "insert":
            text = text[:at] + draw(st.sampled_from(INSERTS)) + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
        elif edit == "dup_line":
            text = "\n".join(lines[:n + 1] + lines[n:])
        elif edit == "tab_indent":
            text = "\n".join(lines[:n] + ["\t" + lines[n].lstrip(" ")] + lines[n + 1:])
        else:
            text = text[:at]
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "bad-byte"]))
    if encoding != "bad-byte":
        return text.encode(encoding, errors="surrogatepass")
    data = text.encode("utf-8", errors="surrogatepass")
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]


@st.composite
def spec_with_include(draw: st.DrawFn) -> tuple[bytes, dict[str, bytes]]:
    main = draw(mutated(spec_texts()))
    extra = {"inc.yaml": draw(mutated(spec_texts()))} if draw(st.integers(0, 3)) == 0 else {}
    return main, extra


YAML_TOKENS = st.sampled_from(list(":-?[]{},&*!|>'\"%@`#\t\n\r ") + ["\ufeff", "\x85", "\u2028", "${", "<<",
                                                                      "!!bool ", "!!timestamp ", "!!float ",
                                                                      "\n  - ", ": ", "!!int "])
YAML_TEXT = st.lists(st.characters() | YAML_TOKENS, max_size=120).map("".join)

# ---------------------------------------------------------------- 1. the spec loader


@fuzz(150)
@given(YAML_TEXT)
@example("certify: 1\nphase: p\nhypotheses:\n  - id: H1\n    claim: c\n    check: {kind: file, path: x}\n")
def test_spec_arbitrary_text(text: str) -> None:
    CASES["spec: arbitrary text"] += 1
    load_and_check(text.encode("utf-8", errors="surrogatepass"))


@fuzz(100)
@given(st.binary(max_size=300) | st.builds(lambda a, b: a + b, st.sampled_from(
    [b"certify: 1\nphase: p\n", b"\xef\xbb\xbf", b"\xff\xfe", b"hypotheses:\n  - "]), st.binary(max_size=60)))
def test_spec_arbitrary_bytes(data: bytes) -> None:
    CASES["spec: arbitrary bytes"] += 1
    load_and_check(data)


@fuzz(100)
@given(spec_with_include())
def test_spec_structured_mutations(doc: tuple[bytes, dict[str, bytes]]) -> None:
    CASES["spec: structured mutations"] += 1
    main, extra = doc
    load_and_check(main, extra)


@fuzz(110)
@given(hostile_specs())
def test_spec_hostile_values(text: str) -> None:
    CASES["spec: hostile values"] += 1
    load_and_check(text.encode("utf-8", errors="surrogatepass"))


HEAD = "certify: 1\nphase: p\n"
ONE_HYP = "hypotheses:\n  - id: H1\n    claim: c\n    check: {kind: file, path: x}\n"


@pytest.mark.parametrize("text", [
    pytest.param(HEAD + "hypotheses: &a [*a]\n", id="alias-cycle"),
    pytest.param(HEAD + "phase: again\n" + ONE_HYP, id="duplicate-key"),
    pytest.param(HEAD + "hypotheses:\n\t- id: x\n", id="tab-indent"),
    pytest.param(HEAD + "include: [checks.yaml]\n" + ONE_HYP, id="includes-itself"),
    pytest.param(HEAD + "include: [.]\n" + ONE_HYP, id="includes-a-directory"),
    pytest.param(HEAD + "include: ['*.nothing']\n" + ONE_HYP, id="include-matches-nothing"),
    pytest.param("\ufeff" + HEAD + ONE_HYP, id="bom"),
    pytest.param(HEAD + 'description: "\\0"\n' + ONE_HYP, id="nul-escape"),
    pytest.param(HEAD + "description: a\x85b\n" + ONE_HYP, id="nel-in-plain-scalar"),
    pytest.param(HEAD + "description: a\x00b\n", id="raw-nul"),
    pytest.param(HEAD + 'description: "\\ud800"\n' + ONE_HYP, id="lone-surrogate-escape"),
    pytest.param(HEAD + ONE_HYP + "---\nx: 1\n", id="two-documents"),
    pytest.param(HEAD + "description: *nowhere\n" + ONE_HYP, id="undefined-alias"),
    pytest.param(HEAD + "? [a]\n: 1\n", id="sequence-key"),
    pytest.param(HEAD + "description: !!binary ===\n", id="bad-binary"),
    pytest.param(HEAD + "description: !!python/name:os.system\n", id="python-tag"),
    pytest.param(HEAD + "<<: 1\n", id="merge-of-a-scalar"),
    pytest.param(HEAD + "hypotheses:\n  - id: H1\n    claim: c\n    check: {kind: file, path: x, "
                 "timeout: '${UNSET_VAR:-" + "9" * 5000 + "}'}\n", id="huge-number-from-a-default"),
    pytest.param(HEAD + "targets: {logs: {l: {files: [x.json]}}}\nhypotheses:\n  - id: H1\n    claim: c\n"
                 "    check: {kind: log_proof, filter: '\"a\n\n b\" = 1'}\n", id="filter-error-with-newline"),
    pytest.param(HEAD + "hypotheses:\n  - &h {id: H1, claim: c, check: {kind: file, path: x}}\n  - *h\n",
                 id="hypothesis-aliased-twice"),
    pytest.param("", id="empty"),
    pytest.param("- 1\n", id="top-level-list"),
    pytest.param(HEAD + 'include: ["a\\0b"]\n' + ONE_HYP, id="nul-in-include"),
    pytest.param(HEAD + "targets: {http: {a: {base_url: 'http://x'}}}\nhypotheses:\n  - {id: X, claim: c, "
                 "check: {kind: auth_matrix, requests: 5, as: {anon: {headers: {}}}, expect: {anon: 200}}}\n",
                 id="scalar-for-a-list-of-mappings"),
    pytest.param(HEAD + "include: [/dev/zero]\n" + ONE_HYP, id="include-a-device"),
    pytest.param(HEAD + "include: [/dev/stdin]\n" + ONE_HYP, id="include-stdin"),
    pytest.param(HEAD + 'include: ["/proc/self/**/*.yaml"]\n' + ONE_HYP, id="include-glob-over-proc"),
    pytest.param(HEAD + 'include: ["/proc/self/status"]\n' + ONE_HYP, id="include-a-proc-file"),
    pytest.param(HEAD + "include: ['${API_TOKEN}/**']\n" + ONE_HYP, id="include-glob-from-a-secret"),
    pytest.param(HEAD + "hypotheses:\n  - {id: H-1, claim: c, check: {kind: file, path: x}}\n"
                 "  - {id: h_1, claim: c, check: {kind: file, path: x}}\n", id="ids-that-slug-alike"),
    pytest.param(HEAD + 'hypotheses:\n  - {id: "H\\n1", claim: c, check: {kind: file, path: x}}\n',
                 id="newline-in-an-id"),
    pytest.param(HEAD + "hypotheses:\n  - {id: '${API_TOKEN}(', claim: c, check: {kind: file, path: x}}\n",
                 id="id-from-a-secret"),
    pytest.param(HEAD + "hypotheses:\n  - {id: H1, claim: c, check: {kind: command, "
                 "run: 'DO $$ $1 $${X} $$$${'}}\n", id="dollars"),
])
def test_spec_regressions(text: str) -> None:
    CASES["spec: regressions"] += 1
    load_and_check(text.encode("utf-8", errors="surrogatepass"))


# ---------------------------------------------------------------- 2. the log filter parser


@fuzz(400)
@given(st.lists(st.characters() | FILTER_CHARS, max_size=40).map("".join))
def test_filter_arbitrary_text(text: str) -> None:
    CASES["filter: arbitrary text"] += 1
    check_filter(text, FIXED_ENTRIES)


@fuzz(250)
@given(mutated_filters(), ENTRIES)
def test_filter_grammar_shaped(text: str, entries: list[dict[str, Any]]) -> None:
    CASES["filter: grammar-shaped"] += 1
    check_filter(text, entries)


@pytest.mark.parametrize("text", [
    "", "   ", "-- only a comment", '"abc', "=", "a)", "(a", 'SEARCH("x")', "log_id()", "AND", "a AND",
    "NOT", "-", "---a", "a or b", 'timestamp >= "2026-02-31"', 'jsonPayload.x =~ "(?=x)"',
    'jsonPayload.x =~ "["', "unknown.field = 1", 'jsonPayload.x = ("a" OR "b" AND c)', "severity >= WARNING",
    'log_id("x")', 'httpRequest.latency > "1s"', "jsonPayload.x = NULL_VALUE", "jsonPayload.x:*",
    '"\\', "a\x0b", 'jsonPayload.x="\x00"', 'jsonPayload.x=~"\\ud800"', "NOT " * 100 + "a",
    "(" * 100 + "a" + ")" * 100, 'timestamp >= "0001-01-01T00:00:00+23:59"',
])
def test_filter_regressions(text: str) -> None:
    CASES["filter: regressions"] += 1
    check_filter(text, FIXED_ENTRIES)


# ---------------------------------------------------------------- 3. the count


def test_zz_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Last in the file: how many examples the properties above ran."""
    total = sum(CASES.values())
    detail = ", ".join(f"{name}: {n}" for name, n in CASES.items())
    with capsys.disabled():
        print(f"\nfuzz cases: {total} ({detail})")


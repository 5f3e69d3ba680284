"""The raw-text pre-filter skips parsing entries that cannot match, and the sieve passes over
entries of a gcloud export without cutting them out; neither may ever drop an entry the full
evaluator matches, however the JSON is written (escapes, numbers, case, Unicode) and wherever the
reader's blocks end."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certify.targets import logquery as lq
from certify.targets.logread import Passed, Record, read_records
from certify.targets.logs import Query, sieve_for
from tests.logs.logcheck import run_check

# strings made of what trips a raw-text test: escapes, case, characters NFKC/casefold turn into ASCII
CHARS = st.sampled_from([*"abkxBFKS/-.e0123 :_", "\u212a", "\u017f", "\ufb01", "\uff42", "é", '"', "\\"])
TEXT = st.text(CHARS, max_size=8)
NUMBER = st.one_of(st.integers(-500, 500), st.floats(-1e6, 1e6, allow_nan=False),
                   st.sampled_from([2.5e-3, 1e20]))
SCALAR = st.one_of(TEXT, NUMBER, st.booleans(), st.none())
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3))
PATHS = [("httpRequest", "requestUrl"), ("httpRequest", "status"), ("httpRequest", "latency"),
         ("httpRequest", "cacheHit"), ("operation", "first"), ("textPayload",), ("jsonPayload", "m"),
         ("jsonPayload", "n"), ("labels", "k")]


@st.composite
def entries(draw: st.DrawFn, text: st.SearchStrategy[str] = TEXT) -> dict[str, Any]:
    scalar = st.one_of(text, NUMBER, st.booleans(), st.none()) if text is not TEXT else SCALAR
    value = st.one_of(scalar, st.lists(scalar, max_size=3))
    entry: dict[str, Any] = {}
    for path in draw(st.lists(st.sampled_from(PATHS), max_size=5)):
        node = entry
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = draw(value if path[0] in ("jsonPayload", "labels") else scalar)
    if draw(st.booleans()):
        entry["logName"] = "projects/p/logs/" + draw(st.sampled_from(["stdout", "std%6Fut", "a%2Eb", "a.b"]))
    return entry


LITERALS = st.one_of(st.text(st.sampled_from(list("abkxBFKS/-.e0123_:, ")), min_size=1, max_size=6),
                     st.sampled_from(["NULL_VALUE", "false", "true", "0s", "1.5s", "inf", "nan", ".", "e-",
                                      "fi", "k", "bb", "/x", "403", "4.03e2"]))


@st.composite
def filters(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        op = draw(st.sampled_from(["AND", "OR"]))
        return f"({draw(filters(depth + 1))} {op} {draw(filters(depth + 1))})"
    if draw(st.integers(0, 8)) == 0:
        return f'log_id("{draw(st.sampled_from(["stdout", "a.b"]))}")'
    path = ".".join(draw(st.sampled_from(PATHS)))
    op = draw(st.sampled_from(["=", ":", "=~"]))
    lit = draw(LITERALS)
    if op == "=~" and any(c in lit for c in ".+"):
        lit = lit.replace(".", "x").replace("+", "x")
    bare = re.fullmatch(r"[A-Za-z0-9_.]+", lit) and draw(st.booleans())
    return f"{path}{op}{lit}" if bare else f'{path}{op}"{lit}"'


@st.composite
def raw_json(draw: st.DrawFn, value: Any) -> str:
    """`value` as JSON text, written any way JSON allows."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{draw(raw_json(k))}: {draw(raw_json(v))}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(draw(raw_json(v)) for v in value) + "]"
    if isinstance(value, str):
        out = []
        for c in value:
            how = draw(st.integers(0, 3))
            if how == 0:
                out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else json.dumps(c)[1:-1])
            elif c == "/" and how == 1:
                out.append("\\/")
            else:
                out.append(json.dumps(c, ensure_ascii=draw(st.booleans()))[1:-1])
        return '"' + "".join(out) + '"'
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return json.dumps(value)
    assert isinstance(value, int)
    return draw(st.sampled_from([str(value), f"{value}.0", f"{value}e0", f"{value * 10}e-1",
                                 f"{value / 100}e2"]))


def prefilter(node: lq.Node, raw: str) -> bool:
    return lq.could_match(raw, lq.required_literals(node))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_prefilter_never_drops_an_entry_the_evaluator_matches(data: st.DataObject) -> None:
    node = lq.parse(data.draw(filters()))
    raw = data.draw(raw_json(data.draw(entries())))
    entry = json.loads(raw)
    if lq.compile_filter(node)(entry):
        assert prefilter(node, raw), raw


@st.composite
def laid_out(draw: st.DrawFn, value: Any, indent: int, plain: bool) -> str:
    """`value` as gcloud lays it out (an object's members one per line, indented), its keys and
    scalars written any way JSON allows, or (`plain`) with no escape but those JSON needs."""
    def scalar(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False) if plain else draw(raw_json(v))
    if not isinstance(value, dict) or not value:
        return scalar(value)
    pad = " " * (indent + 2)
    members = [f"{pad}{scalar(k)}: {draw(laid_out(v, indent + 2, plain))}" for k, v in value.items()]
    return "{\n" + ",\n".join(members) + "\n" + " " * indent + "}"


def near(words: list[str]) -> st.SearchStrategy[str]:
    """Text that holds one of `words`, in any case, or in characters that fold to it."""
    folds = {"fi": "\ufb01", "k": "\u212a", "s": "\u017f", "b": "\uff42"}

    def spell(word: str, how: int) -> str:
        if how == 1:
            return word.upper()
        for ascii_text, other in folds.items() if how == 2 else ():
            word = word.replace(ascii_text, other)
        return word
    return st.builds(lambda a, w, how, b: a + spell(w, how) + b, TEXT, st.sampled_from(words),
                     st.integers(0, 2), TEXT)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_sieve_never_passes_over_an_entry_the_evaluator_matches(data: st.DataObject) -> None:
    nodes = [lq.parse(data.draw(filters())) for _ in range(data.draw(st.integers(1, 2)))]
    sieve = sieve_for(Query("", nodes[0], 0, none_node=nodes[-1] if len(nodes) > 1 else None))
    if sieve is None:  # a filter without a literal every match holds: nothing is passed over
        return
    words = [text for node in nodes for text, _ in lq.required_literals(node)]
    drawn = data.draw(st.lists(entries(st.one_of(TEXT, near(words))), min_size=1, max_size=6))
    logged = [{**e, "insertId": data.draw(TEXT)} for e in drawn]
    plain = data.draw(st.booleans())
    raws = [data.draw(laid_out(e, 2, plain)) for e in logged]
    text = "[\n" + ",\n".join("  " + raw for raw in raws) + "\n]\n"
    block = data.draw(st.integers(1, 300))
    items = list(read_records(io.BytesIO(text.encode()), "export.json", sieve, block=block))
    cut = [r.raw for r in items if isinstance(r, Record)]
    assert len(cut) + sum(p.count for p in items if isinstance(p, Passed)) == len(logged)
    literals = [lq.required_literals(node) for node in nodes]
    for entry, raw in zip(logged, raws, strict=True):
        if any(lq.compile_filter(node)(entry) for node in nodes):
            assert raw in cut, text
        if any(lq.could_match(raw, lits) for lits in literals):  # the pre-filter would parse it
            assert raw in cut, text


def test_known_ways_of_writing_a_match_pass_the_prefilter() -> None:
    cases = [('jsonPayload.m:"backfill"', '{"jsonPayload": {"m": "\\u0062ackfill"}}'),
             ('jsonPayload.m="KELVIN"', '{"jsonPayload": {"m": "\u212aelvin"}}'),
             ('jsonPayload.m:"fi"', '{"jsonPayload": {"m": "\ufb01"}}'),
             ('httpRequest.requestUrl=~"/x/y"', '{"httpRequest": {"requestUrl": "\\/x/y"}}'),
             ('httpRequest.latency="1.5s"', '{"httpRequest": {"latency": "1.500s"}}'),
             ("operation.first=false", "{}"),
             ("jsonPayload.m=NULL_VALUE", '{"jsonPayload": {"m": null}}'),
             ('jsonPayload.n:"."', '{"jsonPayload": {"n": 25e-4}}'),
             ('log_id("a.b")', '{"logName": "projects/p/logs/a%2Eb"}')]
    for text, raw in cases:
        node = lq.parse(text)
        assert lq.compile_filter(node)(json.loads(raw)), text
        assert prefilter(node, raw), text


def test_an_escaped_403_is_not_skipped_in_a_proof(tmp_path: Path) -> None:
    lines = ['{"timestamp": "2026-11-21T00:00:00Z", "httpRequest": {"status": 200, "requestUrl": "/x"}}',
             '{"timestamp": "2026-11-21T01:00:00Z", "httpRequest": {"status": 403, '
             '"requestUrl": "\\/integrations\\/withings\\/\\u0062ackfill"}}']
    check = {"none": 'httpRequest.requestUrl:"/integrations/withings/backfill"',
             "since": "2026-11-20T00:00:00Z"}
    hyp = run_check(tmp_path, check, files={"logs/a.jsonl": "\n".join(lines) + "\n"})
    assert hyp["verdict"] == "FALSE"

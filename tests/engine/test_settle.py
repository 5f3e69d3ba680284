"""The settle step: the rules every kind shares, applied once (findings, unproven, scopes)."""

from __future__ import annotations

from certify.engine.settle import EMPTY_HINT, settle
from certify.kinds.base import Finding, Outcome, Scope


def _scope(patterns: tuple[str, ...], unmatched: tuple[str, ...], total: int) -> Scope:
    return Scope("paths", "file", patterns, unmatched, total)


def test_findings_make_a_pass_false_with_one_wording() -> None:
    out = settle(Outcome("pass", "", findings=[Finding(f"a.py:{i}", "print(") for i in range(1, 6)],
                         lead="5 prints"), [], allow_empty=False)
    assert out.status == "fail"
    assert out.reason == "5 prints: a.py:1: print(; a.py:2: print(; a.py:3: print( (and 2 more)"


def test_an_inventory_is_not_a_violation() -> None:
    out = settle(Outcome("pass", "3 found", findings=[Finding("x", "y")], inventory=True), [], False)
    assert (out.status, out.reason) == ("pass", "3 found")


def test_a_scope_that_reached_nothing_is_unknown_unless_allowed() -> None:
    empty = _scope(("does/not/exist/",), ("does/not/exist/",), 0)
    out = settle(Outcome("pass", "0 matching lines, expected none"), [empty], allow_empty=False)
    assert out.status == "error"
    assert out.reason == f"paths matched no file: does/not/exist/ ({EMPTY_HINT})"
    allowed = settle(Outcome("pass", "0 matching lines, expected none"), [empty], allow_empty=True)
    assert allowed.status == "pass"
    assert "paths matched no file: does/not/exist/ (allowed: allow_empty)" in allowed.output


def test_an_empty_scope_wins_over_findings_and_a_failure() -> None:
    # An empty scope means the check looked at nothing: its verdict cannot be FALSE either.
    empty = _scope(("x/",), ("x/",), 0)
    out = settle(Outcome("fail", "count 0, expected >= 1"), [empty], allow_empty=False)
    assert out.status == "error"


def test_one_pattern_of_several_matching_nothing_is_a_note() -> None:
    partial = _scope(("src/", "typo/"), ("typo/",), 12)
    out = settle(Outcome("pass", "0 matching lines"), [partial], allow_empty=False)
    assert out.status == "pass"
    assert "note: paths: typo/ matched no file" in out.output


def test_unproven_turns_a_pass_into_unknown_naming_the_first_reason() -> None:
    out = settle(Outcome("pass", "0 matching lines", unproven=["could not read a.bin", "b.bin"]), [], False)
    assert out.status == "error"
    assert out.reason == "not proven: could not read a.bin (and 1 more); 0 matching lines"
    assert "not proven: b.bin" in out.output


def test_unproven_does_not_soften_a_failure() -> None:
    out = settle(Outcome("pass", "", findings=[Finding("a", "b")], unproven=["c"]), [], False)
    assert out.status == "fail"


def test_errors_and_skips_stay_as_they_are() -> None:
    for status in ("error", "skip"):
        out = settle(Outcome(status, "why", findings=[Finding("a", "b")]),  # type: ignore[arg-type]
                     [_scope(("x",), ("x",), 0)], False)
        assert (out.status, out.reason) == (status, "why")

"""The Prometheus text parser: labels with escapes, comments, special values, timestamps."""

from __future__ import annotations

import math

import pytest

from certify.kinds.http_common import subset_diff
from certify.kinds.metrics import parse_exposition

TEXT = r'''
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/health/live",status="200"} 42
http_requests_total{method="GET",route="/a,b",status="500"} 3 1700000000000
weird{path="C:\\dir",quote="say \"hi\"",nl="a\nb"} 1
up 1
nan_metric NaN
inf_bucket{le="+Inf"} +Inf
'''


def test_parses_labels_escapes_and_special_values() -> None:
    samples = parse_exposition(TEXT)
    assert [s.name for s in samples] == ["http_requests_total", "http_requests_total", "weird", "up",
                                         "nan_metric", "inf_bucket"]
    assert samples[1].labels == {"method": "GET", "route": "/a,b", "status": "500"}
    assert samples[1].value == 3
    assert samples[2].labels == {"path": "C:\\dir", "quote": 'say "hi"', "nl": "a\nb"}
    assert math.isnan(samples[4].value) and samples[5].value == math.inf


@pytest.mark.parametrize("bad", ["no_value_here", 'm{a="unterminated} 1', "m{a=b} 1", "m 1 2 3 4"])
def test_rejects_what_is_not_exposition(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_exposition(bad)


def test_json_subset_diff_is_readable() -> None:
    actual = {"status": "down", "checks": [{"name": "db", "ok": True}], "extra": 1}
    assert subset_diff({"checks": [{"name": "db"}]}, actual) == []
    assert subset_diff({"status": "ok", "missing": 1, "checks": [{"name": "cache"}]}, actual) == [
        ("$.status", 'expected "ok", got "down"'),
        ("$.missing", "missing (expected 1)"),
        ("$.checks[0].name", 'expected "cache", got "db"'),
    ]
    assert subset_diff({"checks": {"$contains": [{"name": "cache"}]}}, actual) == [
        ("$.checks", 'no item matches {"name": "cache"}')]


@pytest.mark.parametrize("expected, actual", [
    (False, 0), (True, 1), (0, False), (1, True), ("1", 1), (1, "1"), (None, 0), (None, False),
    ([], ["admin"]), (["a"], ["a", "b"]), (["b", "a"], ["a", "b"]), ({}, []), ([], {}),
    ({"$contains": ["x"]}, "x"), (1, None),
])
def test_json_types_and_lengths_must_match(expected: object, actual: object) -> None:
    assert subset_diff(expected, actual) != []


@pytest.mark.parametrize("expected, actual", [
    (1, 1.0), (1.0, 1), (False, False), (None, None), ([{"id": 1}], [{"id": 1, "x": 2}]),
    ({"$contains": [2]}, [1, 2, 3]), ({}, {"a": 1}),
])
def test_json_matches(expected: object, actual: object) -> None:
    assert subset_diff(expected, actual) == []


def test_a_repeated_series_is_not_exposition() -> None:
    """Prometheus refuses a scrape that repeats a series; summing both would double the value."""
    with pytest.raises(ValueError, match='line 3: repeats the series requests_total{route="/a"}'):
        parse_exposition('requests_total{route="/a"} 50\nrequests_total{route="/b"} 1\n'
                         'requests_total{route="/a"} 50\n')

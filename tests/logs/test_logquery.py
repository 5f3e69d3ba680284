"""The Cloud Logging query language as documented: precedence, missing vs defaulted fields,
case folding, types, and positioned errors for what cannot be evaluated the same way here."""

from __future__ import annotations

from typing import Any

import pytest

from certify.targets.logquery import FilterError, compile_filter, parse, parse_time, required_literals

ENTRY: dict[str, Any] = {
    "timestamp": "2026-11-20T10:00:00.123456789Z", "severity": "WARNING", "insertId": "abc",
    "logName": "projects/p/logs/run.googleapis.com%2Frequests",
    "resource": {"type": "cloud_run_revision", "labels": {"service_name": "oli-api"}},
    "httpRequest": {"requestMethod": "POST", "status": 403, "latency": "0.250s",
                    "requestUrl": "https://x.run.app/integrations/withings/backfill?days=3"},
    "jsonPayload": {"message": "Invoker_Auth_Rejected", "n": 9, "s": "10", "tags": ["a", "b"], "z": None,
                    "ok": True},
    "labels": {"k8s-pod/app": "web"},
}


def holds(text: str, entry: dict[str, Any] = ENTRY) -> bool:
    return compile_filter(parse(text))(entry)


@pytest.mark.parametrize(("text", "want"), [
    # OR binds tighter than AND; NOT tightest; side by side = AND; `-` = NOT
    ('"nothing" OR "oli-api" AND "backfill"', True),
    ('severity=ERROR OR severity=WARNING AND httpRequest.status=200', False),
    ('resource.type="cloud_run_revision" -httpRequest.status=200', True),
    ("NOT httpRequest.status=403", False),
    # strings fold case for = and :, regexes do not
    ('jsonPayload.message="invoker_auth_rejected"', True),
    ('httpRequest.requestUrl:"WITHINGS"', True),
    ('jsonPayload.message=~"invoker"', False),
    ('jsonPayload.message=~"(?i)invoker"', True),
    ('httpRequest.requestUrl=~"/backfill"', True),  # a search, not a full match
    # numbers as numbers (a string field compares as text), severity by rank, time as instants
    ("httpRequest.status>=400 httpRequest.status<500", True),
    ('httpRequest.status="403"', True),
    ("jsonPayload.n<10", True),
    ("jsonPayload.s>5", False),
    ("severity>=WARNING", True),
    ("severity>ERROR", False),
    ('timestamp>="2026-11-20T10:00:00.123Z"', True),
    ('timestamp>"2026-11-20T11:00:00+01:00"', True),
    ('timestamp<"2026-11-20"', False),
    ('httpRequest.latency>"200ms"', True),
    # missing payload/label fields: every comparison fails, != too; NOT of one holds
    ('jsonPayload.absent!="x"', False),
    ('NOT jsonPayload.absent="x"', True),
    ('labels.absent!~"x"', False),
    # defaulted LogEntry fields compare as their default
    ('trace!="x"', True),
    ('operation.id=""', True),
    ("operation.id:*", False),
    ("jsonPayload.n:*", True),
    # arrays: any element; value groups; null; booleans; quoted path segments; log_id
    ('jsonPayload.tags="b"', True),
    ('resource.labels.service_name=("web" OR "oli-api")', True),
    ('httpRequest.requestUrl:("withings" AND "days")', True),
    ("jsonPayload.z=NULL_VALUE", True),
    ("jsonPayload.ok=true", True),
    ('labels."k8s-pod/app"="web"', True),
    ('log_id("run.googleapis.com/requests")', True),
    ("backfill -- a comment\nAND severity=WARNING", True),
])
def test_documented_semantics(text: str, want: bool) -> None:
    assert holds(text) is want


@pytest.mark.parametrize(("text", "col", "says"), [
    ("thud=1", 1, "not a LogEntry field"),
    ('severity=ERROR AND SEARCH("x")', 20, "SEARCH() is not supported"),
    ('textPayload=~"(?=x)"', 14, "not RE2 syntax"),
    ('textPayload=~"a\\1"', 14, "not RE2 syntax"),
    ('timestamp>="yesterday"', 12, "not an RFC 3339 timestamp"),
    ("severity=ERROR and textPayload:x", 16, "upper case"),
    ("(severity=ERROR", 1, "expected `)`"),
    ("severity=", 10, "expected a value"),
    ('textPayload="open', 13, "not closed"),
    ("", 1, "empty"),
])
def test_what_cannot_be_evaluated_here_is_a_positioned_error(text: str, col: int, says: str) -> None:
    with pytest.raises(FilterError) as err:
        parse(text)
    assert err.value.col == col and says in str(err.value)


def test_timestamps() -> None:
    midnight = parse_time("2026-11-20T00:00:00Z")
    assert midnight == parse_time("2026-11-20") == parse_time("2026-11-20 01:00:00+01:00")
    assert parse_time("2026-11-20T00:00:00.000000001Z") == parse_time("2026-11-20T00:00:00Z") + 1  # type: ignore[operator]
    assert parse_time("2025-11-22T10:00:00.123456+0000") is not None  # the client's own form
    assert parse_time("20/11/2026") is None and parse_time("2026-02-31T00:00:00Z") is None


def test_required_literals_only_for_conjunctions_of_plain_text() -> None:
    text = 'resource.labels.service_name="oli-api" AND httpRequest.status=200'
    assert required_literals(parse(text)) == [("oli-api", True)]
    assert required_literals(parse('a.b="x" OR textPayload:y'.replace("a.b", "jsonPayload.b"))) == []
    assert required_literals(parse('jsonPayload.m="caf\u00e9"')) == []  # JSON may escape it

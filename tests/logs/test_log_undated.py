"""Entries without a usable timestamp (missing, numeric, not RFC 3339) cannot be placed in a
window nor after the last match: they are counted and shown, and a claim they could overturn is
UNKNOWN, never TRUE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.logs.logcheck import jsonl, request, run_check

SINCE = "2026-11-20T00:00:00Z"
DATED_OK = request("2026-11-21T00:00:00Z", 200)


@pytest.mark.parametrize("ts", [None, 1763683200, "yesterday", "2026-13-45T00:00:00Z",
                                ["2026-11-21T00:00:00Z"]],
                         ids=["missing", "numeric", "words", "impossible", "list"])
@pytest.mark.parametrize("check", [
    {"none": "httpRequest.status=403", "since": SINCE},
    {"filter": "httpRequest.status=403", "expect": {"count": 0}, "since": SINCE},
    {"filter": "httpRequest.status=403", "expect": {"min": 0, "max": 1}, "since": SINCE},
    {"filter": "httpRequest.status=200", "none": "httpRequest.status=403", "since": SINCE},
], ids=["none", "count0", "max1", "none-after-last"])
def test_undated_403s_make_an_absence_unknown(tmp_path: Path, ts: Any, check: dict[str, Any]) -> None:
    entries = [DATED_OK, *(request(ts, 403) for _ in range(3))]
    for i, e in enumerate(entries):
        e["insertId"] = f"e{i}"
    hyp = run_check(tmp_path, check, files={"logs/a.jsonl": jsonl(entries)})
    assert hyp["verdict"] == "UNKNOWN", hyp["reason"]
    assert "without a usable timestamp" in hyp["reason"]
    assert "3 entries without a usable timestamp" in hyp["checks"][0]["output"]


def test_undated_entries_that_cannot_match_change_nothing(tmp_path: Path) -> None:
    entries = [DATED_OK, request(None, 200), request("noon", 500, url="https://a.run.app/other")]
    hyp = run_check(tmp_path, {"none": 'httpRequest.status=403 OR httpRequest.requestUrl:"/nowhere"',
                               "since": SINCE}, files={"logs/a.jsonl": jsonl(entries)})
    assert hyp["verdict"] == "TRUE"
    assert "2 entries without a usable timestamp" in hyp["checks"][0]["output"]


def test_without_a_window_an_undated_none_hit_is_a_violation(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403"},
                    files={"logs/a.jsonl": jsonl([DATED_OK, request(None, 403)])})
    assert hyp["verdict"] == "FALSE"


def test_undated_matches_make_a_presence_claim_unknown_not_false(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"filter": "httpRequest.status=200", "since": SINCE, "expect": {"min": 2}},
                    files={"logs/a.jsonl": jsonl([DATED_OK, request(None, 200)])})
    assert hyp["verdict"] == "UNKNOWN"
    assert "from 1 to 2 match, expected at least 2" in hyp["reason"]


def test_enough_dated_matches_need_no_undated_ones(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"filter": "httpRequest.status=200", "since": SINCE},
                    files={"logs/a.jsonl": jsonl([DATED_OK, request(None, 200)])})
    assert hyp["verdict"] == "TRUE"


TEXT = "job started\nattempt 1 failed: HTTP 403\nattempt 2 failed: HTTP 403\n"


@pytest.mark.parametrize(("check", "verdict"), [
    ({"none": 'textPayload:"403"', "since": SINCE}, "UNKNOWN"),
    ({"filter": 'textPayload:"403"', "since": SINCE, "expect": {"count": 0}}, "UNKNOWN"),
    ({"filter": 'textPayload:"completed"', "since": SINCE}, "FALSE"),  # no line could match
    ({"filter": 'textPayload:"started"', "since": SINCE}, "UNKNOWN"),  # a line matches, undated
], ids=["none", "count0", "min-nothing-could", "min-undated"])
def test_a_text_log_without_timestamps(tmp_path: Path, check: dict[str, Any], verdict: str) -> None:
    hyp = run_check(tmp_path, check, files={"logs/worker.log": TEXT})
    assert hyp["verdict"] == verdict, hyp["reason"]


ZONED_OK = "2026-11-21T00:00:00Z job ok\n"


def test_a_local_time_near_the_window_start_makes_an_absence_unknown(tmp_path: Path) -> None:
    """`2026-11-20 09:30:00` has no zone: anywhere from 19:30 the day before to 23:30 UTC, so
    on either side of `since` 10:00Z."""
    text = "2026-11-20 09:30:00 attempt 1 failed: HTTP 403\n" + ZONED_OK
    hyp = run_check(tmp_path, {"none": 'textPayload:"403"', "since": "2026-11-20T10:00:00Z"},
                    files={"logs/worker.log": text})
    assert hyp["verdict"] == "UNKNOWN", hyp["reason"]
    assert "without a usable timestamp" in hyp["reason"]


def test_a_local_time_far_from_every_bound_is_placed(tmp_path: Path) -> None:
    text = "2026-11-10 09:30:00 attempt 1 failed: HTTP 403\n" + ZONED_OK
    hyp = run_check(tmp_path, {"none": 'textPayload:"403"', "since": "2026-11-20T10:00:00Z"},
                    files={"logs/worker.log": text})
    assert hyp["verdict"] == "TRUE", hyp["reason"]


def test_a_local_time_near_the_last_match_cannot_be_ordered(tmp_path: Path) -> None:
    text = "2026-11-21 10:00:00 job ok\n2026-11-21T12:00:00Z attempt failed: HTTP 403\n"
    hyp = run_check(tmp_path, {"filter": 'textPayload:"ok"', "none": 'textPayload:"403"',
                               "since": "2026-11-01T00:00:00Z"}, files={"logs/worker.log": text})
    assert hyp["verdict"] == "UNKNOWN", hyp["reason"]

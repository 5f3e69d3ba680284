"""A `none` filter that entries of `filter` also match can never come after the last match:
the proof is vacuous, so the check is UNKNOWN with the fix, in files and in Cloud Logging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.logs.fake_logging_api import FakeLoggingAPI
from tests.logs.logcheck import jsonl, request, run_check

ENTRIES = [request("2026-11-21T00:00:00Z", 200), request("2026-11-21T01:00:00Z", 403)]
VACUOUS = {"filter": 'httpRequest.requestUrl:"/x"',
           "none": 'httpRequest.requestUrl:"/x" AND httpRequest.status=403', "since": "2026-11-20T00:00:00Z"}
FIX = ("not proven: an entry matches both `filter` and `none`, so `none` can never follow the last match: "
       "narrow `filter` to the success you mean, e.g. httpRequest.status=200")


def test_overlapping_filter_and_none_is_unknown_in_files(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, VACUOUS, files={"logs/a.jsonl": jsonl(ENTRIES)})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith(FIX)


def test_overlapping_filter_and_none_is_unknown_in_cloud_logging(tmp_path: Path) -> None:
    with FakeLoggingAPI(ENTRIES) as fake:
        source: dict[str, Any] = {"cloud_logging": {"project": "p", "endpoint": fake.endpoint,
                                                    "credentials": "anonymous"}}
        hyp = run_check(tmp_path, VACUOUS, source=source)
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith(FIX)


def test_disjoint_filters_still_prove(tmp_path: Path) -> None:
    check = {**VACUOUS, "filter": 'httpRequest.requestUrl:"/x" AND httpRequest.status=200'}
    entries = [request("2026-11-21T00:00:00Z", 403), request("2026-11-21T01:00:00Z", 200)]
    assert run_check(tmp_path, check, files={"logs/a.jsonl": jsonl(entries)})["verdict"] == "TRUE"


def test_a_none_entry_at_the_very_time_of_the_last_match_is_unknown(tmp_path: Path) -> None:
    """Second-precision logs: a 403 in the same second as the last 200 may have come after it."""
    check = {"filter": "httpRequest.status=200", "none": "httpRequest.status=403",
             "since": "2026-11-20T00:00:00Z"}
    entries = [request("2026-11-21T00:00:00Z", 403), request("2026-11-21T00:00:00Z", 200)]
    hyp = run_check(tmp_path, check, files={"logs/a.jsonl": jsonl(entries)})
    assert hyp["verdict"] == "UNKNOWN"
    assert "1 entry matches `none` too near the last match (2026-11-21T00:00:00Z)" in hyp["reason"]
    with FakeLoggingAPI(entries) as fake:
        source: dict[str, Any] = {"cloud_logging": {"project": "p", "endpoint": fake.endpoint,
                                                    "credentials": "anonymous"}}
        assert run_check(tmp_path, check, source=source)["verdict"] == "UNKNOWN"

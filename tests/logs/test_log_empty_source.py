"""A log source that yielded no entry, or none in the window, proves no absence: `none:`,
`count: 0` and `max:` are UNKNOWN then (unless `allow_empty: true`), while `min: 1` is simply
FALSE. Files, commands and Cloud Logging alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.logs.fake_logging_api import FakeLoggingAPI
from tests.logs.logcheck import jsonl, request, run_check

SINCE = "2026-11-20T00:00:00Z"
WINDOW = 'log window matched no entry: timestamp>="2026-11-20T00:00:00Z"'
ABSENCE = [
    {"none": "httpRequest.status=403", "since": SINCE},
    {"filter": "httpRequest.status=403", "expect": {"count": 0}, "since": SINCE},
    {"filter": "httpRequest.status=403", "expect": {"min": 0, "max": 2}, "since": SINCE},
    {"filter": "httpRequest.status=403", "expect": {"count": "<= 1"}},
]


@pytest.mark.parametrize("text", ["", "[]", "[\n]\n", "\n\n", "  "], ids=["0-bytes", "[]", "[]-lines",
                                                                          "blank-lines", "spaces"])
@pytest.mark.parametrize("check", ABSENCE, ids=["none", "count0", "max", "count<=1"])
def test_an_empty_export_proves_no_absence(tmp_path: Path, text: str, check: dict[str, Any]) -> None:
    hyp = run_check(tmp_path, check, files={"logs/export.json": text})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith("log source matched no entry: logs/export.json (set allow_empty: true")


def test_an_empty_export_makes_min_1_false(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"filter": "httpRequest.status=200"}, files={"logs/export.json": "[]"})
    assert hyp["verdict"] == "FALSE"


def test_allow_empty_accepts_an_empty_export(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403", "allow_empty": True},
                    files={"logs/export.json": ""})
    assert hyp["verdict"] == "TRUE"


def test_a_command_that_prints_nothing_proves_no_absence(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403"}, source={"command": "true"})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith("log source matched no entry: `true`")


def test_a_glob_matching_no_file_is_an_empty_scope(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403"}, source={"files": ["logs/*.json"]})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"] == ("log files matched no file: logs/*.json "
                             "(set allow_empty: true if that is expected)")


def test_one_glob_of_two_matching_no_file_is_unknown_too(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403"},
                    source={"files": ["logs/a.json", "logs/missing-day.json"]},
                    files={"logs/a.json": jsonl([request("2026-11-21T00:00:00Z", 200)])})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith("log files matched no file: logs/missing-day.json")


def test_one_empty_file_of_two_is_a_note(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "httpRequest.status=403", "since": SINCE},
                    files={"logs/a.json": jsonl([request("2026-11-21T00:00:00Z", 200)]), "logs/b.json": ""})
    assert hyp["verdict"] == "TRUE"
    assert "note: log source: logs/b.json matched no entry" in hyp["checks"][0]["output"]


@pytest.mark.parametrize("check", ABSENCE[:3], ids=["none", "count0", "max"])
def test_a_window_after_the_newest_entry_proves_no_absence(tmp_path: Path, check: dict[str, Any]) -> None:
    old = [request("2026-11-10T00:00:00Z", 200), request("2026-11-11T00:00:00Z", 403)]
    hyp = run_check(tmp_path, check, files={"logs/a.json": jsonl(old)})
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith(f'{WINDOW} in logs/a.json')
    assert "the newest entry read: 2026-11-11T00:00:00Z" in hyp["reason"]


def test_a_window_closed_by_the_filter_itself_counts_too(tmp_path: Path) -> None:
    entries = [request("2026-11-10T00:00:00Z", 200), request("2026-11-21T00:00:00Z", 200)]
    check = {"filter": 'httpRequest.status=403 AND timestamp>="2026-11-12T00:00:00Z" '
                       'AND timestamp<"2026-11-13T00:00:00Z"', "expect": {"count": 0}}
    hyp = run_check(tmp_path, check, files={"logs/a.json": jsonl(entries)})
    assert hyp["verdict"] == "UNKNOWN"
    assert "log window matched no entry" in hyp["reason"]


def test_an_absence_over_a_window_with_entries_is_true(tmp_path: Path) -> None:
    entries = [request("2026-11-21T00:00:00Z", 200), request("2026-11-10T00:00:00Z", 403)]
    for check in ABSENCE:
        assert run_check(tmp_path, check, files={"logs/a.json": jsonl(entries)})["verdict"] == "TRUE", check


@pytest.mark.parametrize("entries", [[], [request("2026-11-10T00:00:00Z", 200)]],
                         ids=["no-entries", "old-only"])
def test_cloud_logging_with_nothing_in_the_window_proves_no_absence(tmp_path: Path,
                                                                     entries: list[dict[str, Any]]) -> None:
    with FakeLoggingAPI(entries) as fake:
        source = {"cloud_logging": {"project": "p", "endpoint": fake.endpoint, "credentials": "anonymous"}}
        hyp = run_check(tmp_path, {"none": "httpRequest.status=403", "since": SINCE}, source=source)
        counted = run_check(tmp_path, {"filter": "httpRequest.status=403", "since": SINCE,
                                       "expect": {"count": 0}}, source=source)
    assert hyp["verdict"] == counted["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith(f"{WINDOW} in Cloud Logging")


def test_cloud_logging_with_an_entry_in_the_window_proves_absence(tmp_path: Path) -> None:
    with FakeLoggingAPI([request("2026-11-21T00:00:00Z", 200)]) as fake:
        source = {"cloud_logging": {"project": "p", "endpoint": fake.endpoint, "credentials": "anonymous"}}
        hyp = run_check(tmp_path, {"none": "httpRequest.status=403", "since": SINCE}, source=source)
    assert hyp["verdict"] == "TRUE"

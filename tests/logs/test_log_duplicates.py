"""The same entry read twice (two exports that overlap, a file named by two globs under different
names) is one entry, as in Cloud Logging, which keeps one entry per log, insertId and timestamp."""

from __future__ import annotations

from pathlib import Path

from tests.logs.logcheck import jsonl, request, run_check


def test_an_entry_in_two_overlapping_exports_counts_once(tmp_path: Path) -> None:
    one = jsonl([request("2026-11-21T00:00:00Z", 200)])
    hyp = run_check(tmp_path, {"filter": "httpRequest.status=200", "expect": {"min": 2}},
                    files={"logs/day1.json": one, "logs/day1-again.json": one})
    assert hyp["verdict"] == "FALSE"
    output = hyp["checks"][0]["output"]
    assert "1 duplicate entry (same logName, insertId and timestamp) counted once" in output


def test_entries_without_insertid_are_all_counted(tmp_path: Path) -> None:
    entries = [{"timestamp": "2026-11-21T00:00:00Z", "textPayload": "ok"}] * 2
    hyp = run_check(tmp_path, {"filter": 'textPayload:"ok"', "expect": {"min": 2}},
                    files={"logs/a.json": jsonl(entries)})
    assert hyp["verdict"] == "TRUE"

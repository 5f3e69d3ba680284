"""An absence over a field no entry of the source has (a misspelt jsonPayload key) matches
nothing whatever happened: UNKNOWN, naming the field, in files and in Cloud Logging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.logs.fake_logging_api import FakeLoggingAPI
from tests.logs.logcheck import jsonl, run_check

ENTRIES = [{"logName": "projects/p/logs/app", "insertId": f"i{i}", "timestamp": f"2026-11-21T00:00:0{i}Z",
            "jsonPayload": {"message": "invoker_auth_rejected", "errorCode": "AUDIENCE_MISMATCH"}}
           for i in range(3)]
TYPO = 'jsonPayload.message="invoker_auth_rejected" AND jsonPayload.errorCdoe="AUDIENCE_MISMATCH"'


@pytest.mark.parametrize("check", [{"none": TYPO}, {"filter": TYPO, "expect": {"count": 0}}],
                         ids=["none", "count0"])
def test_an_absence_over_a_field_no_entry_has_is_unknown(tmp_path: Path, check: dict[str, Any]) -> None:
    files = {"logs/a.jsonl": jsonl(ENTRIES)}
    hyp = run_check(tmp_path, {**check, "since": "2026-11-20T00:00:00Z"}, files=files)
    assert hyp["verdict"] == "UNKNOWN"
    assert "no entry read has `jsonPayload.errorCdoe`" in hyp["reason"]
    with FakeLoggingAPI(ENTRIES) as fake:
        source = {"cloud_logging": {"project": "p", "endpoint": fake.endpoint, "credentials": "anonymous"}}
        cloud = run_check(tmp_path, {**check, "since": "2026-11-20T00:00:00Z"}, source=source)
    assert cloud["verdict"] == "UNKNOWN"
    assert "no entry read has `jsonPayload.errorCdoe`" in cloud["reason"]


def test_the_right_field_name_proves_the_absence(tmp_path: Path) -> None:
    none = 'jsonPayload.message="invoker_auth_rejected" AND jsonPayload.errorCode="NOT_ALLOWLISTED"'
    hyp = run_check(tmp_path, {"none": none, "since": "2026-11-20T00:00:00Z"},
                    files={"logs/a.jsonl": jsonl(ENTRIES)})
    assert hyp["verdict"] == "TRUE"


def test_an_absence_of_the_field_itself_is_a_claim_about_it(tmp_path: Path) -> None:
    hyp = run_check(tmp_path, {"none": "jsonPayload.password:*", "since": "2026-11-20T00:00:00Z"},
                    files={"logs/a.jsonl": jsonl(ENTRIES)})
    assert hyp["verdict"] == "TRUE"

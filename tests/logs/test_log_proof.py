"""log_proof through the CLI: the proofs of fixtures/logs/GROUND_TRUTH.md get their verdicts from
the export files, and the same verdicts through the real google-cloud-logging client talking to
a local fake of the Logging API that serves the same entries. Failures of the API are UNKNOWN
with one line saying what to do."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, certify, certify_process, write
from tests.logs.fake_logging_api import FakeLoggingAPI

LOGS = FIXTURES / "logs"
TRUTH = json.loads((LOGS / "ground_truth.json").read_text())
EXPORTS = ["prod-requests.json", "prod-app.jsonl", "scheduler-fn.json"]


def fixture_entries() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in EXPORTS:
        text = (LOGS / name).read_text()
        out += json.loads(text) if name.endswith(".json") else [json.loads(x) for x in text.splitlines()]
    return out


def proof_check(p: dict[str, Any], source: str) -> dict[str, Any]:
    check: dict[str, Any] = {"kind": "log_proof", "source": source, "since": p["since"],
                             "expect": p["expect"]}
    for key in ("filter", "none", "message"):
        if p.get(key):
            check[key] = p[key]
    return check


def run_proofs(tmp_path: Path, logs: dict[str, Any], source_of: Any) -> dict[str, dict[str, Any]]:
    spec = {"certify": 1, "phase": "log proofs", "targets": {"logs": logs},
            "hypotheses": [{"id": p["id"], "claim": p["id"], "check": proof_check(p, source_of(p))}
                           for p in TRUTH["proofs"]]}
    write(tmp_path / "checks.yaml", yaml.safe_dump(spec, sort_keys=False))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stderr
    return {h["id"]: h for h in res.results["hypotheses"]}


def expected() -> dict[str, str]:
    return {p["id"]: p["verdict"] for p in TRUTH["proofs"]}


def test_ground_truth_proofs_from_export_files(tmp_path: Path) -> None:
    logs = {name.split(".")[0]: {"files": [str(LOGS / name)]} for name in [*EXPORTS, "scheduler.log"]}
    hyps = run_proofs(tmp_path, logs, lambda p: p["source"].split(".")[0])
    assert {k: h["verdict"] for k, h in hyps.items()} == expected()
    p2 = hyps["P2"]["checks"][0]
    assert [f["where"] for f in p2["findings"]] == ["6b02f26aab4ddc7d75530432"]  # the 403 after the last 200
    assert p2["values"]["last_match"] == "2026-11-22T09:00:01.719305Z"
    assert hyps["P1"]["checks"][0]["values"]["matched"] == 5
    assert hyps["P8"]["checks"][0]["values"]["matched"] == 3
    assert hyps["P1"]["checks"][0]["reproduce"].startswith("certify logs 'resource.type=")


def test_the_same_verdicts_through_cloud_logging(tmp_path: Path) -> None:
    with FakeLoggingAPI(fixture_entries(), page_limit=7) as fake:  # small pages: paging is exercised
        logs = {"prod": {"cloud_logging": {"project": "oli-prod", "endpoint": fake.endpoint,
                                           "credentials": "anonymous", "page_size": 2}}}
        hyps = run_proofs(tmp_path, logs, lambda p: "prod")
        sent = [r["filter"] for r in fake.requests]
    assert {k: h["verdict"] for k, h in hyps.items()} == expected()
    assert any("pageToken" in r for r in fake.requests)
    # every query carries certify's own time bound, so the client adds no "last 24 hours" clause
    assert sent and all('timestamp>="' in f or 'timestamp>"' in f for f in sent)
    assert not any("+0000" in f for f in sent)
    assert hyps["P2"]["checks"][0]["reproduce"].startswith("gcloud logging read '")
    assert "--project=oli-prod" in hyps["P2"]["checks"][0]["reproduce"]


@pytest.mark.parametrize(("fail", "says"), [
    ({"status": 403, "message": "Cloud Logging API has not been used in project oli-prod",
      "reason": "SERVICE_DISABLED"}, "gcloud services enable logging.googleapis.com"),
    ({"status": 403, "message": "Permission denied on resource project oli-prod"}, "roles/logging.viewer"),
    ({"status": 500, "message": "backend error"}, "500"),
])
def test_api_failures_are_unknown_with_the_reason(tmp_path: Path, fail: dict[str, Any], says: str) -> None:
    with FakeLoggingAPI(fixture_entries()) as fake:
        fake.fail_with(**fail)
        hyps = run_one(tmp_path, fake.endpoint)
    assert hyps["verdict"] == "UNKNOWN"
    assert says in hyps["reason"] and "\n" not in hyps["reason"]


def test_a_failure_on_a_later_page_is_unknown_not_a_partial_count(tmp_path: Path) -> None:
    with FakeLoggingAPI(fixture_entries(), page_limit=2) as fake:
        fake.fail_on_page(2, 503)
        hyps = run_one(tmp_path, fake.endpoint, page_size=2)
    assert hyps["verdict"] == "UNKNOWN"
    assert "503" in hyps["reason"]


def test_an_unreachable_endpoint_is_unknown(tmp_path: Path) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    hyps = run_one(tmp_path, f"http://127.0.0.1:{port}")
    assert hyps["verdict"] == "UNKNOWN"
    assert "cannot reach" in hyps["reason"]


def test_no_credentials_is_unknown_with_how_to_log_in(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", yaml.safe_dump(one_spec(None)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_"))}
    env.update(HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"), NO_GCE_CHECK="true")
    proc = certify_process("run", "-q", cwd=tmp_path, env=env)
    results = json.loads(next((tmp_path / "reports").glob("*/*/results.json")).read_text())
    h = results["hypotheses"][0]
    assert proc.returncode == 3
    assert h["verdict"] == "UNKNOWN" and "gcloud auth application-default login" in h["reason"]


def one_spec(endpoint: str | None, page_size: int = 1000) -> dict[str, Any]:
    cloud: dict[str, Any] = {"project": "oli-prod", "page_size": page_size}
    if endpoint:
        cloud.update(endpoint=endpoint, credentials="anonymous")
    return {"certify": 1, "phase": "api failure", "targets": {"logs": {"prod": {"cloud_logging": cloud}}},
            "hypotheses": [{"id": "L", "claim": "a 200 happened", "check": {
                "kind": "log_proof", "filter": "httpRequest.status=200", "since": "2026-11-19T00:00:00Z"}}]}


def run_one(tmp_path: Path, endpoint: str, page_size: int = 1000) -> dict[str, Any]:
    write(tmp_path / "checks.yaml", yaml.safe_dump(one_spec(endpoint, page_size)))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 3, res.stderr
    return res.results["hypotheses"][0]  # type: ignore[no-any-return]


def test_a_filter_that_cannot_be_evaluated_here_is_a_positioned_load_error(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", """
        certify: 1
        phase: p
        targets: {logs: {prod: {files: [x.json]}}}
        hypotheses:
          - id: X
            claim: c
            check:
              kind: log_proof
              filter: httpRequest.status=200 AND sample(insertId, 0.1)
    """)
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.stderr.startswith("checks.yaml:9:15: hypothesis X, check 1 (log_proof): filter: column 28: "
                                 "the function sample() is not supported")


def test_certify_logs_prints_every_match_up_to_its_limit(tmp_path: Path) -> None:
    args = ["logs", 'httpRequest.status=200 AND httpRequest.requestUrl=~"/integrations/withings/backfill"',
            "--file", str(FIXTURES / "logs/prod-requests.json"), "--since", "2026-11-01T00:00:00Z"]
    res = certify(*args, cwd=tmp_path)
    lines = res.stdout.splitlines()
    assert res.exit_code == 0 and lines[0].startswith("5 of 53 entries match: ")
    times = [line.split()[0] for line in lines[1:]]
    assert len(times) == 5 and times == sorted(times)  # every match, oldest first
    res = certify(*args, "--limit", "2", cwd=tmp_path)
    assert [line.split()[0] for line in res.stdout.splitlines()[1:]] == times[-2:]  # the latest two


def test_a_count_cut_at_max_entries_proves_no_upper_bound(tmp_path: Path) -> None:
    """At max_entries reading stops: the count is a lower bound, so `max: 3` is UNKNOWN, not TRUE."""
    entries = [{"logName": "projects/p/logs/requests", "timestamp": f"2026-11-21T00:00:0{i}Z",
                "insertId": f"i{i}", "httpRequest": {"status": 403}} for i in range(6)]
    with FakeLoggingAPI(entries) as fake:
        cloud = {"project": "p", "endpoint": fake.endpoint, "credentials": "anonymous", "max_entries": 2}
        spec = {"certify": 1, "phase": "capped", "targets": {"logs": {"prod": {"cloud_logging": cloud}}},
                "hypotheses": [{"id": "L", "claim": "at most 3 403s", "check": {
                    "kind": "log_proof", "filter": "httpRequest.status=403", "since": "2026-11-20T00:00:00Z",
                    "expect": {"min": 0, "max": 3}}}]}
        write(tmp_path / "checks.yaml", yaml.safe_dump(spec))
        res = certify("run", "-q", cwd=tmp_path)
    hyp = res.results["hypotheses"][0]
    assert hyp["verdict"] == "UNKNOWN"
    assert hyp["reason"].startswith("not proven: reading stopped at max_entries: at least 2 entries match")

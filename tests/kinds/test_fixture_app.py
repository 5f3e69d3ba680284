"""The demo service in fixtures/app answers as its ground truth (fixtures/app/expected.json) says,
proved through certify itself: one auth_matrix per request, the service started by `start:`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from tests.conftest import FIXTURES, certify, processes_mentioning, write

TRUTH = json.loads((FIXTURES / "app" / "expected.json").read_text())


def test_the_fixture_app_answers_as_its_ground_truth_says(tmp_path: Path) -> None:
    # a copy of the service of its own, so that the processes left over are this run's (other
    # tests start fixtures/app/server.py at the same time)
    server = tmp_path / "app" / "server.py"
    shutil.copytree(FIXTURES / "app", server.parent)
    hypotheses = []
    for i, row in enumerate(TRUTH["requests"]):
        if "body" in row or row["path"] == "/big":  # raw bodies and 10 MiB answers: not matrix material
            continue
        request = {"method": row["method"], "path": row["path"]}
        if "json" in row:
            request["json"] = row["json"]
        hypotheses.append({
            "id": f"R-{i}", "claim": f"{row['method']} {row['path']}: {row.get('note', 'as documented')}",
            "check": {"kind": "auth_matrix", "requests": [request], "as": TRUTH["identities"],
                      "expect": row["expect"]}})
    spec = {"certify": 1, "phase": "fixture app ground truth",
            "targets": {"http": {"app": {
                "base_url": "http://127.0.0.1:{port}", "ready": "/health/live",
                "start": f"python3 {server} --port {{port}}"}}},
            "hypotheses": hypotheses}
    write(tmp_path / "checks.yaml", yaml.safe_dump(spec, sort_keys=False))
    res = certify("run", "-q", cwd=tmp_path)
    wrong = {k: v for k, v in res.verdicts.items() if v != "TRUE"}
    assert wrong == {}, [h["reason"] for h in res.results["hypotheses"] if h["verdict"] != "TRUE"]
    assert len(res.verdicts) >= 18
    assert processes_mentioning(str(server)) == []


def test_the_planted_defects_are_found(tmp_path: Path) -> None:
    """What a correct service would answer, asked of the fixture: exactly the planted defects fail."""
    write(tmp_path / "checks.yaml", f"""
certify: 1
phase: planted defects
targets:
  http:
    app: {{base_url: "http://127.0.0.1:{{port}}", ready: /health/live,
           start: "python3 {FIXTURES / 'app' / 'server.py'} --port {{port}}"}}
hypotheses:
  - id: IDOR
    claim: another tenant gets 404 on every twin route
    check:
      kind: auth_matrix
      requests: [{{path: /twins/twin-acme-1}}, {{path: /twins/twin-acme-1/graph-job-status}}]
      as: {{other: {{headers: {{Authorization: Bearer tok-globex}}}}}}
      expect: {{other: 404}}
  - id: WEBHOOK
    claim: the webhook endpoint works
    check: {{kind: http, path: /webhooks/acme/events}}
  - id: BIG
    claim: a 10 MiB answer is not read whole
    check: {{kind: http, path: /big, expect: {{body: never}}}}
  - id: HTML
    claim: the maintenance page is not JSON
    check: {{kind: http, path: /notjson, expect: {{json: {{status: ok}}}}}}
""")
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"IDOR": "FALSE", "WEBHOOK": "FALSE", "BIG": "UNKNOWN", "HTML": "FALSE"}
    hyps = {h["id"]: h for h in res.results["hypotheses"]}
    assert [f["where"] for f in hyps["IDOR"]["checks"][0]["findings"]] == [
        "GET /twins/twin-acme-1/graph-job-status as other"]
    assert "permission denied for table tenants" in hyps["WEBHOOK"]["checks"][0]["output"]
    for h in hyps.values():
        assert "\n" not in h["reason"]

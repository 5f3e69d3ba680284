"""`certify diagnose invoker-403` names the right cause and fix for each rejection: on the demo
logs (fixtures/logs/ground_truth.json), on logs written by someone else
(tests/blind_logs/expected.json), from text lines, and through Cloud Logging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from certify.diagnose.invoker403 import Diagnosis, diagnose
from certify.spec.errors import Mark
from certify.spec.model import TargetSpec
from certify.targets.logquery import parse_time
from certify.targets.logs import LogsConfig, LogsTarget
from tests.conftest import FIXTURES, certify, write
from tests.logs.fake_logging_api import FakeLoggingAPI

LOGS = FIXTURES / "logs"
BLIND = Path(__file__).resolve().parent.parent / "blind_logs"
GROUND = json.loads((LOGS / "ground_truth.json").read_text())["invoker_auth_rejected"]
BLIND_TRUTH = json.loads((BLIND / "expected.json").read_text())["diagnose"]
CODES = {"AUDIENCE_MISMATCH": "audience", "EMAIL_MISSING": "email_missing",
         "NOT_ALLOWLISTED": "not_allowlisted",
         "TOKEN_EXPIRED": "expired", "ACCESS_TOKEN_NOT_ID_TOKEN": "access_token"}


def run(files: list[Path], since: str, service: str | None = None) -> Diagnosis:
    target = LogsTarget(TargetSpec("logs", "t", LogsConfig(files=[str(f) for f in files]), Path.cwd(),
                                   Mark("t", 1, 1)))
    entries = (r.entry() for r in target.records())
    return diagnose(entries, parse_time(since) or 0, service, [str(f) for f in files])


def by_key(d: Diagnosis) -> dict[str, Any]:
    return {c.key: c for c in d.causes}


def test_the_demo_logs(tmp_path: Path) -> None:
    d = run([LOGS / "prod-app.jsonl", LOGS / "prod-requests.json"], "2026-11-01T00:00:00Z")
    causes = by_key(d)
    assert {CODES[c["errorCode"]]: c["count"] for c in GROUND["by_cause"]} == {
        k: len(c.items) for k, c in causes.items()}
    for c in GROUND["by_cause"]:
        assert sorted(r.rid for r in causes[CODES[c["errorCode"]]].items) == sorted(c["rids"])
    assert "--oidc-token-audience=https://oli-api-1010034434203.us-central1.run.app" in causes["audience"].fix
    assert "113482906517722049315" in causes["email_missing"].fix
    [(key, last)] = d.last_200.items()
    assert key[1].endswith("/integrations/withings/backfill")
    assert last is not None and last["insertId"] == "6b02af1167e590689263492c"


def test_rejections_in_text_lines_are_read_too() -> None:
    d = run([LOGS / "scheduler.log"], "2026-11-01T00:00:00Z")
    assert {k: len(c.items) for k, c in by_key(d).items()} == {
        CODES[c["errorCode"]]: c["count"] for c in GROUND["by_cause"]}


def check_blind(d: Diagnosis) -> None:
    causes = {c.title: c for c in d.causes}
    titles = {"token audience mismatch": "token audience differs from what the service expects",
              "ID token has no email claim (sub not allowlisted)": "ID token has no email claim",
              "access token sent instead of an ID token": "access token sent instead of an ID token"}
    for want in BLIND_TRUTH["causes"]:
        got = causes[titles[want["cause"]]]
        assert len(got.items) == want["count"], want["cause"]
        assert sorted(r.rid for r in got.items if r.rid) == sorted(want["rids"])
        for mention in want["fix_mentions"]:
            options = mention if isinstance(mention, list) else [mention]
            assert any(o.lower() in got.fix.lower() for o in options), (got.fix, mention)
    [iam] = BLIND_TRUTH["request_log_causes"]
    assert len(d.iam) == iam["count"] and "roles/run.invoker" in causes["caller lacks roles/run.invoker"].fix
    business = BLIND_TRUTH["not_invoker_rejections"]
    assert [e["insertId"] for e in d.other_403] == [x["insertId"] for x in business]
    last = {url: e["timestamp"] for (_, url), e in d.last_200.items() if e}
    for want in BLIND_TRUTH["last_200_by_url"]:
        assert parse_time(last[want["url"]]) == parse_time(want["timestamp"])


def test_logs_written_by_someone_else() -> None:
    check_blind(run([BLIND / BLIND_TRUTH["file"], BLIND / BLIND_TRUTH["requests_file"]],
                    BLIND_TRUTH["since"]["absolute"], BLIND_TRUTH["service"]))


def test_through_cloud_logging_and_the_command_line(tmp_path: Path) -> None:
    entries = [json.loads(line) for line in (BLIND / BLIND_TRUTH["file"]).read_text().splitlines() if line]
    entries += json.loads((BLIND / BLIND_TRUTH["requests_file"]).read_text())
    project = entries[0]["logName"].split("/")[1]
    with FakeLoggingAPI(entries) as fake:
        write(tmp_path / "checks.yaml", yaml.safe_dump({
            "certify": 1, "phase": "p",
            "hypotheses": [{"id": "X", "claim": "c", "check": {"kind": "env", "required": ["HOME"]}}],
            "targets": {"logs": {"prod": {"cloud_logging": {
                "project": project, "endpoint": fake.endpoint, "credentials": "anonymous"}}}}}))
        since = BLIND_TRUTH["since"]["absolute"]
        res = certify("diagnose", "invoker-403", "--logs", "prod", "--since", since,
                      "--service", BLIND_TRUTH["service"], "-o", "diag.md", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "token audience differs from what the service expects: 6" in res.stdout
    assert "caller lacks roles/run.invoker: 2" in res.stdout
    markdown = (tmp_path / "diag.md").read_text()
    assert markdown.startswith("# certify diagnose invoker-403")
    assert "| access token sent instead of an ID token | 2 |" in markdown
    assert "2026-11-11T02:00:02.918273" in markdown  # the last 200 on the settle URL (the client keeps µs)


def test_a_damaged_export_is_a_one_line_error(tmp_path: Path) -> None:
    res = certify("diagnose", "invoker-403", "--file", str(BLIND / "exports" / "truncated.json"),
                  "--since", "2026-11-01T00:00:00Z", cwd=tmp_path)
    assert res.exit_code == 2 and "truncated" in res.stderr and "Traceback" not in res.stderr

"""`certify diagnose invoker-403` with the deployed configuration (--project/--region, or a spec's
gcp target): it reads the service's audience and allowlist variables, who holds roles/run.invoker
and every scheduler job that calls the service (all pages), names each mismatch with the gcloud
command that fixes it, and says of each cause in the logs whether the serving revision settles it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fixtures.gcpfake.server import FakeCloud
from tests.conftest import FIXTURES, CliResult, certify, write
from tests.gcp.cloud import (
    FUNCTION_SA,
    PLANTED,
    PROJECT,
    READY,
    REGION,
    SCHEDULER_SA,
    SERVICE,
    SUB,
    URL,
    cloud,
    job,
    revision,
)
from tests.logs.fake_logging_api import FakeLoggingAPI

FIX_AUDIENCE = (f"gcloud scheduler jobs update http nightly-reconcile --location {REGION} "
                f"--project {PROJECT} --oidc-token-audience={URL}")


def entry(n: int, payload: dict[str, Any]) -> dict[str, Any]:
    """A log line of oli-api, as Cloud Run writes it."""
    return {"insertId": f"id{n:04d}", "jsonPayload": payload, "severity": "WARNING",
            "logName": f"projects/{PROJECT}/logs/run.googleapis.com%2Fstdout",
            "resource": {"type": "cloud_run_revision", "labels": {"service_name": "oli-api",
                                                                   "revision_name": READY}},
            "timestamp": f"2026-02-10T0{n % 10}:00:01.500000Z"}


REJECTIONS = [
    entry(1, {"message": "invoker_auth_rejected", "rid": "r-aud1", "branch": "bearer",
              "errorCode": "AUDIENCE_MISMATCH", "aud": f"{URL}/jobs/reconcile", "emailPresent": True,
              "subPresent": True, "sub": "104400000000000000001",
              "verifyReason": "Wrong recipient, payload audience != requiredAudience"}),
    entry(2, {"message": "invoker_auth_rejected", "rid": "r-sub1", "branch": "bearer",
              "errorCode": "EMAIL_MISSING", "aud": URL, "emailPresent": False, "subPresent": True,
              "sub": SUB}),
]


def diagnose(tmp_path: Path, endpoint: str, *more: str,
             logs: list[dict[str, Any]] | None = None) -> CliResult:
    path = tmp_path / "oli-api.json"
    path.write_text(json.dumps(REJECTIONS if logs is None else logs))
    return certify("diagnose", "invoker-403", "--file", str(path), "--service", "oli-api", "--project",
                   PROJECT, "--region", REGION, "--api-endpoint", endpoint, *more, cwd=tmp_path)


def wrong_audience() -> dict[str, Any]:
    """The issue's case: the job was created without --oidc-token-audience, so its tokens carry its
    target URL, path and all."""
    state = cloud()
    state["jobs"] = [job("nightly-reconcile", f"{URL}/jobs/reconcile")]
    return state


def test_a_job_sending_the_wrong_audience_is_named_with_its_fix(tmp_path: Path) -> None:
    with FakeCloud(wrong_audience()) as fake:
        res = diagnose(tmp_path, fake.endpoint)
    assert res.exit_code == 0, res.stderr
    assert (f"job nightly-reconcile sends audience {URL}/jobs/reconcile; the service expects {URL} "
            f"(INVOKER_TOKEN_AUDIENCE, revision {READY}); fix: {FIX_AUDIENCE}") in res.stdout
    # the rejections the logs hold point at the same job
    assert f"job nightly-reconcile still sends {URL}/jobs/reconcile: {FIX_AUDIENCE}" in res.stdout
    assert "scheduler jobs calling it: 1 of 1 in us-central1" in res.stdout


def test_a_configuration_that_agrees_settles_the_causes_in_the_logs(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        res = diagnose(tmp_path, fake.endpoint, "-o", "diag.md")
    assert "Mismatches:\n  none: every caller the configuration names agrees with it" in res.stdout
    assert f"now: settled: WITHINGS_PULL_INVOKER_SUBS of revision {READY} holds sub {SUB}" in res.stdout
    assert f"now: no scheduler job in us-central1 sends {URL}/jobs/reconcile now" in res.stdout
    markdown = (tmp_path / "diag.md").read_text()
    assert "## Configuration (Cloud Run and Cloud Scheduler)" in markdown
    assert f"- INVOKER_TOKEN_AUDIENCE = {URL}" in markdown
    assert "| cause | count | first | last | rids | fix | now |" in markdown


def test_a_sub_missing_from_the_allowlist_gets_the_command_that_adds_it(tmp_path: Path) -> None:
    state = cloud()
    state["revisions"][0] = revision(READY, [{"name": "INVOKER_TOKEN_AUDIENCE", "value": URL},
                                             {"name": "WITHINGS_PULL_INVOKER_SUBS", "value": "1099"}])
    with FakeCloud(state) as fake:
        res = diagnose(tmp_path, fake.endpoint)
    assert (f"fix: add sub {SUB} to WITHINGS_PULL_INVOKER_SUBS: gcloud run services update oli-api --region "
            f"{REGION} --project {PROJECT} --update-env-vars='^@^WITHINGS_PULL_INVOKER_SUBS=1099,{SUB}'") \
        in res.stdout


def test_callers_without_roles_run_invoker_or_outside_the_allowlist_are_named(tmp_path: Path) -> None:
    state = cloud()
    state["policies"][SERVICE]["bindings"][0]["members"] = [f"serviceAccount:{FUNCTION_SA}"]
    state["revisions"][0] = revision(READY, [{"name": "INVOKER_TOKEN_AUDIENCE", "value": URL},
                                             {"name": "WITHINGS_PULL_INVOKER_EMAILS", "value": FUNCTION_SA}])
    state["jobs"] = [job("nightly-reconcile", f"{URL}/jobs/reconcile", audience=URL)]
    with FakeCloud(state) as fake:
        res = diagnose(tmp_path, fake.endpoint, logs=[])
    assert (f"job nightly-reconcile calls as {SCHEDULER_SA}, which does not hold roles/run.invoker on "
            "oli-api (its own policy; a grant on the project is not read); fix: gcloud run services "
            f"add-iam-policy-binding oli-api --region {REGION} --project {PROJECT} "
            f"--member=serviceAccount:{SCHEDULER_SA} --role=roles/run.invoker") in res.stdout
    assert (f"job nightly-reconcile calls as {SCHEDULER_SA}, which is in no invoker allowlist "
            "(WITHINGS_PULL_INVOKER_EMAILS); fix: gcloud run services update oli-api --region us-central1 "
            f"--project oli-prod --update-env-vars='^@^WITHINGS_PULL_INVOKER_EMAILS={FUNCTION_SA},"
            f"{SCHEDULER_SA}'") in res.stdout


def test_the_jobs_calling_the_service_are_found_on_every_page(tmp_path: Path) -> None:
    state = wrong_audience()
    others = [job(f"other-{i}", f"https://other-{i}-uc.a.run.app/tick", audience=f"https://other-{i}-uc.a.run.app")
              for i in range(6)]
    state["jobs"] = [*others[:3], *state["jobs"], *others[3:]]
    with FakeCloud(state, page_limit=2) as fake:
        res = diagnose(tmp_path, fake.endpoint, logs=[])
        pages = [q for _, path, q in fake.requests if path.endswith("/jobs")]
    assert len(pages) == 4
    assert "scheduler jobs calling it: 1 of 7 in us-central1" in res.stdout
    assert FIX_AUDIENCE in res.stdout


def test_a_configuration_that_cannot_be_read_says_its_fix_and_the_logs_are_still_read(tmp_path: Path) -> None:
    state = {**cloud(), "disabled": ["run.googleapis.com"]}
    with FakeCloud(state) as fake:
        res = diagnose(tmp_path, fake.endpoint)
    assert res.exit_code == 0
    assert ("Configuration (Cloud Run and Cloud Scheduler): not read: Cloud Run Admin API is not enabled "
            "in project oli-prod (fix: gcloud services enable run.googleapis.com --project=oli-prod)"
            ) in res.stdout
    assert "ID token has no email claim: 1" in res.stdout
    state = {**cloud(), "denied": ["cloudscheduler.jobs.list"]}
    with FakeCloud(state) as fake:
        res = diagnose(tmp_path, fake.endpoint)
    assert "not known: which scheduler jobs call oli-api is not known: Cloud Scheduler API: 403" in res.stdout
    assert "--role=roles/cloudscheduler.viewer)" in res.stdout


def test_project_without_a_log_source_reads_the_projects_cloud_logging(tmp_path: Path) -> None:
    for e in REJECTIONS:
        e["timestamp"] = "2099-01-01T00:00:00Z"  # inside the default window of 24 h... of 2099
    logging = FakeLoggingAPI(REJECTIONS)

    def entries_list(method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]] | None:
        return logging.handle_list(json.loads(body)) if path == "/v2/entries:list" else None

    with FakeCloud(cloud(), also=entries_list) as fake:
        res = certify("diagnose", "invoker-403", "--service", "oli-api", "--project", PROJECT, "--region",
                      REGION, "--api-endpoint", fake.endpoint, "--since", "2098-12-31T00:00:00Z",
                      cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "from Cloud Logging, project oli-prod" in res.stdout
    assert "ID token has no email claim: 1" in res.stdout and "now: settled" in res.stdout
    assert logging.requests, "Cloud Logging was not asked"


def test_the_configuration_comes_through_a_specs_gcp_target_it_starts(tmp_path: Path) -> None:
    (tmp_path / "cloud.json").write_text(json.dumps(wrong_audience()))
    write(tmp_path / "checks.yaml", f"""
        certify: 1
        phase: p
        targets:
          logs: {{api: {{files: [oli-api.json]}}}}
          gcp:
            cloud:
              project: {PROJECT}
              region: {REGION}
              credentials: anonymous
              api_endpoint: "http://127.0.0.1:{{port}}"
              start: {sys.executable} {FIXTURES / "gcpfake" / "server.py"} --state cloud.json --port {{port}}
        hypotheses:
          - {{id: X, claim: c, check: {{kind: cloud_scheduler_job, job: nightly-reconcile, state: enabled}}}}
    """)
    (tmp_path / "oli-api.json").write_text(json.dumps(REJECTIONS))
    res = certify("diagnose", "invoker-403", "--logs", "api", "--gcp", "cloud", "--service", "oli-api",
                  cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert FIX_AUDIENCE in res.stdout


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    res = certify("diagnose", "invoker-403", "--file", "x.json", "--project", PROJECT, "--service", "s",
                  cwd=tmp_path)
    assert res.exit_code == 2 and "--project needs --region R" in res.stderr
    res = certify("diagnose", "invoker-403", "--file", "x.json", "--project", PROJECT, "--region", REGION,
                  cwd=tmp_path)
    assert res.exit_code == 2 and "give --service S" in res.stderr
    res = certify("diagnose", "invoker-403", "--file", "x.json", "--project", "Bad Project", "--region",
                  REGION, "--service", "s", cwd=tmp_path)
    assert res.exit_code == 2 and "x.json" in res.stderr  # the configuration's error is said, the logs fail
    assert "Traceback" not in res.stderr


def test_the_services_other_values_reach_no_output(tmp_path: Path) -> None:
    with FakeCloud(wrong_audience()) as fake:
        res = diagnose(tmp_path, fake.endpoint, "-o", "diag.md")
    assert "STRIPE_API_KEY" not in res.stdout
    assert PLANTED not in res.stdout + res.stderr + (tmp_path / "diag.md").read_text()

"""`cloud_scheduler_job` proves a job's target, token, schedule, state and last attempt from what
the Cloud Scheduler API says (the local fake, through Google's client); one changed fact of the
job moves its claim; what cannot be read is UNKNOWN with the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.gcpfake.server import FakeCloud
from tests.conftest import certify
from tests.gcp.cloud import SCHEDULER_SA, URL, cloud, gcp_spec, spec_error

CLAIMS = f"""
- id: TARGET
  claim: it POSTs to the reconcile endpoint
  check: {{kind: cloud_scheduler_job, job: nightly-reconcile, url: "{URL}/jobs/reconcile", method: POST}}
- id: TOKEN
  claim: it sends an ID token for the service, as the scheduler account
  check: {{kind: cloud_scheduler_job, job: nightly-reconcile,
          oidc: {{service_account: {SCHEDULER_SA}, audience: "{URL}"}}}}
- id: WHEN
  claim: nightly at 03:00 UTC, enabled
  check: {{kind: cloud_scheduler_job, job: nightly-reconcile, schedule: "0 3 * * *", time_zone: Etc/UTC,
          state: enabled}}
- id: LAST
  claim: its last run succeeded
  check: {{kind: cloud_scheduler_job, job: nightly-reconcile, last_attempt: ok}}
"""


def _job(state: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = state["jobs"][0]
    return found


def _oidc(state: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = _job(state)["httpTarget"]["oidcToken"]
    return found


CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("another endpoint", lambda s: _job(s)["httpTarget"].update(uri=f"{URL}/jobs/reconcile/v2"), "TARGET"),
    ("GET instead of POST", lambda s: _job(s)["httpTarget"].update(httpMethod="GET"), "TARGET"),
    ("a Pub/Sub job", lambda s: (_job(s).pop("httpTarget"),
                                 _job(s).update(pubsubTarget={"topicName": "projects/oli-prod/topics/t"})),
     "TARGET"),
    ("the audience with the path", lambda s: _oidc(s).update(audience=f"{URL}/jobs/reconcile"), "TOKEN"),
    ("no audience: the target URL is used", lambda s: _oidc(s).pop("audience"), "TOKEN"),
    ("another account", lambda s: _oidc(s).update(serviceAccountEmail="x@oli-prod.iam.gserviceaccount.com"),
     "TOKEN"),
    ("an OAuth access token", lambda s: _job(s)["httpTarget"].update(
        oauthToken=_job(s)["httpTarget"].pop("oidcToken")), "TOKEN"),
    ("paused", lambda s: _job(s).update(state="PAUSED"), "WHEN"),
    ("hourly", lambda s: _job(s).update(schedule="0 * * * *"), "WHEN"),
    ("the last run refused", lambda s: _job(s).update(status={"code": 7, "message": "PERMISSION_DENIED"}),
     "LAST"),
]


def test_every_claim_holds_on_the_fakes_state(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"TARGET": "TRUE", "TOKEN": "TRUE", "WHEN": "TRUE", "LAST": "TRUE"}, res.stdout
    check = res.results["hypotheses"][0]["checks"][0]
    assert check["reproduce"].endswith(
        "# against Google: gcloud scheduler jobs describe nightly-reconcile --location us-central1 "
        "--project oli-prod")


@pytest.mark.parametrize(("why", "change", "moved"), CHANGES, ids=[c[0] for c in CHANGES])
def test_one_changed_fact_moves_its_claim(tmp_path: Path, why: str, change: Callable[[dict[str, Any]], None],
                                          moved: str) -> None:
    state = cloud()
    change(state)
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", moved, cwd=tmp_path)
    assert res.verdicts == {moved: "FALSE"}, res.stdout


def test_the_wrong_audience_is_named_with_both_values(tmp_path: Path) -> None:
    state = cloud()
    _oidc(state).pop("audience")
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", "TOKEN", cwd=tmp_path)
    check = res.results["hypotheses"][0]["checks"][0]
    assert check["findings"] == [{"where": "job nightly-reconcile", "fix": None,
                                  "what": f"sends audience {URL}/jobs/reconcile, expected {URL}"}]
    assert "(no audience configured: the target URL)" in check["output"]


def test_a_job_never_attempted_proves_no_last_attempt(tmp_path: Path) -> None:
    state = cloud()
    _job(state).pop("lastAttemptTime")
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", "LAST", cwd=tmp_path)
    assert res.verdicts == {"LAST": "UNKNOWN"}
    assert "was never attempted" in res.results["hypotheses"][0]["reason"]


@pytest.mark.parametrize(("change", "fix"), [
    ({"disabled": ["cloudscheduler.googleapis.com"]},
     "gcloud services enable cloudscheduler.googleapis.com --project=oli-prod"),
    ({"denied": ["cloudscheduler.jobs.get"]}, "--role=roles/cloudscheduler.viewer"),
    ({"jobs": []}, "gcloud scheduler jobs list --project oli-prod --location us-central1"),
])
def test_what_cannot_be_read_is_unknown_with_its_fix(tmp_path: Path, change: dict[str, Any],
                                                     fix: str) -> None:
    with FakeCloud({**cloud(), **change}) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", cwd=tmp_path)
    assert set(res.verdicts.values()) == {"UNKNOWN"}
    assert all(fix in h["reason"] for h in res.results["hypotheses"])


@pytest.mark.parametrize(("check", "message"), [
    ("{kind: cloud_scheduler_job, job: nightly-reconcile}", "give at least one of url, method, oidc"),
    ("{kind: cloud_scheduler_job, job: 'a/b', state: enabled}", 'job: "a/b" is not a job name'),
    ("{kind: cloud_scheduler_job, job: x, state: running}", "state"),
])
def test_bad_claims_are_spec_errors_naming_the_line(tmp_path: Path, check: str, message: str) -> None:
    line = spec_error(tmp_path, check)
    assert message in line, line

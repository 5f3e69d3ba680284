"""The gcp target reads a project through Google's own clients (google-cloud-run,
google-cloud-scheduler over REST) from the local fake of both APIs, pages through job lists,
and turns every failure into one line ending with the gcloud command that fixes it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from certify.errors import CheckError
from certify.spec.errors import Mark
from certify.spec.model import TargetSpec
from certify.targets.gcp import GcpConfig, GcpTarget
from fixtures.gcpfake.server import FakeCloud
from tests.conftest import FIXTURES, processes_mentioning
from tests.gcp.cloud import FUNCTION_SA, PROJECT, READY, REGION, SERVICE, URL, cloud, job

FAKE = FIXTURES / "gcpfake" / "server.py"


def target(endpoint: str | None, base: Path | None = None, **config: object) -> GcpTarget:
    cfg = GcpConfig(**{"project": PROJECT, "region": REGION, "credentials": "anonymous",  # type: ignore[arg-type]
                       "api_endpoint": endpoint, **config})
    return GcpTarget(TargetSpec("gcp", "cloud", cfg, base or Path.cwd(), Mark("checks.yaml", 1, 1)))


def test_a_service_is_read_from_its_latest_ready_revision() -> None:
    state = cloud()
    with FakeCloud(state) as fake:
        svc = target(fake.endpoint).service_facts("oli-api", 30)
    assert svc.revision == READY
    env = svc.container(None).env
    assert {n: v.state for n, v in env.items()} == {
        "NODE_ENV": "set", "INVOKER_TOKEN_AUDIENCE": "set", "WITHINGS_PULL_INVOKER_SUBS": "set",
        "STRIPE_API_KEY": "set", "WITHINGS_CLIENT_SECRET": "secret"}
    assert env["WITHINGS_CLIENT_SECRET"].secret == "secret withings-client-secret, version 3"
    assert svc.latest_percent() == 100 and svc.max_instances == 10 and svc.min_instances == 0
    assert "oli-api-1010034434203.us-central1.run.app" in svc.hosts()
    # the revision, not the service's template: a template not yet ready is not what serves
    state["services"][0]["latestReadyRevision"] = f"{SERVICE}/revisions/oli-api-00017-q9p"
    with FakeCloud(state) as fake:
        older = target(fake.endpoint).service_facts("oli-api", 30)
    assert older.revision == "oli-api-00017-q9p"
    assert "WITHINGS_PULL_INVOKER_SUBS" not in older.container(None).env


def test_the_job_list_is_read_page_after_page() -> None:
    state = cloud()
    state["jobs"] = [job(f"job-{i:02d}", f"{URL}/jobs/{i}") for i in range(7)]
    with FakeCloud(state, page_limit=3) as fake:
        jobs = target(fake.endpoint).jobs(30)
        pages = [q for _, path, q in fake.requests if path.endswith("/jobs")]
    assert [j.short for j in jobs] == [f"job-{i:02d}" for i in range(7)]
    assert len(pages) == 3 and "pageToken" not in pages[0] and all("pageToken" in q for q in pages[1:])


def test_a_scheduler_job_without_audience_sends_its_target_url() -> None:
    state = cloud()
    state["jobs"] = [job("plain", f"{URL}/jobs/reconcile")]
    with FakeCloud(state) as fake:
        j = target(fake.endpoint).job_facts("plain", 30)
    assert j.oidc_account is not None and j.oidc_audience is None
    assert j.audience == f"{URL}/jobs/reconcile" and j.last_status().startswith("OK at ")


@pytest.mark.parametrize(("change", "read", "fix"), [
    ({"disabled": ["run.googleapis.com"]}, "service",
     "Cloud Run Admin API is not enabled in project oli-prod (fix: gcloud services enable run.googleapis.com "
     "--project=oli-prod)"),
    ({"disabled": ["cloudscheduler.googleapis.com"]}, "jobs",
     "(fix: gcloud services enable cloudscheduler.googleapis.com --project=oli-prod)"),
    ({"denied": ["run.services.get"]}, "service",
     "403 IAM_PERMISSION_DENIED: Permission 'run.services.get' denied on resource "
     f"'{SERVICE}' (or resource may not exist). (fix: gcloud projects add-iam-policy-binding oli-prod "
     "--member=user:$(gcloud config get-value account) --role=roles/run.viewer)"),
    ({"denied": ["run.services.getIamPolicy"]}, "policy", "--role=roles/run.viewer)"),
    ({"denied": ["cloudscheduler.jobs.list"]}, "jobs", "--role=roles/cloudscheduler.viewer)"),
    ({"services": []}, "service",
     "Cloud Run Admin API: service oli-api not found in us-central1 of project oli-prod (see which exist: "
     "gcloud run services list --project oli-prod --region us-central1)"),
    ({"jobs": []}, "job", "gcloud scheduler jobs list --project oli-prod --location us-central1)"),
    ({"require_auth": True}, "service",  # a 401 makes the client refresh its credentials, and fail there
     "Cloud Run Admin API: credentials rejected: Anonymous credentials cannot be refreshed. (fix: gcloud "
     "auth application-default login)"),
])
def test_each_failure_says_the_gcloud_command_that_fixes_it(change: dict[str, object], read: str,
                                                            fix: str) -> None:
    state = {**cloud(), **change}
    with FakeCloud(state) as fake:
        t = target(fake.endpoint)
        reads = {"service": lambda: t.service_facts("oli-api", 30), "policy": lambda: t.policy("oli-api", 30),
                 "jobs": lambda: t.jobs(30), "job": lambda: t.job_facts("nightly-reconcile", 30)}
        with pytest.raises(CheckError) as err:
            reads[read]()
    assert fix in str(err.value)
    assert "\n" not in str(err.value)


def test_no_credentials_says_how_to_log_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    with FakeCloud(cloud()) as fake, pytest.raises(CheckError) as err:
        target(fake.endpoint, credentials="default").service_facts("oli-api", 30)
    assert str(err.value) == ("Cloud Run Admin API: no Google credentials found (fix: gcloud auth "
                              "application-default login, or set GOOGLE_APPLICATION_CREDENTIALS)")


def test_an_unreachable_endpoint_is_an_error_naming_it() -> None:
    with FakeCloud(cloud()) as fake:
        endpoint = fake.endpoint  # closed when the block ends
    with pytest.raises(CheckError) as err:
        target(endpoint).service_facts("oli-api", 5)
    assert f"Cloud Run Admin API: cannot reach {endpoint}" in str(err.value)


def test_a_started_fake_is_read_and_stopped(tmp_path: Path) -> None:
    import json

    state = tmp_path / "cloud.json"  # its path names this test's fake among every process of the machine
    state.write_text(json.dumps(cloud()))
    t = target("http://127.0.0.1:{port}", tmp_path,
               start=f"{sys.executable} {FAKE} --state {state} --port {{port}}")
    try:
        assert t.endpoint is not None and "{port}" not in t.endpoint
        assert processes_mentioning(str(state)) != []
        assert FUNCTION_SA in {m.partition(":")[2] for b in t.policy("oli-api", 30) for m in b.members}
    finally:
        t.close()
    assert processes_mentioning(str(state)) == []


def test_a_fake_that_dies_at_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CheckError) as err:
        target("http://127.0.0.1:{port}", tmp_path,
               start=f"{sys.executable} {FAKE} --state missing.json --port {{port}}")
    assert "exited before" in str(err.value) and "missing.json" in str(err.value)


@pytest.mark.parametrize(("config", "message"), [
    ({"project": "Oli Prod"}, 'project: "Oli Prod" is not a project id'),
    ({"region": "central"}, 'region: "central" is not a region'),
    ({"start": "python3 fake.py"}, "start: give api_endpoint too"),
    ({"api_endpoint": "127.0.0.1:80"}, 'api_endpoint: "127.0.0.1:80" is not http(s)://host[:port]'),
])
def test_bad_configuration_is_named(config: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GcpConfig(**{"project": PROJECT, "region": REGION, **config})  # type: ignore[arg-type]

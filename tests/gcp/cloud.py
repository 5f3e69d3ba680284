"""A cloud for the gcp tests: one project with a Cloud Run service, its revisions, its IAM policy
and scheduler jobs, written as the REST references document them (Cloud Run Admin API v2
Service and Revision, IAM Policy, Cloud Scheduler v1 Job), served by fixtures/gcpfake.

`cloud()` gives a fresh state each time: a test changes one fact and sees its verdict move.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tests.conftest import certify, spec_text, write

PROJECT = "oli-prod"
REGION = "us-central1"
LOC = f"projects/{PROJECT}/locations/{REGION}"
SERVICE = f"{LOC}/services/oli-api"
URL = "https://oli-api-1010034434203.us-central1.run.app"
READY = "oli-api-00018-kx2"
OLD = "oli-api-00017-q9p"
DIGEST = "sha256:" + "4f" * 32
FUNCTION_SA = "oli-functions-runtime@oli-prod.iam.gserviceaccount.com"
SCHEDULER_SA = "scheduler@oli-prod.iam.gserviceaccount.com"
PLANTED = "sk-PLANTED-literal-5ec7e7"  # a literal secret in the service's environment
SUB = "112540986223087415907"


def revision(short: str, env: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": f"{SERVICE}/revisions/{short}", "uid": "5c0b2d6e-0d8e-4ad1-9b8a-3f6c2f0e9a11",
        "generation": "1", "createTime": "2026-02-11T03:15:00.123456Z", "service": "oli-api",
        "scaling": {"maxInstanceCount": 10}, "maxInstanceRequestConcurrency": 80, "timeout": "300s",
        "serviceAccount": f"oli-api@{PROJECT}.iam.gserviceaccount.com",
        "containers": [{"name": "api-1", "image": f"us-central1-docker.pkg.dev/{PROJECT}/oli/api@{DIGEST}",
                        "ports": [{"name": "http1", "containerPort": 8080}], "env": env,
                        "resources": {"limits": {"cpu": "1000m", "memory": "512Mi"}}}],
        "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
        "conditions": [{"type": "Ready", "state": "CONDITION_SUCCEEDED",
                        "lastTransitionTime": "2026-02-11T03:15:20Z"}],
        "logUri": "https://console.cloud.google.com/logs/viewer?project=oli-prod", "etag": '"abc"',
    }


def cloud() -> dict[str, Any]:
    env = [{"name": "NODE_ENV", "value": "production"},
           {"name": "INVOKER_TOKEN_AUDIENCE", "value": URL},
           {"name": "WITHINGS_PULL_INVOKER_SUBS", "value": f"{SUB}, 109876543210987654321"},
           {"name": "STRIPE_API_KEY", "value": PLANTED},
           {"name": "WITHINGS_CLIENT_SECRET",
            "valueSource": {"secretKeyRef": {"secret": "withings-client-secret", "version": "3"}}}]
    return {
        "services": [{
            "name": SERVICE, "uid": "8d3c0e3a-1f43-4a5f-b1f3-8f6a7c1d2e90", "generation": "18",
            "createTime": "2026-01-05T10:00:00Z", "updateTime": "2026-02-11T03:15:00Z",
            "creator": "deployer@oli-prod.iam.gserviceaccount.com", "launchStage": "GA",
            "ingress": "INGRESS_TRAFFIC_ALL",
            "template": {"serviceAccount": f"oli-api@{PROJECT}.iam.gserviceaccount.com",
                         "containers": [{"image": f"us-central1-docker.pkg.dev/{PROJECT}/oli/api@{DIGEST}",
                                         "env": env}]},
            "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
            "observedGeneration": "18",
            "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"},
            "latestReadyRevision": f"{SERVICE}/revisions/{READY}",
            "latestCreatedRevision": f"{SERVICE}/revisions/{READY}",
            "trafficStatuses": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
            "uri": URL, "urls": [URL, "https://oli-api-xyz123abc-uc.a.run.app"], "etag": '"def"',
        }],
        "revisions": [revision(READY, env),
                      revision(OLD, [e for e in env if e["name"] != "WITHINGS_PULL_INVOKER_SUBS"])],
        "policies": {SERVICE: {"version": 1, "etag": "BwYQk8y6h3E=", "bindings": [
            {"role": "roles/run.invoker", "members": [f"serviceAccount:{FUNCTION_SA}",
                                                       f"serviceAccount:{SCHEDULER_SA}"]},
            {"role": "roles/run.developer", "members": ["group:oli-devs@example.com"]}]}},
        "jobs": [job("nightly-reconcile", f"{URL}/jobs/reconcile", audience=URL)],
    }


def job(short: str, uri: str, *, audience: str | None = None, account: str = SCHEDULER_SA,
        status: dict[str, Any] | None = None, state: str = "ENABLED") -> dict[str, Any]:
    oidc: dict[str, Any] = {"serviceAccountEmail": account}
    if audience is not None:
        oidc["audience"] = audience
    out: dict[str, Any] = {
        "name": f"{LOC}/jobs/{short}", "description": "reconcile the day's events",
        "httpTarget": {"uri": uri, "httpMethod": "POST", "headers": {"User-Agent": "Google-Cloud-Scheduler"},
                       "oidcToken": oidc},
        "userUpdateTime": "2026-02-01T09:00:00Z", "state": state, "schedule": "0 3 * * *",
        "timeZone": "Etc/UTC", "scheduleTime": "2026-02-12T03:00:00Z",
        "lastAttemptTime": "2026-02-11T03:00:01.234Z",
        "retryConfig": {"maxRetryDuration": "0s", "minBackoffDuration": "5s", "maxBackoffDuration": "3600s",
                        "maxDoublings": 5},
        "attemptDeadline": "180s",
    }
    if status is not None:
        out["status"] = status
    return out


def gcp_spec(tmp_path: Path, endpoint: str, hypotheses: str, *, extra: str = "") -> Path:
    """checks.yaml with a gcp target `cloud` at `endpoint` (anonymous: the fake takes no credentials)."""
    header = (f"targets:\n  gcp:\n    cloud: {{project: {PROJECT}, region: {REGION}, credentials: anonymous, "
              f"api_endpoint: '{endpoint}'{extra}}}\n")
    return write(tmp_path / "checks.yaml", spec_text(textwrap.dedent(hypotheses), header=header))


def spec_error(tmp_path: Path, check: str) -> str:
    """The one line `certify validate` prints (exit 2) for a spec whose only claim is `check`."""
    gcp_spec(tmp_path, "http://127.0.0.1:9", f"""
        - id: H
          claim: c
          check: {check}
    """)
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2, res.stdout
    line = res.stderr.strip()
    assert line.startswith("checks.yaml:") and "Traceback" not in line, line
    return line


def outputs(pack: Path, *more: str) -> str:
    """Every file of a pack, and any other text, as one string to search."""
    texts = [p.read_text(errors="replace") for p in sorted(pack.rglob("*")) if p.is_file()]
    return "\n".join([*texts, *more])

"""`cloud_run_service` proves facts of a deployed service from what the Cloud Run Admin API says
(the local fake, through Google's client): every claim is TRUE on the fake's state and moves when
one fact of that state changes; what cannot be read is UNKNOWN with the fix, never FALSE; no
value of the service's environment reaches any output."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.gcpfake.server import FakeCloud
from tests.conftest import certify
from tests.gcp.cloud import (
    DIGEST,
    FUNCTION_SA,
    OLD,
    PLANTED,
    READY,
    SERVICE,
    URL,
    cloud,
    gcp_spec,
    outputs,
    spec_error,
)

CLAIMS = f"""
- id: ENV
  claim: the invoker allowlist and audience are set
  check:
    kind: cloud_run_service
    service: oli-api
    env:
      present: [INVOKER_TOKEN_AUDIENCE, WITHINGS_CLIENT_SECRET]
      one_of: [[WITHINGS_PULL_INVOKER_EMAILS, WITHINGS_PULL_INVOKER_SUBS]]
      equals: {{INVOKER_TOKEN_AUDIENCE: "{URL}", NODE_ENV: production}}
      absent: [DEBUG]
      from_secret: [WITHINGS_CLIENT_SECRET]
- id: IAM
  claim: the function may invoke it, nobody else public
  check: {{kind: cloud_run_service, service: oli-api, invokers: {{include: ["serviceAccount:{FUNCTION_SA}"],
          exclude: [allAuthenticatedUsers]}}}}
- id: INGRESS
  claim: ingress all
  check: {{kind: cloud_run_service, service: oli-api, ingress: all}}
- id: SA
  claim: runs as its own service account
  check: {{kind: cloud_run_service, service: oli-api,
          service_account: oli-api@oli-prod.iam.gserviceaccount.com}}
- id: SCALE
  claim: scales from 0 to at most 10
  check: {{kind: cloud_run_service, service: oli-api, min_instances: 0, max_instances: "<= 10"}}
- id: IMAGE
  claim: the released image
  check: {{kind: cloud_run_service, service: oli-api, image_digest: "{DIGEST}"}}
- id: TRAFFIC
  claim: all traffic on the latest revision
  check: {{kind: cloud_run_service, service: oli-api, traffic: latest}}
"""
ALL_TRUE = {h: "TRUE" for h in ("ENV", "IAM", "INGRESS", "SA", "SCALE", "IMAGE", "TRAFFIC")}


def _revision(state: dict[str, Any], short: str = READY) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in state["revisions"] if r["name"].endswith("/" + short))
    return found


def _env(state: dict[str, Any]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = _revision(state)["containers"][0]["env"]
    return env


def _set(state: dict[str, Any], name: str, value: str) -> None:
    for e in _env(state):
        if e["name"] == name:
            e.clear()
            e.update(name=name, value=value)


def _service(state: dict[str, Any]) -> dict[str, Any]:
    svc: dict[str, Any] = state["services"][0]
    return svc


CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("the audience set to the endpoint's URL",
     lambda s: _set(s, "INVOKER_TOKEN_AUDIENCE", URL + "/integrations/withings/backfill"), "ENV"),
    ("the SUBS allowlist removed", lambda s: _env(s).pop(2), "ENV"),
    ("DEBUG set", lambda s: _env(s).append({"name": "DEBUG", "value": "1"}), "ENV"),
    ("the client secret pasted as a literal", lambda s: _set(s, "WITHINGS_CLIENT_SECRET", "abc"), "ENV"),
    ("the function's grant removed",
     lambda s: s["policies"][SERVICE]["bindings"][0]["members"].pop(0), "IAM"),
    ("allUsers granted",
     lambda s: s["policies"][SERVICE]["bindings"][0]["members"].append("allUsers"), "IAM"),
    ("allAuthenticatedUsers granted",
     lambda s: s["policies"][SERVICE]["bindings"].append(
         {"role": "roles/run.invoker", "members": ["allAuthenticatedUsers"]}), "IAM"),
    ("the invoker IAM check turned off", lambda s: _service(s).update(invokerIamDisabled=True), "IAM"),
    ("ingress internal", lambda s: _service(s).update(ingress="INGRESS_TRAFFIC_INTERNAL_ONLY"), "INGRESS"),
    ("the default compute account",
     lambda s: _revision(s).update(serviceAccount="1010034434203-compute@developer.gserviceaccount.com"),
     "SA"),
    ("a warm instance", lambda s: _revision(s)["scaling"].update(minInstanceCount=1), "SCALE"),
    ("a service-wide minimum", lambda s: _service(s).update(scaling={"minInstanceCount": 2}), "SCALE"),
    ("up to 100 instances", lambda s: _revision(s)["scaling"].update(maxInstanceCount=100), "SCALE"),
    ("another image", lambda s: _revision(s)["containers"][0].update(
        image="us-central1-docker.pkg.dev/oli-prod/oli/api@sha256:" + "0a" * 32), "IMAGE"),
    ("traffic pinned to the older revision",
     lambda s: _service(s).update(trafficStatuses=[{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                                                    "revision": OLD, "percent": 100}]), "TRAFFIC"),
    ("a 90/10 split",
     lambda s: _service(s).update(trafficStatuses=[
         {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 90},
         {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": OLD, "percent": 10}]), "TRAFFIC"),
]


def test_every_claim_holds_on_the_fakes_state(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == ALL_TRUE, res.stdout
    assert res.results["gate"]["runtime_proof_claimed"] is True
    env = res.results["hypotheses"][0]["checks"][0]
    assert env["values"]["revision"] == READY
    assert "gcloud run services describe oli-api --region us-central1 --project oli-prod --format=json" in \
        env["reproduce"]
    assert f"gcloud run revisions describe {READY} --region us-central1" in env["reproduce"]
    assert f"curl -s {fake.endpoint}/v2/{SERVICE}/revisions/{READY}" in env["reproduce"]


@pytest.mark.parametrize(("why", "change", "moved"), CHANGES, ids=[c[0] for c in CHANGES])
def test_one_changed_fact_moves_its_claim(tmp_path: Path, why: str, change: Callable[[dict[str, Any]], None],
                                          moved: str) -> None:
    state = copy.deepcopy(cloud())
    change(state)
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", moved, cwd=tmp_path)
    assert res.verdicts == {moved: "FALSE"}, res.stdout


def test_a_secret_reference_cannot_be_compared_so_equals_is_unknown(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        gcp_spec(tmp_path, fake.endpoint, """
            - id: H
              claim: the client secret is the one we think
              check: {kind: cloud_run_service, service: oli-api, env: {equals: {WITHINGS_CLIENT_SECRET: x}}}
        """)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H": "UNKNOWN"}
    assert ("WITHINGS_CLIENT_SECRET comes from Secret Manager (secret withings-client-secret, version 3): "
            "its value is not read") in res.results["hypotheses"][0]["reason"]


def test_a_grant_under_a_condition_proves_nothing_and_flags_an_exclusion(tmp_path: Path) -> None:
    state = cloud()
    until = {"title": "until March", "expression": "request.time < timestamp('2026-03-01T00:00:00Z')"}
    state["policies"][SERVICE]["bindings"] = [{"role": "roles/run.invoker", "condition": until,
                                               "members": [f"serviceAccount:{FUNCTION_SA}"]}]
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, f"""
            - id: INCLUDE
              claim: the function may invoke it
              check: {{kind: cloud_run_service, service: oli-api, invokers: {{include: [{FUNCTION_SA}]}}}}
            - id: EXCLUDE
              claim: the function may not invoke it
              check: {{kind: cloud_run_service, service: oli-api, invokers: {{exclude: [{FUNCTION_SA}]}}}}
        """)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"INCLUDE": "UNKNOWN", "EXCLUDE": "FALSE"}
    assert "only under a condition (until March)" in res.results["hypotheses"][0]["reason"]


def test_a_public_service_can_be_claimed_public(tmp_path: Path) -> None:
    state = cloud()
    state["policies"][SERVICE]["bindings"][0]["members"].append("allUsers")
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, """
            - id: PUBLIC
              claim: a public web service
              check: {kind: cloud_run_service, service: oli-api, invokers: {public: true}}
            - id: PRIVATE
              claim: not public
              check: {kind: cloud_run_service, service: oli-api, invokers: {public: false}}
        """)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"PUBLIC": "TRUE", "PRIVATE": "FALSE"}
    assert "public: allUsers may invoke it" in res.results["hypotheses"][1]["reason"]


def test_an_image_named_by_tag_cannot_prove_its_digest(tmp_path: Path) -> None:
    state = cloud()
    _revision(state)["containers"][0]["image"] = "us-central1-docker.pkg.dev/oli-prod/oli/api:v18"
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, f"""
            - id: H
              claim: the released image
              check: {{kind: cloud_run_service, service: oli-api, image_digest: "{DIGEST}"}}
        """)
        res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H": "UNKNOWN"}
    assert "names its image by tag" in res.results["hypotheses"][0]["reason"]


@pytest.mark.parametrize(("change", "fix"), [
    ({"disabled": ["run.googleapis.com"]}, "gcloud services enable run.googleapis.com --project=oli-prod"),
    ({"denied": ["run.services.getIamPolicy"]},
     "gcloud projects add-iam-policy-binding oli-prod --member=user:$(gcloud config get-value account) "
     "--role=roles/run.viewer"),
    ({"services": []}, "gcloud run services list --project oli-prod --region us-central1"),
])
def test_what_cannot_be_read_is_unknown_with_its_fix_never_false(tmp_path: Path, change: dict[str, Any],
                                                                 fix: str) -> None:
    state = {**cloud(), **change}
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", "IAM", cwd=tmp_path)
    assert res.verdicts == {"IAM": "UNKNOWN"}
    assert fix in res.results["hypotheses"][0]["reason"]
    assert res.exit_code == 3


def test_a_service_without_a_ready_revision_is_unknown(tmp_path: Path) -> None:
    state = cloud()
    del _service(state)["latestReadyRevision"]
    with FakeCloud(state) as fake:
        gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        res = certify("run", "-q", "--only", "ENV", cwd=tmp_path)
    assert res.verdicts == {"ENV": "UNKNOWN"}
    assert "service oli-api has no ready revision" in res.results["hypotheses"][0]["reason"]


def test_a_literal_secret_in_the_services_environment_reaches_no_output(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        gcp_spec(tmp_path, fake.endpoint, """
            - id: PRESENT
              claim: the key is set
              check: {kind: cloud_run_service, service: oli-api, env: {present: [STRIPE_API_KEY]}}
            - id: EQUALS
              claim: the key is the test key
              check: {kind: cloud_run_service, service: oli-api, env: {equals: {STRIPE_API_KEY: sk-test}}}
            - id: ABSENT
              claim: no key
              check: {kind: cloud_run_service, service: oli-api, env: {absent: [STRIPE_API_KEY]}}
            - id: SECRET
              claim: the key comes from Secret Manager
              check: {kind: cloud_run_service, service: oli-api, env: {from_secret: [STRIPE_API_KEY]}}
        """)
        junit, results = tmp_path / "out" / "junit.xml", tmp_path / "out" / "results.json"
        res = certify("run", "-v", "--junit", str(junit), "--json", str(results), cwd=tmp_path)
    assert res.verdicts == {"PRESENT": "TRUE", "EQUALS": "FALSE", "ABSENT": "FALSE", "SECRET": "FALSE"}
    text = outputs(res.pack, junit.read_text(), results.read_text(), res.stdout, res.stderr)
    assert "STRIPE_API_KEY" in text and PLANTED not in text and PLANTED[:12] not in text
    assert "holds a literal value, not a Secret Manager reference (the value is not shown)" in text


@pytest.mark.parametrize(("check", "message"), [
    ("{kind: cloud_run_service, service: Oli_API, ingress: all}", 'service: "Oli_API" is not a Cloud Run'),
    ("{kind: cloud_run_service, service: oli-api}", "give at least one of env, ingress, invokers"),
    ("{kind: cloud_run_service, service: oli-api, image_digest: sha256:abc}",
     "is not sha256:<64 hex digits>"),
    ("{kind: cloud_run_service, service: oli-api, env: {}}", "give at least one of present, one_of"),
    ('{kind: cloud_run_service, service: oli-api, env: {present: ["${UNSET_NAME:-}"]}}',
     'present: "" is not a variable name (an unset variable?)'),
    ("{kind: cloud_run_service, service: oli-api, env: {present: [A], absent: [A]}}",
     "absent and present/equals/from_secret both name A"),
    ("{kind: cloud_run_service, service: oli-api, ingress: everyone}", "ingress"),
])
def test_bad_claims_are_spec_errors_naming_the_line(tmp_path: Path, check: str, message: str) -> None:
    line = spec_error(tmp_path, check)
    assert message in line, line


def test_no_credentials_is_unknown_with_the_login_command(tmp_path: Path) -> None:
    with FakeCloud(cloud()) as fake:
        spec = gcp_spec(tmp_path, fake.endpoint, CLAIMS)
        spec.write_text(spec.read_text().replace("credentials: anonymous, ", ""))
        res = certify("run", "-q", "--only", "ENV", cwd=tmp_path,
                      env={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "no-such-key.json")})
    assert res.verdicts == {"ENV": "UNKNOWN"} and res.exit_code == 3
    assert res.results["hypotheses"][0]["reason"] == (
        "Cloud Run Admin API: no Google credentials found (fix: gcloud auth application-default login, or "
        "set GOOGLE_APPLICATION_CREDENTIALS)")

"""`cloud_scheduler_job`: a Cloud Scheduler job is configured as claimed and its last attempt
went as it should, read from the Cloud Scheduler API (v1) through the `gcp` target.

The audience of a job's OIDC token is the one it configures, else its target URL (Cloud
Scheduler's rule): the evidence says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.spec.binder import meta
from certify.targets.gcp import GcpTarget, JobFacts


@dataclass(frozen=True)
class OidcClaims:
    """The OIDC ID token the job sends (not an OAuth access token)."""

    service_account: str | None = field(default=None, metadata=meta("the service account it signs as"))
    audience: str | None = field(default=None, metadata=meta(
        "the token's audience (the configured one, else the target URL)"))


@dataclass(frozen=True)
class CloudSchedulerJobFields:
    """Facts about one Cloud Scheduler job: its HTTP target, token, schedule, state and last attempt."""

    job: str = field(metadata=meta("the job name (in the target's project, location = its region)"))
    url: str | None = field(default=None, metadata=meta("the exact URL it calls"))
    method: Literal["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = field(
        default=None, metadata=meta("the HTTP method it calls with"))
    oidc: OidcClaims | None = field(default=None, metadata=meta(
        "it sends an OIDC ID token, with this service account and audience"))
    schedule: str | None = field(default=None, metadata=meta('its schedule, exactly (e.g. "0 */6 * * *")'))
    time_zone: str | None = field(default=None, metadata=meta("its time zone (unset = UTC)"))
    state: Literal["enabled", "paused", "disabled"] | None = field(default=None, metadata=meta(
        "enabled, paused or disabled"))
    last_attempt: Literal["ok", "failed"] | None = field(default=None, metadata=meta(
        "ok = its last attempt succeeded (a job never attempted proves neither)"))

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,500}", self.job):
            raise ValueError(f'job: "{self.job}" is not a job name (letters, digits, - and _)')
        claims = (self.url, self.method, self.oidc, self.schedule, self.time_zone, self.state,
                  self.last_attempt)
        if all(c is None for c in claims):
            raise ValueError("give at least one of url, method, oidc, schedule, time_zone, state, "
                             "last_attempt")


def _token(j: JobFacts) -> str:
    if j.oidc_account is not None:
        configured = "" if j.oidc_audience else " (no audience configured: the target URL)"
        return f"OIDC ID token as {j.oidc_account or '(no account)'}, audience {j.audience}{configured}"
    if j.oauth_account is not None:
        return f"OAuth access token as {j.oauth_account} (not an ID token)"
    return "no token"


def _compare(out: Outcome, where: str, label: str, have: str, want: str | None, fold: bool = False) -> None:
    if want is None:
        return
    same = have.lower() == want.lower() if fold else have == want
    if not same:
        out.findings.append(Finding(where, f"{label} {have or '(none)'}, expected {want}"))


def run(f: CloudSchedulerJobFields, ctx: CheckContext[CloudSchedulerJobFields]) -> Outcome:
    t: GcpTarget = ctx.target
    name = t.job_name(f.job)
    out = ctx.outcome(ran=f"GET {name} (Cloud Scheduler API v1)",
                      reproduce=t.reproduce([t.describe_job(f.job)], [f"/v1/{name}"]))
    j = t.job_facts(f.job, ctx.remaining)
    where = f"job {f.job}"
    lines = [f"job {f.job} (project {t.project}, location {t.region}): {j.state}",
             f"target: {j.method + ' ' + j.uri if j.target == 'http' else j.target + ' target'}",
             f"token: {_token(j)}", f"schedule: {j.schedule} ({j.time_zone})",
             f"last attempt: {j.last_status()}"]
    out.output = "\n".join(lines)
    out.values.update(state=j.state, url=j.uri, method=j.method, audience=j.audience or "",
                      service_account=j.oidc_account or "", last_attempt=j.last_status())
    if (f.url or f.method or f.oidc) and j.target != "http":
        out.findings.append(Finding(where, f"has a {j.target} target, not an HTTP one"))
    else:
        _compare(out, where, "calls", j.uri, f.url)
        _compare(out, where, "method", j.method, f.method)
    if f.oidc is not None and j.target == "http":
        if j.oidc_account is None:
            out.findings.append(Finding(where, f"sends {_token(j)}, expected an OIDC ID token"))
        else:
            _compare(out, where, "signs as", j.oidc_account, f.oidc.service_account, fold=True)
            _compare(out, where, "sends audience", j.audience or "", f.oidc.audience)
    _compare(out, where, "schedule", j.schedule, f.schedule)
    _compare(out, where, "time zone", j.time_zone, f.time_zone)
    _compare(out, where, "state", j.state, f.state.upper() if f.state else None)
    if f.last_attempt is not None:
        if j.last_attempt is None:
            out.unproven.append(f"job {f.job} was never attempted: its last attempt proves nothing")
        elif (j.status_code == 0) != (f.last_attempt == "ok"):
            out.findings.append(Finding(where, f"last attempt {j.last_status()}, expected {f.last_attempt}"))
    claimed = [k.replace("_", " ") for k in ("url", "method", "oidc", "schedule", "time_zone", "state",
                                             "last_attempt") if getattr(f, k) is not None]
    out.reason = f"job {f.job}: {', '.join(claimed)} as claimed"
    return out


KIND = KindSpec(
    name="cloud_scheduler_job",
    summary="a Cloud Scheduler job calls what it should, with the right token, and its last attempt "
            "succeeded",
    fields=CloudSchedulerJobFields,
    run=run,
    proof="runtime",
    target_type="gcp",
    default_timeout=60.0,
    parallel=8,
    example="""\
- kind: cloud_scheduler_job
  job: nightly-reconcile
  url: https://oli-api-1010034434203.us-central1.run.app/jobs/reconcile
  method: POST
  oidc:
    service_account: scheduler@oli-prod.iam.gserviceaccount.com
    audience: https://oli-api-1010034434203.us-central1.run.app
  state: enabled
  last_attempt: ok
""",
)

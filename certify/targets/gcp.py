"""The gcp target: a Google Cloud project and region whose Cloud Run services and Cloud Scheduler
jobs certify reads, read-only (get and list calls), through Google's own clients over REST
(google-cloud-run, google-cloud-scheduler; `gcp_api` imports them when a check first asks).

`api_endpoint` points both clients at another endpoint (a local fake of the two APIs); `start`
starts that fake for the run and stops it afterwards, like an http target's `start`.

What is read comes back as the APIs' documented JSON and is turned here into small facts:
a service's latest ready revision (its containers' environment, service account, scaling,
image), its ingress and traffic, its IAM policy, and scheduler jobs. Values of environment
variables are kept for comparison only; nothing here prints them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from certify.errors import CheckError
from certify.spec.binder import meta
from certify.spec.model import TargetSpec

T = TypeVar("T")

RUN_API = "run.googleapis.com"
SCHEDULER_API = "cloudscheduler.googleapis.com"
API_TITLES = {RUN_API: "Cloud Run Admin API", SCHEDULER_API: "Cloud Scheduler API"}
VIEWER_ROLES = {RUN_API: "roles/run.viewer", SCHEDULER_API: "roles/cloudscheduler.viewer"}
INVOKER = "roles/run.invoker"
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"

# google.rpc.Code, the `status.code` of a scheduler job's last attempt
RPC_CODES = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
             "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
             "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]


@dataclass(frozen=True)
class GcpConfig:
    """A Google Cloud project and region: where Cloud Run services and Cloud Scheduler jobs are."""

    project: str = field(metadata=meta("the project id"))
    region: str = field(metadata=meta(
        "the region of the services and location of the jobs, e.g. us-central1"))
    credentials: Literal["default", "anonymous"] = field(default="default", metadata=meta(
        "default = Google's application-default chain; anonymous = none (a local fake only)"))
    api_endpoint: str | None = field(default=None, metadata=meta(
        "another endpoint for both APIs (a local fake), e.g. http://127.0.0.1:{port}; default Google's"))
    start: str | None = field(default=None, metadata=meta(
        "a command that starts that fake; {port} is a free port certify picked (also in api_endpoint)"))
    ready_timeout: float = field(default=30.0, metadata=meta("seconds to wait for the started fake"))
    page_size: int = field(default=500, metadata=meta("scheduler jobs per page (at most 500)"))

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9.:-]*", self.project):
            raise ValueError(f'project: "{self.project}" is not a project id (lower-case letters, digits, -)')
        if not re.fullmatch(r"[a-z]+-[a-z]+[0-9]+", self.region):
            raise ValueError(f'region: "{self.region}" is not a region (e.g. us-central1)')
        if self.start and not self.api_endpoint:
            raise ValueError("start: give api_endpoint too (http://127.0.0.1:{port}): the clients must "
                             "reach what it starts")
        if self.api_endpoint and not re.match(r"^https?://[^/\s]+/?$", self.api_endpoint):
            raise ValueError(f'api_endpoint: "{self.api_endpoint}" is not http(s)://host[:port]')
        if not 1 <= self.page_size <= 500:
            raise ValueError(f"page_size: {self.page_size} is not between 1 and 500")


# ---------------------------------------------------------------- facts read from the APIs


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None  # a literal value (compared, never printed); None for a secret reference
    secret: str | None = None  # "secret NAME, version V": a Secret Manager reference

    @property
    def state(self) -> str:
        """"secret" (a reference), "set", "blank" (only whitespace) or "not set" (empty)."""
        if self.secret is not None:
            return "secret"
        value = self.value or ""
        return "set" if value.strip() else "blank" if value else "not set"

    def shown(self) -> str:
        """How the variable is shown, after its name ("X is set ..."): never its value. (Not "X: set":
        redaction takes `API_KEY: ...` for a credential and masks what follows.)"""
        return {"secret": f"comes from Secret Manager ({self.secret})",
                "set": "is set (literal value, not shown)", "blank": "is set but blank",
                "not set": "is set to an empty value"}[self.state]


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    env: dict[str, EnvVar]
    ingress: bool  # it declares a port: the container that receives requests

    @property
    def digest(self) -> str | None:
        """The image's sha256 digest when the image is named by digest."""
        m = re.search(r"@(sha256:[0-9a-f]{64})$", self.image)
        return m.group(1) if m else None


@dataclass(frozen=True)
class TrafficShare:
    percent: int
    revision: str  # short name; "" with `latest`
    latest: bool  # allocated to whatever revision is the latest ready one


@dataclass(frozen=True)
class ServiceFacts:
    """A service and its latest ready revision."""

    name: str  # projects/P/locations/R/services/S
    revision: str  # the latest ready revision's short name
    uri: str
    urls: tuple[str, ...]
    ingress: str  # INGRESS_TRAFFIC_ALL ...
    invoker_iam_disabled: bool
    reconciling: bool
    traffic: tuple[TrafficShare, ...]
    containers: tuple[Container, ...]
    service_account: str
    min_instances: int
    max_instances: int | None
    service_min_instances: int | None  # the service-wide minimum, when set

    @property
    def short(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    def latest_percent(self) -> int:
        """The share of traffic the latest ready revision serves."""
        return sum(t.percent for t in self.traffic if t.latest or t.revision == self.revision)

    def hosts(self) -> set[str]:
        """The host names the service answers on (its run.app URLs)."""
        return {urlsplit(u).netloc.lower() for u in (self.uri, *self.urls) if u}

    def container(self, name: str | None) -> Container:
        """The named container, or else the only one, or else the one that receives requests."""
        if name is not None:
            for c in self.containers:
                if c.name == name:
                    return c
            have = ", ".join(c.name or "(unnamed)" for c in self.containers)
            raise CheckError(f"revision {self.revision} has no container named {name} (it has {have})")
        if not self.containers:
            raise CheckError(f"revision {self.revision} has no container")
        serving = [c for c in self.containers if c.ingress]
        return self.containers[0] if len(self.containers) == 1 or not serving else serving[0]


@dataclass(frozen=True)
class Binding:
    role: str
    members: tuple[str, ...]
    condition: str | None  # the condition's title or expression; None = unconditional


@dataclass(frozen=True)
class JobFacts:
    name: str  # projects/P/locations/R/jobs/J
    target: str  # "http", "pubsub", "app engine" or "none"
    uri: str
    method: str  # POST, GET ... ("" when the target has none)
    oidc_account: str | None
    oidc_audience: str | None  # as configured; unset = Cloud Scheduler uses the target URL
    oauth_account: str | None
    schedule: str
    time_zone: str
    state: str  # ENABLED, PAUSED, DISABLED, UPDATE_FAILED
    last_attempt: str | None  # time of the last attempt
    status_code: int
    status_message: str

    @property
    def short(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    @property
    def audience(self) -> str | None:
        """The audience of its OIDC tokens: the configured one, else the target URL."""
        if self.oidc_account is None:
            return None
        return self.oidc_audience or self.uri

    def last_status(self) -> str:
        if self.last_attempt is None:
            return "never attempted"
        if self.status_code == 0:
            return f"OK at {self.last_attempt}"
        known = 0 <= self.status_code < len(RPC_CODES)
        code = RPC_CODES[self.status_code] if known else str(self.status_code)
        said = f": {self.status_message}" if self.status_message else ""
        return f"failed at {self.last_attempt} with {code}{said}"


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _int(value: Any, default: int | None) -> int | None:
    """A JSON int64 (a string in the REST JSON) or int; proto3 leaves zeros out."""
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def service_facts(service: dict[str, Any], revision: dict[str, Any]) -> ServiceFacts:
    """Facts of a service (Service JSON) and of its latest ready revision (Revision JSON)."""
    containers = []
    for c in revision.get("containers") or []:
        env: dict[str, EnvVar] = {}
        for e in c.get("env") or []:
            ref = (e.get("valueSource") or {}).get("secretKeyRef")
            if ref is not None:
                env[e["name"]] = EnvVar(e["name"], None, f"secret {ref.get('secret', '?')}, version "
                                                         f"{ref.get('version') or 'latest'}")
            else:
                env[e["name"]] = EnvVar(e["name"], str(e.get("value", "")))
        containers.append(Container(str(c.get("name", "")), str(c.get("image", "")), env,
                                    bool(c.get("ports"))))
    scaling = revision.get("scaling") or {}
    traffic = tuple(TrafficShare(_int(t.get("percent"), 0) or 0, _short(str(t.get("revision", ""))),
                                 t.get("type") == LATEST)
                    for t in service.get("trafficStatuses") or [])
    return ServiceFacts(
        name=str(service["name"]), revision=_short(str(service.get("latestReadyRevision", ""))),
        uri=str(service.get("uri", "")), urls=tuple(service.get("urls") or ()),
        ingress=str(service.get("ingress", "INGRESS_TRAFFIC_UNSPECIFIED")),
        invoker_iam_disabled=bool(service.get("invokerIamDisabled")),
        reconciling=bool(service.get("reconciling")), traffic=traffic, containers=tuple(containers),
        service_account=str(revision.get("serviceAccount", "")),
        min_instances=_int(scaling.get("minInstanceCount"), 0) or 0,
        max_instances=_int(scaling.get("maxInstanceCount"), None),
        service_min_instances=_int((service.get("scaling") or {}).get("minInstanceCount"), None),
    )


def bindings(policy: dict[str, Any]) -> list[Binding]:
    """The bindings of an IAM Policy JSON."""
    out = []
    for b in policy.get("bindings") or []:
        cond = b.get("condition")
        title = None
        if isinstance(cond, dict):
            title = cond.get("title") or cond.get("expression") or "a condition"
        out.append(Binding(str(b.get("role", "")), tuple(b.get("members") or ()), title))
    return out


def job_facts(job: dict[str, Any]) -> JobFacts:
    """Facts of a scheduler job (Job JSON)."""
    http = job.get("httpTarget")
    target = "http" if http is not None else "pubsub" if "pubsubTarget" in job else \
        "app engine" if "appEngineHttpTarget" in job else "none"
    http = http or {}
    oidc, oauth = http.get("oidcToken"), http.get("oauthToken")
    method = str(http.get("httpMethod", "")) if http else ""
    status = job.get("status") or {}
    return JobFacts(
        name=str(job["name"]), target=target, uri=str(http.get("uri", "")),
        method="POST" if target == "http" and method in ("", "HTTP_METHOD_UNSPECIFIED") else method,
        oidc_account=str(oidc.get("serviceAccountEmail", "")) if isinstance(oidc, dict) else None,
        oidc_audience=(str(oidc.get("audience") or "") or None) if isinstance(oidc, dict) else None,
        oauth_account=str(oauth.get("serviceAccountEmail", "")) if isinstance(oauth, dict) else None,
        schedule=str(job.get("schedule", "")), time_zone=str(job.get("timeZone", "") or "UTC"),
        state=str(job.get("state", "STATE_UNSPECIFIED")), last_attempt=job.get("lastAttemptTime"),
        status_code=_int(status.get("code"), 0) or 0, status_message=str(status.get("message", "")),
    )


# ---------------------------------------------------------------- what to say when a read fails


def error_line(api: str, project: str, region: str, code: int | None, reason: str, message: str,
               what: str, member: str) -> str:
    """One line for a failed call: what happened, and the one gcloud command that fixes it.
    `what` names the resource ("service oli-api"); `member` who to grant a viewer role to."""
    title = API_TITLES[api]
    head = f"{title}: {code or '?'} {reason + ': ' if reason else ''}{message}"
    if reason == "SERVICE_DISABLED":
        return (f"{title} is not enabled in project {project} (fix: gcloud services enable {api} "
                f"--project={project})")
    if code == 401:
        return f"{head} (fix: gcloud auth application-default login)"
    if code == 403:
        return (f"{head} (fix: gcloud projects add-iam-policy-binding {project} --member={member} "
                f"--role={VIEWER_ROLES[api]})")
    if code == 404:
        listing = (f"gcloud run services list --project {project} --region {region}" if api == RUN_API else
                   f"gcloud scheduler jobs list --project {project} --location {region}")
        return f"{title}: {what} not found in {region} of project {project} (see which exist: {listing})"
    return head


NO_CREDENTIALS = ("no Google credentials found (fix: gcloud auth application-default login, "
                  "or set GOOGLE_APPLICATION_CREDENTIALS)")


# ---------------------------------------------------------------- the target


class GcpTarget:
    def __init__(self, spec: TargetSpec) -> None:
        from certify.targets.http import Service  # a started fake is a service like any other

        self.name = spec.name
        self.config: GcpConfig = spec.config
        self.endpoint = self.config.api_endpoint
        self.service: Service | None = None
        self._api: Any = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        if self.config.start:
            self._start(spec)

    @property
    def project(self) -> str:
        return self.config.project

    @property
    def region(self) -> str:
        return self.config.region

    def _start(self, spec: TargetSpec) -> None:
        from certify.targets.http import Service, _free_port

        c = self.config
        assert c.start is not None and c.api_endpoint is not None
        port = str(_free_port()) if "{port}" in c.api_endpoint else str(urlsplit(c.api_endpoint).port or 80)
        self.endpoint = c.api_endpoint.replace("{port}", port)
        self.service = Service(c.start.replace("{port}", port), spec.base_dir)
        address = (urlsplit(self.endpoint).hostname or "127.0.0.1", int(port))
        deadline = time.monotonic() + c.ready_timeout
        while time.monotonic() < deadline:
            if not self.service.alive():
                tail = " | ".join(self.service.output().strip().splitlines()[-3:])
                self.close()
                raise CheckError(f"`{c.start}` exited before {self.endpoint} answered: {tail}")
            try:
                socket.create_connection(address, timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise CheckError(f"{self.endpoint} did not accept connections within {c.ready_timeout:g}s of "
                         f"`{c.start}`")

    def api(self) -> Any:
        with self._lock:
            if self._api is None:
                from certify.targets.gcp_api import Api

                self._api = Api(self)
            return self._api

    def _once(self, key: tuple[str, str], read: Callable[[], T]) -> T:
        """`read()` once per run for each key (checks share what they read); failures are not kept."""
        with self._lock:
            if key in self._cache:
                cached: T = self._cache[key]
                return cached
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._cache:
                    again: T = self._cache[key]
                    return again
            value = read()
            with self._lock:
                self._cache[key] = value
            return value

    # ------------------------------------------------------------ reads

    def service_name(self, service: str) -> str:
        return f"projects/{self.project}/locations/{self.region}/services/{service}"

    def job_name(self, job: str) -> str:
        return f"projects/{self.project}/locations/{self.region}/jobs/{job}"

    def service_facts(self, service: str, timeout: float) -> ServiceFacts:
        """The service and its latest ready revision; an error when it has none."""
        def read() -> ServiceFacts:
            api = self.api()
            svc = api.get_service(self.service_name(service), timeout)
            latest = svc.get("latestReadyRevision")
            if not latest:
                raise CheckError(f"service {service} has no ready revision (latest created: "
                                 f"{_short(str(svc.get('latestCreatedRevision') or 'none'))}); "
                                 f"see why: {self.describe_service(service)}")
            return service_facts(svc, api.get_revision(str(latest), timeout))

        return self._once(("service", service), read)

    def policy(self, service: str, timeout: float) -> list[Binding]:
        return self._once(("policy", service),
                          lambda: bindings(self.api().get_iam_policy(self.service_name(service), timeout)))

    def job_facts(self, job: str, timeout: float) -> JobFacts:
        return self._once(("job", job), lambda: job_facts(self.api().get_job(self.job_name(job), timeout)))

    def jobs(self, timeout: float) -> list[JobFacts]:
        """Every scheduler job of the region, all pages."""
        parent = f"projects/{self.project}/locations/{self.region}"
        return self._once(("jobs", ""), lambda: [job_facts(j) for j in self.api().list_jobs(parent, timeout)])

    # ------------------------------------------------------------ reproduce lines

    def _where(self, location_flag: str) -> str:
        return f"{location_flag} {shlex.quote(self.region)} --project {shlex.quote(self.project)}"

    def describe_service(self, service: str) -> str:
        return f"gcloud run services describe {shlex.quote(service)} {self._where('--region')} --format=json"

    def describe_revision(self, revision: str) -> str:
        return f"gcloud run revisions describe {shlex.quote(revision)} {self._where('--region')} " \
               "--format=json"

    def describe_policy(self, service: str) -> str:
        return f"gcloud run services get-iam-policy {shlex.quote(service)} {self._where('--region')} " \
               "--format=json"

    def describe_job(self, job: str) -> str:
        return f"gcloud scheduler jobs describe {shlex.quote(job)} {self._where('--location')}"

    def list_jobs(self) -> str:
        return f"gcloud scheduler jobs list {self._where('--location')} --format=json"

    def reproduce(self, gcloud: list[str], rest: list[str]) -> str:
        """The gcloud commands; against another endpoint, the REST reads this run made there first
        (`rest`: paths under the endpoint), since gcloud reads Google's."""
        line = " && ".join(gcloud)
        if not self.endpoint:
            return line
        reads = " && ".join(f"curl -s {shlex.quote(self.endpoint.rstrip('/') + path)}" for path in rest)
        return f"{reads}  # against Google: {line}"

    # ------------------------------------------------------------ target protocol

    def describe(self) -> str:
        where = f"project {self.project}, region {self.region}"
        if self.endpoint:
            started = f", started by certify: {self.config.start}" if self.config.start else ""
            where += f" (API endpoint {self.endpoint}{started})"
        return where

    def facts(self) -> dict[str, str]:
        from importlib.metadata import PackageNotFoundError, version

        out = {f"gcp {self.name}": self.describe()}
        for package in ("google-cloud-run", "google-cloud-scheduler"):
            try:
                out[package] = version(package)
            except PackageNotFoundError:
                out[package] = "not installed"
        return out

    def how_to_connect(self) -> str:
        if self.endpoint:
            url = f"{self.endpoint.rstrip('/')}/v2/projects/{self.project}/locations/{self.region}/services"
            return f"curl -s {shlex.quote(url)}"
        return f"gcloud run services list {self._where('--region')}"

    def close(self) -> None:
        if self.service is not None:
            self.service.stop()
            with contextlib.suppress(OSError):
                os.unlink(self.service.log.name)
            self.service = None


def open_target(spec: TargetSpec) -> GcpTarget:
    return GcpTarget(spec)

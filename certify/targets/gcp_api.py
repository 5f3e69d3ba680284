"""Cloud Run Admin API v2 and Cloud Scheduler API v1 through Google's own clients, over REST.
Imported only when a gcp check runs: the two libraries take about 0.3 s to import.

Every read returns the resource as the REST API documents it (camelCase JSON, enums by name),
and every failure becomes a CheckError of one line ending with the gcloud command that fixes
it: no credentials, the API not enabled, permission denied, not found, the endpoint unreachable.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core import retry as gretry
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exc
from google.cloud import run_v2, scheduler_v1

from certify.errors import CheckError
from certify.targets.gcp import API_TITLES, NO_CREDENTIALS, RUN_API, SCHEDULER_API, GcpTarget, error_line

_TRANSIENT = gretry.if_exception_type(gexc.ServiceUnavailable, gexc.DeadlineExceeded)


def _json(message: Any) -> dict[str, Any]:
    """A proto-plus message as its REST JSON: camelCase, enums by name, default values left out."""
    out: dict[str, Any] = type(message).to_dict(message, use_integers_for_enums=False,
                                                preserving_proto_field_name=False,
                                                always_print_fields_with_no_presence=False)
    return out


def _policy_json(policy: Any) -> dict[str, Any]:
    """An IAM Policy (a protobuf message, not proto-plus) as its REST JSON: the bindings."""
    bindings = []
    for b in policy.bindings:
        binding: dict[str, Any] = {"role": b.role, "members": list(b.members)}
        if b.HasField("condition"):
            binding["condition"] = {"title": b.condition.title, "expression": b.condition.expression}
        bindings.append(binding)
    return {"version": policy.version, "bindings": bindings}


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _message(exc: gexc.GoogleAPICallError) -> str:
    """Google's message without the request line the REST transport puts before it."""
    text = " ".join(str(exc.message or exc).split())
    return re.sub(r"^[A-Z]+ \S+: ", "", text)[:300]


class Api:
    """The clients of one gcp target, made on first use."""

    def __init__(self, target: GcpTarget) -> None:
        self.target = target
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()  # checks run in threads: one client of each kind

    def _client(self, kind: str) -> Any:
        with self._lock:
            return self._make(kind)

    def _make(self, kind: str) -> Any:
        if kind not in self._clients:
            c = self.target.config
            kwargs: dict[str, Any] = {"transport": "rest"}
            if self.target.endpoint:
                kwargs["client_options"] = ClientOptions(api_endpoint=self.target.endpoint)
            if c.credentials == "anonymous":
                from google.auth.credentials import AnonymousCredentials

                kwargs["credentials"] = AnonymousCredentials()  # type: ignore[no-untyped-call]
            make = {"services": run_v2.ServicesClient, "revisions": run_v2.RevisionsClient,
                    "scheduler": scheduler_v1.CloudSchedulerClient}[kind]
            try:
                self._clients[kind] = make(**kwargs)
            except auth_exc.DefaultCredentialsError:
                api = SCHEDULER_API if kind == "scheduler" else RUN_API
                raise CheckError(f"{API_TITLES[api]}: {NO_CREDENTIALS}") from None
        return self._clients[kind]

    def _member(self) -> str:
        """Who to grant a viewer role to: the service account the credentials are, else the gcloud
        account of whoever runs the fix."""
        for client in self._clients.values():
            email = getattr(getattr(client, "_transport", None), "_credentials", None)
            email = getattr(email, "service_account_email", None)
            if isinstance(email, str) and "@" in email:
                return f"serviceAccount:{email}"
        return "user:$(gcloud config get-value account)"

    @contextlib.contextmanager
    def _errors(self, api: str, what: str) -> Iterator[None]:
        """Any failure inside, as one CheckError line with its fix."""
        try:
            yield
        except gexc.GoogleAPICallError as exc:
            t = self.target
            line = error_line(api, t.project, t.region, exc.code, exc.reason or "", _message(exc), what,
                              self._member())
            raise CheckError(line) from None
        except gexc.RetryError as exc:
            raise CheckError(f"{API_TITLES[api]}: gave up retrying: {exc.cause or exc}") from None
        except auth_exc.GoogleAuthError as exc:
            first = " ".join(str(exc).split())[:200]
            raise CheckError(f"{API_TITLES[api]}: credentials rejected: {first} (fix: gcloud auth "
                             "application-default login)") from None
        except OSError as exc:  # requests' connection errors are OSErrors
            first = " ".join(str(exc).split())[:200]
            where = self.target.endpoint or api
            raise CheckError(f"{API_TITLES[api]}: cannot reach {where}: {first}") from None

    @staticmethod
    def _opts(timeout: float) -> dict[str, Any]:
        """A deadline for the call, and retries of transient failures within it."""
        retry = gretry.Retry(predicate=_TRANSIENT, initial=0.2, maximum=2.0, timeout=min(timeout, 10.0))
        return {"timeout": timeout, "retry": retry}

    def get_service(self, name: str, timeout: float) -> dict[str, Any]:
        client = self._client("services")
        with self._errors(RUN_API, f"service {_short(name)}"):
            return _json(client.get_service(name=name, **self._opts(timeout)))

    def get_revision(self, name: str, timeout: float) -> dict[str, Any]:
        client = self._client("revisions")
        with self._errors(RUN_API, f"revision {_short(name)}"):
            return _json(client.get_revision(name=name, **self._opts(timeout)))

    def get_iam_policy(self, name: str, timeout: float) -> dict[str, Any]:
        client = self._client("services")
        with self._errors(RUN_API, f"service {_short(name)}"):
            return _policy_json(client.get_iam_policy(request={"resource": name}, **self._opts(timeout)))

    def get_job(self, name: str, timeout: float) -> dict[str, Any]:
        client = self._client("scheduler")
        with self._errors(SCHEDULER_API, f"job {_short(name)}"):
            return _json(client.get_job(name=name, **self._opts(timeout)))

    def list_jobs(self, parent: str, timeout: float) -> list[dict[str, Any]]:
        """Every job under `parent`, all pages (the pager asks for each next page)."""
        client = self._client("scheduler")
        with self._errors(SCHEDULER_API, "the job list"):
            pager = client.list_jobs(request={"parent": parent, "page_size": self.target.config.page_size},
                                     **self._opts(timeout))
            return [_json(job) for job in pager]

"""Cloud Logging through the google-cloud-logging client. Imported only when a spec reads
Cloud Logging: the library takes about 0.3 s to import.

Every failure becomes a CheckError with one line saying what to do: no credentials, the API
disabled, permission denied, a bad filter, the endpoint unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc
from google.cloud import logging as gl
from google.cloud.logging_v2.resource import Resource

from certify.errors import CheckError
from certify.targets.logs import CloudLoggingConfig

_GLOBAL = Resource(type="global", labels={})


class _ReaderClient(gl.Client):
    """A client that only reads. Listing entries creates a Logger per log name, and a Logger
    without a resource asks the GCE metadata server where it runs (seconds of timeouts off
    Google Cloud); a reader does not care, so every Logger gets a fixed resource."""

    def logger(self, name: str, *, labels: Any = None, resource: Any = None) -> Any:
        return super().logger(name, labels=labels, resource=resource or _GLOBAL)  # type: ignore[no-untyped-call]


def make_client(c: CloudLoggingConfig) -> Any:
    kwargs: dict[str, Any] = {"project": c.project, "_use_grpc": False}
    if c.endpoint:
        kwargs["client_options"] = {"api_endpoint": c.endpoint}
    try:
        if c.credentials == "anonymous":
            from google.auth.credentials import AnonymousCredentials

            kwargs["credentials"] = AnonymousCredentials()  # type: ignore[no-untyped-call]
        return _ReaderClient(**kwargs)  # type: ignore[no-untyped-call]
    except auth_exc.DefaultCredentialsError:
        raise CheckError("Cloud Logging: no Google credentials found; run `gcloud auth application-default "
                         "login` or set GOOGLE_APPLICATION_CREDENTIALS") from None


def list_entries(client: Any, c: CloudLoggingConfig, filter_text: str,
                 page_size: int | None = None) -> Iterator[dict[str, Any]]:
    """Entries matching the filter, newest first, as LogEntry JSON."""
    try:
        for entry in client.list_entries(resource_names=c.resource_names or [f"projects/{c.project}"],
                                         filter_=filter_text, order_by=gl.DESCENDING,
                                         page_size=min(page_size or c.page_size, 1000)):
            yield entry.to_api_repr()
    except gexc.GoogleAPICallError as exc:
        raise CheckError(explain(exc, c)) from None
    except auth_exc.GoogleAuthError as exc:
        raise CheckError(f"Cloud Logging: credentials rejected: {_first_line(exc)}; run `gcloud auth "
                         "application-default login` again") from None
    except OSError as exc:  # requests' connection errors are OSErrors
        raise CheckError(f"Cloud Logging: cannot reach {c.endpoint or 'logging.googleapis.com'}: "
                         f"{_first_line(exc)}") from None


def explain(exc: Any, c: CloudLoggingConfig) -> str:
    """One line: the status, Google's reason, and what to do about it."""
    reason = getattr(exc, "reason", None) or ""
    message = _first_line(getattr(exc, "message", "") or exc)
    code = getattr(exc, "code", "?")
    head = f"Cloud Logging: {code} {reason + ': ' if reason else ''}{message}"
    if reason == "SERVICE_DISABLED":
        return f"{head} (enable it: gcloud services enable logging.googleapis.com --project={c.project})"
    if code == 403:
        return f"{head} (the caller needs roles/logging.viewer on {c.project})"
    if code == 401:
        return f"{head} (the credentials are not accepted; run `gcloud auth application-default login`)"
    if code == 400:
        return f"{head} (Cloud Logging rejected the filter)"
    return head


def _first_line(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text[:300]

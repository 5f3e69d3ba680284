"""The HTTP target: a base URL with default headers, TLS verification on by default, and
optionally a service certify starts itself (`start`, with `{port}` a free port it picked),
waits for (`ready`), and stops afterwards, also when the run is interrupted. The
service's output becomes an attachment of the pack."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from certify.errors import CheckError
from certify.redact import MASK
from certify.spec.binder import meta
from certify.spec.model import TargetSpec
from certify.targets import cleanup

# Words that make a header a credential, wherever they stand in its name (Authorization,
# Proxy-Authorization, Cookie, Api-Key, X-Api-Key, Private-Token, X-Auth-Token, X-CSRFToken ...).
_CREDENTIAL_WORDS = frozenset({"authorization", "authentication", "auth", "cookie", "key", "apikey",
                               "token", "secret", "password", "passwd", "session", "signature",
                               "credential", "credentials", "jwt"})
_CREDENTIAL_ENDINGS = ("token", "secret", "apikey", "password", "cookie")


_SHAPED_HEADER = re.compile(r"(?i)^((proxy-)?authorization|cookie|x-[a-z0-9-]*(key|token|secret|signature))$")


def credential_header(name: str) -> bool:
    """Whether a header carries a credential: what an identity never inherits from the target,
    and whose value never reaches the pack."""
    words = [w for w in re.split(r"[-_\s]+", name.lower()) if w]
    return any(w in _CREDENTIAL_WORDS or w.endswith(_CREDENTIAL_ENDINGS) for w in words)


@dataclass(frozen=True)
class HttpConfig:
    """An HTTP service: where it is, how to call it, and optionally how to start it."""

    base_url: str = field(metadata=meta("e.g. http://127.0.0.1:{port} when certify starts it"))
    headers: dict[str, str] = field(default_factory=dict, metadata=meta(
        "sent with every request (secret ones never reach the pack)"))
    timeout: float = field(default=10.0, metadata=meta("seconds per request"))
    verify_tls: bool = field(default=True, metadata=meta("verify TLS certificates"))
    start: str | None = field(default=None, metadata=meta(
        "a command that starts the service; {port} is a free port certify picked"))
    ready: str | None = field(default=None, metadata=meta(
        "a path polled until it answers below 500 before any check runs"))
    ready_timeout: float = field(default=30.0, metadata=meta("seconds to wait for `ready`"))
    max_body: int = field(default=5_000_000, metadata=meta("bytes of a response body read at most"))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    ms: float

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _no_auth(r: Any) -> Any:
    """An auth hook that adds nothing (given, it keeps requests from reading ~/.netrc)."""
    return r


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def one_line(exc: BaseException) -> str:
    """The useful part of a requests/urllib3 error, on one line."""
    text = str(exc)
    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Read timed out[^.)]*)|(certificate verify failed[^'\")]*)",
                  text)
    core = next((g for g in (m.groups() if m else ()) if g), None)
    return f"{type(exc).__name__}: {core or ' '.join(text.split())[:200]}"


class Service:
    """A service started for the run: its process group and its log."""

    def __init__(self, command: str, cwd: Path) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the service
            prefix="certify-service-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(command, shell=True, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        cleanup.register(self)

    def identity(self) -> dict[str, object]:
        """What a later run needs to stop this service should this run die (see cleanup.reap)."""
        return {"what": "service", "pid": self.proc.pid, "group": True, "log": self.log.name}

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group may outlive its leader
            os.killpg(self.proc.pid, signal.SIGKILL)
        cleanup.unregister(self)


class HttpTarget:
    def __init__(self, spec: TargetSpec) -> None:
        self.name = spec.name
        self.config: HttpConfig = spec.config
        self.service: Service | None = None
        self.base_url = self.config.base_url
        self._log = ""
        if self.config.start:
            self._start(spec.base_dir)

    def _start(self, cwd: Path) -> None:
        c = self.config
        assert c.start is not None
        if "{port}" in c.base_url or "{port}" in c.start:
            port = str(_free_port()) if "{port}" in c.base_url else str(urlsplit(c.base_url).port or 80)
        else:
            port = ""
        self.base_url = c.base_url.replace("{port}", port)
        self.service = Service(c.start.replace("{port}", port), cwd)
        if c.ready is None:
            return
        deadline = time.monotonic() + c.ready_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self.service.alive():
                tail = " | ".join(self.service.output().strip().splitlines()[-3:])
                self.close()
                raise CheckError(f"the service exited with {self.service.proc.returncode} before "
                                 f"{c.ready} answered: {tail}")
            try:
                r = self.request("GET", c.ready, timeout=1.0)
                if r.status < 500:
                    return
                last = f"{r.status}"
            except CheckError as exc:
                last = str(exc)
            time.sleep(0.1)
        self.close()
        raise CheckError(f"{c.ready} did not answer within {c.ready_timeout:g}s ({last})")

    def url(self, path: str, inherit_auth: bool = True) -> str:
        """The URL of `path`; without the user and password of the base URL when `inherit_auth`
        is false."""
        url = path if re.match(r"^https?://", path) else \
            str(urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/")))
        if inherit_auth:
            return url
        parts = urlsplit(url)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    def defaults(self, inherit_auth: bool = True) -> dict[str, str]:
        """The target's default headers; without its credentials when `inherit_auth` is false."""
        return {k: v for k, v in self.config.headers.items()
                if inherit_auth or not credential_header(k)}

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                json: Any = None, timeout: float | None = None, inherit_auth: bool = True) -> Response:
        import requests
        from requests.auth import HTTPBasicAuth
        from requests.utils import get_auth_from_url

        merged = {**self.defaults(inherit_auth), **(headers or {})}
        url = self.url(path, inherit_auth)
        # Exactly the spec's headers: the user and password of the URL when the target's
        # credentials are inherited, and never ~/.netrc (requests reads it when no auth is given).
        user, password = get_auth_from_url(url)
        auth = HTTPBasicAuth(user, password) if user or password else _no_auth
        start = time.monotonic()
        try:
            with requests.request(method, url, headers=merged, json=json, auth=auth,
                                  timeout=timeout or self.config.timeout, verify=self.config.verify_tls,
                                  stream=True, allow_redirects=False) as r:
                body = bytearray()
                truncated = False
                for chunk in r.iter_content(65536):
                    body += chunk
                    if len(body) > self.config.max_body:
                        truncated = True
                        break
                ms = (time.monotonic() - start) * 1000
                return Response(r.status_code, dict(r.headers), bytes(body[: self.config.max_body]),
                                truncated, ms)
        except requests.RequestException as exc:
            raise CheckError(f"{method} {url}: {one_line(exc)}") from None

    def curl(self, method: str, path: str, headers: dict[str, str] | None = None,
             json_body: Any = None, inherit_auth: bool = True) -> str:
        import json

        parts = ["curl", "-sS", "-i", "-X", method]
        given = headers or {}
        for k, v in {**self.defaults(inherit_auth), **given}.items():
            # A check's credential is no known secret unless the spec lists its variable: a header
            # the secret shapes cannot tell is a credential (Api-Key, Private-Token ...) is masked
            # here; the target's own are known secrets, and Authorization, Cookie and X-...-Token
            # are shapes (a listed variable's value becomes a reference to it).
            if k in given and credential_header(k) and not _SHAPED_HEADER.match(k):
                v = MASK
            parts += ["-H", f"{k}: {v}"]
        if json_body is not None:
            parts += ["-H", "Content-Type: application/json", "--data", json.dumps(json_body)]
        if not self.config.verify_tls:
            parts.append("-k")
        parts.append(self.url(path, inherit_auth))
        return " ".join(shlex.quote(p) for p in parts)

    def how_to_connect(self) -> str:
        """A curl line to the service while it is up."""
        return f"curl -i {shlex.quote(self.base_url)}"

    def facts(self) -> dict[str, str]:
        started = f" (started by certify: {self.config.start})" if self.service else ""
        return {f"http {self.name}": f"{self.base_url}{started}"}

    def attachments(self) -> dict[str, str]:
        if self.service is None and not self._log:
            return {}
        return {f"service-{self.name}.log": self._log or (self.service.output() if self.service else "")}

    def close(self) -> None:
        if self.service is not None:
            self.service.stop()
            self._log = self.service.output()
            with contextlib.suppress(OSError):
                os.unlink(self.service.log.name)
            self.service = None


def config_secrets(config: HttpConfig) -> list[str]:
    """Values of sensitive default headers, and the credential part of Authorization."""
    out = []
    for name, value in config.headers.items():
        if credential_header(name) and value:
            out.append(value)
            scheme, _, cred = value.partition(" ")
            if cred and scheme.lower() in ("bearer", "basic", "token"):
                out.append(cred)
    return out

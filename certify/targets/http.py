"""The HTTP target: a base URL with default headers, TLS verification on by default, and
optionally a service certify starts itself (`start`, with `{port}` a free port it picked),
waits for (`ready`), and stops afterwards, also when the run is interrupted. The
service's output becomes an attachment of the pack.

The target's checks share one connection pool (a keep-alive connection serves the next request,
an auth_matrix's cells do not pay a TLS handshake each) and never share cookies."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from certify.errors import CheckError
from certify.spec.binder import meta
from certify.spec.model import TargetSpec

if TYPE_CHECKING:
    import requests

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
    ms: float  # from the first attempt's start: a reset and the request sent again both count
    retried: str = ""  # why the request was sent a second time (a reset connection), if it was

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


# Sent again, once, when the connection is reset: asking twice changes nothing on the service.
RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Idle connections kept per host: as many as checks can run at once (-j at most 256). A smaller
# pool would drop the extra connections, each time with a warning on stderr.
POOL_SIZE = 256


def _session() -> requests.Session:
    """The target's client: one connection pool, no cookie ever kept (a Set-Cookie answered to one
    check or identity must not ride along with another's request), and nothing read from the
    environment per request: `HttpTarget._settings` reads it once per origin, and ~/.netrc never."""
    from http.cookiejar import DefaultCookiePolicy

    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def was_reset(exc: BaseException) -> bool:
    """Whether a request failed because the connection was reset or closed under it (not refused,
    not timed out), wherever requests and urllib3 wrapped that."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ConnectionResetError | ConnectionAbortedError):  # RemoteDisconnected too
            return True
        todo += [x for x in (*e.args, e.__cause__, e.__context__, getattr(e, "reason", None))
                 if isinstance(x, BaseException)]
    return False


def _free_port() -> int:
    import socket  # only a started service needs it

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def one_line(exc: BaseException) -> str:
    """The useful part of a requests/urllib3 error, on one line."""
    text = str(exc)
    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Read timed out[^.)]*)|(certificate verify failed[^'\")]*)"
                  r"|(?:Error\(\d+, |RemoteDisconnected\()'([^']+)'\)", text)
    core = next((g for g in (m.groups() if m else ()) if g), None)
    return f"{type(exc).__name__}: {core or ' '.join(text.split())[:200]}"


class Service:
    """A service started for the run: its process group and its log."""

    def __init__(self, command: str, cwd: Path) -> None:
        import tempfile  # a started service needs them, a validated spec does not

        from certify.targets import cleanup

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
        from certify.targets import cleanup

        cleanup.unregister(self)


class HttpTarget:
    def __init__(self, spec: TargetSpec) -> None:
        self.name = spec.name
        self.config: HttpConfig = spec.config
        self.service: Service | None = None
        self.base_url = self.config.base_url
        self._log = ""
        self._client = _session()
        self._environment: dict[tuple[str, str], dict[str, Any]] = {}
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

    def _settings(self, url: str) -> dict[str, Any]:
        """What requests would take from the environment for `url` (proxies, a CA bundle), read
        once per origin: scanning the environment on every request costs more than the request."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._environment:
            import requests

            with requests.Session() as reader:  # trust_env: proxies, no_proxy, REQUESTS_CA_BUNDLE
                settings = reader.merge_environment_settings(url, {}, None, self.config.verify_tls, None)
            self._environment[key] = {"proxies": settings["proxies"], "verify": settings["verify"]}
        return self._environment[key]

    def _send(self, method: str, url: str, headers: dict[str, str], json: Any, auth: Any,
              timeout: float) -> tuple[int, dict[str, str], bytes, bool]:
        with self._client.request(method, url, headers=headers, json=json, auth=auth, timeout=timeout,
                                  stream=True, allow_redirects=False, **self._settings(url)) as r:
            body = bytearray()
            truncated = False
            for chunk in r.iter_content(65536):
                body += chunk
                if len(body) > self.config.max_body:
                    truncated = True
                    break
            return r.status_code, dict(r.headers), bytes(body[: self.config.max_body]), truncated

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                json: Any = None, timeout: float | None = None, inherit_auth: bool = True) -> Response:
        """Send exactly what the spec says. A GET, HEAD or OPTIONS whose connection is reset is
        sent once more (a service with a small listen backlog resets some of a wide fan-out);
        the answer then says so. Any failure left is a CheckError naming it in one line."""
        import requests
        from requests.auth import HTTPBasicAuth
        from requests.utils import get_auth_from_url

        merged = {**self.defaults(inherit_auth), **(headers or {})}
        url = self.url(path, inherit_auth)
        # Exactly the spec's headers: the user and password of the URL when the target's
        # credentials are inherited (and never ~/.netrc: the client does not read it).
        user, password = get_auth_from_url(url)
        auth = HTTPBasicAuth(user, password) if user or password else None
        limit = timeout or self.config.timeout
        start = time.monotonic()
        retried = ""
        while True:
            try:
                left = max(0.1, limit - (time.monotonic() - start))
                status, got, body, truncated = self._send(method, url, merged, json, auth, left)
                return Response(status, got, body, truncated, (time.monotonic() - start) * 1000, retried)
            except requests.RequestException as exc:
                if not retried and method.upper() in RETRIED_METHODS and was_reset(exc):
                    retried = one_line(exc)
                    continue
                why = f"{method} {url}: {one_line(exc)}"
                if retried and was_reset(exc):
                    why += (", and again when sent a second time (a service with a small listen "
                            "backlog resets connections when many checks call it at once: try a lower -j)")
                elif retried:
                    why += f" (sent a second time after {retried})"
                raise CheckError(why) from None

    def curl(self, method: str, path: str, headers: dict[str, str] | None = None,
             json_body: Any = None, inherit_auth: bool = True) -> str:
        import json

        from certify.redact import MASK

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
        self._client.close()
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

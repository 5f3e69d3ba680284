"""`auth_matrix`: who may call what. Every request is sent as every identity, and the
statuses are compared with the expected ones; the pack shows the whole matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.http_common import require_path, retried, target
from certify.spec.binder import meta


@dataclass(frozen=True)
class MatrixRequest:
    path: str = field(metadata=meta("path under base_url"))
    method: str = field(default="GET", metadata=meta("HTTP method"))
    json: Any = field(default=None, metadata=meta("a JSON body"))
    expect: dict[str, int] = field(default_factory=dict, metadata=meta(
        "per-identity statuses for this request, overriding the matrix-wide ones"))

    def __post_init__(self) -> None:
        require_path(self.path)


@dataclass(frozen=True)
class Identity:
    headers: dict[str, str] = field(default_factory=dict, metadata=meta(
        "headers that make this identity; none of the target's credentials are sent (Authorization, "
        "Cookie, Api-Key, Private-Token, X-...-Token ..., nor the base URL's user and password): "
        "an empty mapping = anonymous"))


@dataclass(frozen=True)
class AuthMatrixFields:
    """Each request x each identity; one unexpected status makes it FALSE, naming the cell."""

    requests: list[MatrixRequest] = field(metadata=meta("the requests: [{method, path}]"))
    as_: dict[str, Identity] = field(metadata=meta(
        "identities: {anonymous: {headers: {}}, owner: {headers: {Authorization: ...}}}", key="as"))
    expect: dict[str, int] = field(default_factory=dict, metadata=meta(
        "identity -> expected status, e.g. {anonymous: 401, other_tenant: 404, owner: 200}"))

    def __post_init__(self) -> None:
        if not self.requests:  # an empty matrix would hold vacuously
            raise ValueError("requests: expected at least one request, got none")
        if not self.as_:
            raise ValueError("as: expected at least one identity, got none")
        for req in self.requests:
            missing = [n for n in self.as_ if n not in {**self.expect, **req.expect}]
            if missing:
                raise ValueError(f"no expected status for {', '.join(missing)} on "
                                 f"{req.method.upper()} {req.path}")
        unknown = [n for n in [*self.expect, *(k for r in self.requests for k in r.expect)]
                   if n not in self.as_]
        if unknown:
            raise ValueError(f"expect names identities not under `as`: {', '.join(sorted(set(unknown)))}")


def run(f: AuthMatrixFields, ctx: CheckContext[AuthMatrixFields]) -> Outcome:
    t = target(ctx)
    names = list(f.as_)
    out = ctx.outcome(ran=f"{len(f.requests)} requests x {len(names)} identities")
    header = "| request | " + " | ".join(names) + " |"
    rows = [header, "|---|" + "---|" * len(names)]
    repro = []
    notes: list[str] = []
    for req in f.requests:
        method = req.method.upper()
        cells = []
        for name in names:
            want = {**f.expect, **req.expect}[name]
            headers = f.as_[name].headers
            try:
                answer = t.request(method, req.path, headers, req.json, inherit_auth=False)
                got: int | str = answer.status
                notes += [f"{method} {req.path} as {name}: {line}" for line in retried(answer)]
            except CheckError as exc:
                got = "error"
                out.unproven.append(f"{method} {req.path} as {name}: {exc}")
            mark = "" if got == want else " ✗"
            cells.append(f"{got} (want {want}){mark}")
            if got != want and got != "error":
                out.findings.append(Finding(f"{method} {req.path} as {name}", f"{got}, expected {want}"))
            repro.append(f"# as {name}\n" + t.curl(method, req.path, headers, req.json, inherit_auth=False))
        rows.append(f"| {method} {req.path} | " + " | ".join(cells) + " |")
    out.output = "\n".join(rows + notes)
    out.reproduce = "\n".join(repro)
    out.values["cells"] = len(f.requests) * len(names)
    if not out.unproven:
        out.reason = f"all {out.values['cells']} cells as expected"
    return out


KIND = KindSpec(
    name="auth_matrix",
    summary="who may call what: every request as every identity",
    fields=AuthMatrixFields,
    run=run,
    proof="runtime",
    target_type="http",
    default_timeout=60.0,
    example="""\
- kind: auth_matrix
  requests: [{method: GET, path: /twins/twin-1}]
  as:
    anonymous: {headers: {}}
    other_tenant: {headers: {Authorization: "Bearer ${GLOBEX_TOKEN}"}}
    owner: {headers: {Authorization: "Bearer ${ACME_TOKEN}"}}
  expect: {anonymous: 401, other_tenant: 404, owner: 200}
""",
)

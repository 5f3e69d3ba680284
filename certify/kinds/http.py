"""`http`: an endpoint answers as it should (status, JSON, body, headers, latency)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.http_common import excerpt, subset_diff, target
from certify.spec.binder import meta
from certify.spec.values import Regex


@dataclass(frozen=True)
class HttpExpect:
    status: int | list[int] = field(default=200, metadata=meta("the status, or a list of acceptable ones"))
    json: Any = field(default=None, metadata=meta("a JSON subset the body must contain"))
    body: Regex | None = field(default=None, metadata=meta("a regex the body must match"))
    headers: dict[str, Regex] = field(default_factory=dict, metadata=meta(
        "response headers that must match these regexes"))
    max_ms: float | None = field(default=None, metadata=meta("the slowest acceptable answer, in ms"))


@dataclass(frozen=True)
class HttpFields:
    """Send one request (exactly what the spec says) and check the answer."""

    path: str = field(metadata=meta("path under the target's base_url (or a full URL)"))
    method: str = field(default="GET", metadata=meta("HTTP method"))
    headers: dict[str, str] = field(default_factory=dict, metadata=meta("extra request headers"))
    json: Any = field(default=None, metadata=meta("a JSON request body"))
    expect: HttpExpect = field(default_factory=HttpExpect, metadata=meta("default: status 200"))


def run(f: HttpFields, ctx: CheckContext[HttpFields]) -> Outcome:
    t = target(ctx)
    method = f.method.upper()
    out = ctx.outcome(ran=f"{method} {t.url(f.path)}",
                  reproduce=t.curl(method, f.path, f.headers, f.json))
    r = t.request(method, f.path, f.headers, f.json, timeout=min(t.config.timeout, ctx.remaining))
    out.output = excerpt(r)
    out.values.update(status=r.status, ms=round(r.ms, 1), bytes=len(r.body))
    if len(r.text().splitlines()) > 15:
        out.attachments["response.txt"] = r.text()
    e = f.expect
    statuses = e.status if isinstance(e.status, list) else [e.status]
    where = f"{method} {f.path}"
    if r.status not in statuses:
        out.findings.append(Finding(where, f"status {r.status}, expected {' or '.join(map(str, statuses))}"))
    if (e.json is not None or e.body is not None) and r.truncated:
        raise CheckError(f"{where}: response larger than {t.config.max_body} bytes (max_body); "
                         "its body cannot be checked")
    if e.json is not None:
        try:
            data = json.loads(r.body)
        except ValueError:
            ctype = r.headers.get("Content-Type", r.headers.get("content-type", "?"))
            out.findings.append(Finding(where, f"body is not JSON ({ctype}), expected JSON"))
        else:
            out.findings += [Finding(where, d) for d in subset_diff(e.json, data)]
    if e.body is not None and not e.body.compiled.search(r.text()):
        out.findings.append(Finding(where, f"body does not match /{e.body.source}/"))
    lower = {k.lower(): v for k, v in r.headers.items()}
    for name, rx in e.headers.items():
        value = lower.get(name.lower())
        if value is None:
            out.findings.append(Finding(where, f"no {name} header"))
        elif not rx.compiled.search(value):
            out.findings.append(Finding(where, f"{name}: {value!r} does not match /{rx.source}/"))
    if e.max_ms is not None and r.ms > e.max_ms:
        out.findings.append(Finding(where, f"took {r.ms:.0f} ms, expected at most {e.max_ms:g} ms"))
    if out.findings:
        out.status = "fail"
        out.reason = "; ".join(x.what for x in out.findings[:3])
    else:
        out.reason = f"{r.status} in {r.ms:.0f} ms" + (", body as expected" if e.json or e.body else "")
    return out


KIND = KindSpec(
    name="http",
    summary="an endpoint answers as it should",
    fields=HttpFields,
    run=run,
    proof="runtime",
    target_type="http",
    default_timeout=30.0,
    example="""\
- kind: http
  path: /health/ready
  expect: {status: 200, json: {status: ok}, max_ms: 500}
""",
)

"""`http`: an endpoint answers as it should (status, JSON, body, headers, latency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.command import search
from certify.kinds.http_common import CONTAINS, excerpt, parse_json, require_path, subset_diff, target
from certify.spec.binder import meta
from certify.spec.values import Regex


class _NotGiven:
    def __repr__(self) -> str:
        return "(not given)"


NOT_GIVEN: Any = _NotGiven()  # `expect.json` left out; `json: null` expects the body null


@dataclass(frozen=True)
class HttpExpect:
    status: int | list[int] = field(default=200, metadata=meta("the status, or a list of acceptable ones"))
    json: Any = field(default=NOT_GIVEN, metadata=meta(
        "the JSON the body must be: objects may have extra keys, lists match item by item (same "
        f"length, in order), values match in type and value (false is not 0); {CONTAINS}: [items] "
        "matches a list holding items like these, in any order"))
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

    def __post_init__(self) -> None:
        require_path(self.path)


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
    out.lead = f"{method} {f.path}"
    if r.status not in statuses:
        out.findings.append(Finding("status", f"{r.status}, expected {' or '.join(map(str, statuses))}"))
    if (e.json is not NOT_GIVEN or e.body is not None) and r.truncated:
        raise CheckError(f"{out.lead}: response larger than {t.config.max_body} bytes (max_body); "
                         "its body cannot be checked")
    if e.json is not NOT_GIVEN:
        try:
            data, repeated = parse_json(r.body)
        except ValueError:
            ctype = r.headers.get("Content-Type", r.headers.get("content-type", "?"))
            out.findings.append(Finding("body", f"not JSON ({ctype}), expected JSON"))
        else:
            out.findings += [Finding(where, what) for where, what in subset_diff(e.json, data)]
            out.unproven += [f'the body repeats the key "{k}": which value a client takes is not defined'
                             for k in repeated]
    lower = {k.lower(): v for k, v in r.headers.items()}
    texts = {"body": r.text(), **{f"header {n}": lower[n.lower()] for n in e.headers if n.lower() in lower}}
    regexes = [("body", e.body.compiled)] if e.body is not None else []
    regexes += [(f"header {n}", rx.compiled) for n, rx in e.headers.items() if n.lower() in lower]
    found = dict(zip([name for name, _ in regexes], search(regexes, texts, ctx.remaining, ctx.cancelled),
                     strict=True))
    if e.body is not None and found["body"] is None:
        out.findings.append(Finding("body", f"does not match /{e.body.source}/"))
    for name, rx in e.headers.items():
        value = lower.get(name.lower())
        if value is None:
            out.findings.append(Finding(name, "no such header"))
        elif found[f"header {name}"] is None:
            out.findings.append(Finding(name, f"{value!r} does not match /{rx.source}/"))
    if e.max_ms is not None and r.ms > e.max_ms:
        out.findings.append(Finding("time", f"{r.ms:.0f} ms, expected at most {e.max_ms:g} ms"))
    out.reason = f"{r.status} in {r.ms:.0f} ms" + (
        ", body as expected" if (e.json is not NOT_GIVEN or e.body is not None) and not out.unproven else "")
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

"""`certify diagnose invoker-403`: why a scheduler's (or another service's) calls get 401/403.

Reads the application's `invoker_auth_rejected` lines (a JSON payload, or `key=value` text)
and Cloud Run's request log; correlates them by `rid` or trace; groups the rejections by cause
and says the fix for each in one line; counts the 401/403s Cloud Run itself answered (the
caller lacks roles/run.invoker); and finds the last 200 on each rejected URL, so the engineer
sees whether it ever worked.

Given the deployed configuration (`invoker_config`), each cause's fix names the configured
values (the audience the service expects, the allowlist to extend, the job to update) and says
whether the serving revision already settles it; the configuration's own mismatches (a job
sending the wrong audience, a caller without roles/run.invoker or outside the allowlists) are
listed with their gcloud fixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from certify.diagnose.invoker_config import InvokerConfig, describe
from certify.targets import logquery as lq
from certify.targets.gcp import INVOKER
from certify.targets.logs import LogsTarget, part, time_of

MARKER = "invoker_auth_rejected"
_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\'[^\']*\'|\S+)')
IAM_403 = "not authorized to invoke"
IAM_401 = "not authenticated"


@dataclass
class Rejection:
    timestamp: str
    fields: dict[str, Any]
    trace: str = ""
    insert_id: str = ""
    request: dict[str, Any] | None = None  # the correlated request log entry

    def get(self, key: str) -> str:
        value = self.fields.get(key)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    @property
    def rid(self) -> str:
        return self.get("rid")

    @property
    def url(self) -> str:
        if self.request:
            return str(part(self.request, "httpRequest").get("requestUrl", ""))
        return self.get("url") or self.get("path")

    @property
    def method(self) -> str:
        return str(part(self.request, "httpRequest").get("requestMethod", ""))


@dataclass
class Cause:
    key: str
    title: str
    items: list[Rejection] = field(default_factory=list)
    fix: str = ""
    now: str = ""  # what the deployed configuration says of this cause today


@dataclass
class Diagnosis:
    causes: list[Cause]
    iam: list[dict[str, Any]]  # 401/403 answered by Cloud Run itself, before the service
    other_403: list[dict[str, Any]]  # 401/403 the service answered without a rejection line
    last_200: dict[tuple[str, str], dict[str, Any] | None]  # (method, url) -> the last 200
    read: int
    since: str
    sources: list[str]
    config: InvokerConfig | None = None
    config_error: str = ""  # why the configuration could not be read

    @property
    def rejections(self) -> int:
        return sum(len(c.items) for c in self.causes)


# ---------------------------------------------------------------- reading


def rejection_of(entry: dict[str, Any]) -> Rejection | None:
    """The rejection an entry records, from a JSON payload or a `key=value` text line."""
    payload = part(entry, "jsonPayload")
    text = entry.get("textPayload")
    fields: dict[str, Any]
    if MARKER in f"{payload.get('message', '')} {payload.get('event', '')}":
        fields = dict(payload)
    elif isinstance(text, str) and MARKER in text:
        fields = {k: v[1:-1].replace('\\"', '"') if v[:1] in "\"'" else v for k, v in _KV.findall(text)}
    else:
        return None
    labels = part(entry, "labels")
    for key in ("rid", "request_id", "requestId"):
        if not fields.get("rid") and labels.get(key):
            fields["rid"] = labels[key]
    return Rejection(str(entry.get("timestamp", "")), fields, str(entry.get("trace", "")),
                     str(entry.get("insertId", "")))


def _trace_id(trace: str) -> str:
    return trace.rsplit("/", 1)[-1]


def _status(entry: dict[str, Any]) -> int | None:
    status = part(entry, "httpRequest").get("status")
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def _service(entry: dict[str, Any]) -> str:
    return str(part(entry, "resource", "labels").get("service_name", ""))


def request_key(entry: dict[str, Any]) -> tuple[str, str]:
    """(method, URL without query) of a request log entry."""
    req = part(entry, "httpRequest")
    return str(req.get("requestMethod", "")), url_key(str(req.get("requestUrl", "")))


def url_key(url: str) -> str:
    """A URL without its query string or fragment."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path


# ---------------------------------------------------------------- classifying


def classify(r: Rejection) -> str:
    code = r.get("errorCode").upper()
    reason = r.get("verifyReason").lower()
    if "ACCESS_TOKEN" in code or re.search(r"wrong number of segments|not a jwt|ya29\.|access token", reason):
        return "access_token"
    if "AUDIENCE" in code or re.search(r"audience|recipient", reason):
        return "audience"
    if "EXPIRED" in code or re.search(r"too late|expired", reason):
        return "expired"
    if r.get("emailPresent").lower() == "false" and (r.get("subPresent").lower() == "true" or r.get("sub")):
        return "email_missing"
    if "ALLOWLIST" in code or "ALLOWED" in code or "NOT_IN" in code:
        return "not_allowlisted"
    if "ROLE" in code or "IAM" in code:
        return "iam"
    return "other:" + (r.get("errorCode") or "unknown")


TITLES = {
    "audience": "token audience differs from what the service expects",
    "email_missing": "ID token has no email claim",
    "not_allowlisted": "caller is not on the invoker allowlist",
    "expired": "token expired",
    "access_token": "access token sent instead of an ID token",
    "iam": "caller lacks roles/run.invoker",
}


def _values(items: Iterable[Rejection], key: str) -> list[str]:
    return sorted({v for r in items if (v := r.get(key))})


def _expected_audience(items: list[Rejection]) -> str | None:
    """The audience the service wants, when the logs say it: in verifyReason ("expected one of
    ['X']", "expected X"), else the origin of the URL the caller called (Cloud Run's rule)."""
    for r in items:
        m = re.search(r"expected(?: one of)?[:\s]*\[?['\"]?(https?://[^'\"\],\s]+)", r.get("verifyReason"))
        if m:
            return m.group(1)
    for r in items:
        if r.url.startswith("http"):
            parts = urlsplit(r.url)
            return f"{parts.scheme}://{parts.netloc}"
    return None


def fix_for(key: str, items: list[Rejection]) -> str:
    subs, auds, emails = _values(items, "sub"), _values(items, "aud"), _values(items, "email")
    listed = ", ".join
    if key == "audience":
        want = _expected_audience(items)
        got = f" (its tokens carry aud {listed(auds)})" if auds else ""
        if want:
            return (f"mint the caller's ID token for audience exactly {want}, the value "
                    f"INVOKER_TOKEN_AUDIENCE must hold{got}; "
                    f"for Cloud Scheduler: --oidc-token-audience={want}")
        return f"make the caller's token audience equal INVOKER_TOKEN_AUDIENCE{got}"
    if key == "email_missing":
        return (f"the token carries no email: add sub {listed(subs) or '(not logged)'} to the SUBS allowlist "
                "(*_INVOKER_SUBS), or mint the token with its email claim (metadata server format=full)")
    if key == "not_allowlisted":
        who = f"email {listed(emails)}" if emails else f"sub {listed(subs)}" if subs else "the caller"
        return (f"add {who} to the invoker allowlist (*_INVOKER_EMAILS for emails, *_INVOKER_SUBS for subs), "
                "if that caller should invoke this endpoint")
    if key == "expired":
        return ("the caller sends an expired ID token: mint a fresh one per call (do not cache it past its "
                "exp) and check the caller's clock")
    if key == "access_token":
        want = _expected_audience([r for r in items if r.url]) or "the service URL"
        return (f"an OAuth access token (ya29.) was sent: send an OIDC ID token with audience {want} "
                "instead (Cloud Scheduler: --oidc-service-account-email, not --oauth-service-account-email)")
    if key == "iam":
        return "grant the caller's service account roles/run.invoker on the Cloud Run service"
    reasons = _values(items, "verifyReason")
    said = f" (verifyReason: {reasons[0]})" if reasons else ""
    return f"errorCode {key.split(':', 1)[1]}: no known fix{said}"


# ---------------------------------------------------------------- the whole diagnosis


def diagnose(entries: Iterable[dict[str, Any]], since_ns: int, service: str | None,
             sources: list[str]) -> Diagnosis:
    rejections: list[Rejection] = []
    denied: list[dict[str, Any]] = []  # request log 401/403 in the window
    last_200: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    read = 0
    for e in entries:
        read += 1
        if service and _service(e) and _service(e) != service:
            continue
        ns = time_of(e) or 0
        status = _status(e)
        if status == 200:
            key = request_key(e)
            if key not in last_200 or ns > last_200[key][0]:
                last_200[key] = (ns, e)
            continue
        if ns < since_ns:
            continue
        if status in (401, 403):
            denied.append(e)
            continue
        r = rejection_of(e)
        if r is not None:
            rejections.append(r)
    by_trace = {_trace_id(str(e.get("trace", ""))): e for e in denied if e.get("trace")}
    by_label = {str(v): e for e in denied for v in (e.get("labels") or {}).values()}
    used: set[int] = set()
    for r in rejections:
        req = by_trace.get(r.rid) or by_label.get(r.rid) or (
            by_trace.get(_trace_id(r.trace)) if r.trace else None)
        if req is not None:
            r.request = req
            used.add(id(req))
    causes: dict[str, Cause] = {}
    for r in sorted(rejections, key=lambda x: lq.parse_time(x.timestamp) or 0):
        kind = classify(r)
        cause = causes.setdefault(kind, Cause(kind, TITLES.get(kind, f"rejected: {kind.split(':', 1)[-1]}")))
        cause.items.append(r)
    for cause in causes.values():
        cause.fix = fix_for(cause.key, cause.items)
    iam: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for e in denied:
        if id(e) in used:
            continue
        text = str(e.get("textPayload", "")).lower()
        (iam if IAM_403 in text or IAM_401 in text else other).append(e)
    iam.sort(key=lambda e: time_of(e) or 0)
    if iam:
        causes.setdefault("iam", Cause("iam", TITLES["iam"], fix=fix_for("iam", [])))
    rejected_urls = {(r.method, url_key(r.url)) for r in rejections if r.url} | {request_key(e) for e in iam}
    found: dict[tuple[str, str], dict[str, Any] | None] = {}
    for method, url in sorted(rejected_urls):
        hits = [v for (m, u), v in last_200.items() if u == url and (not method or m == method)]
        found[(method, url)] = max(hits, key=lambda t: t[0])[1] if hits else None
    order = sorted(causes.values(), key=lambda c: -(len(c.items) or len(iam)))
    return Diagnosis(order, iam, other, found, read, lq.format_time(since_ns), sources)


# ---------------------------------------------------------------- the deployed configuration


def apply_config(d: Diagnosis, cfg: InvokerConfig) -> None:
    """Each cause's fix with the configured values, and what the serving revision says of it now."""
    d.config = cfg
    rev = f"revision {cfg.service.revision}"
    for c in d.causes:
        if c.key == "audience":
            _audience(c, cfg, rev)
        elif c.key in ("email_missing", "not_allowlisted"):
            _allowlisted(c, cfg, rev, "subs" if c.key == "email_missing" else "emails")
        elif c.key == "iam" and cfg.invokers is not None:
            lacking = [m for m in cfg.mismatches if INVOKER in m.what]
            if lacking:
                c.fix = "; ".join(f"{m.who}: {m.fix}" for m in lacking)
            else:
                held = ", ".join(cfg.invokers) or "nobody"
                c.now = (f"{INVOKER} on {cfg.name} is held by {held}; Cloud Run's refusal does not name "
                         "the caller: grant it to the caller's service account if it is not among them")


def _audience(c: Cause, cfg: InvokerConfig, rev: str) -> None:
    if cfg.audience is None:
        return
    sent = _values(c.items, "aud")
    if sent and all(a == cfg.audience for a in sent):
        c.now = f"settled: {cfg.audience_var} of {rev} is {cfg.audience}, the audience these tokens carried"
        return
    got = f" (its tokens carry aud {', '.join(sent)})" if sent else ""
    c.fix = (f"mint the caller's ID token for audience exactly {cfg.audience} ({cfg.audience_var} of {rev})"
             f"{got}; for Cloud Scheduler: --oidc-token-audience={cfg.audience}")
    still = [j for j in cfg.jobs if j.audience in sent]
    if still:
        flag = f"--oidc-token-audience={cfg.audience}"
        c.fix += "; " + "; ".join(f"job {j.short} still sends {j.audience}: {cfg.update_job(j, flag)}"
                                  for j in still)
    elif sent and cfg.jobs_read is not None:
        c.now = f"no scheduler job in {cfg.target.region} sends {', '.join(sent)} now"


def _allowlisted(c: Cause, cfg: InvokerConfig, rev: str, kind: str) -> None:
    key = "sub" if kind == "subs" else "email"
    who = _values(c.items, key)
    lst = cfg.allowlist(kind)
    if lst is None:
        c.now = f"{cfg.name} has no *INVOKER*_{kind.upper()} variable in {rev}"
        return
    if lst.entries is None:
        named = ", ".join(who) or "the caller"
        c.now = f"{lst.var} comes from Secret Manager: whether it holds {named} is not known"
        return
    missing = [w for w in who if not lst.holds(w)]
    if who and not missing:
        c.now = f"settled: {lst.var} of {rev} holds {key} {', '.join(who)}"
    elif missing:
        c.fix = f"add {key} {', '.join(missing)} to {lst.var}: {cfg.set_env(lst.var, lst.entries, missing)}"


# ---------------------------------------------------------------- sources


def entries_of(target: LogsTarget, since_ns: int, service: str | None) -> Iterator[dict[str, Any]]:
    """Local sources: every entry (one pass). Cloud Logging: the rejections and 401/403s in the
    window, then the last 200 of each URL they name."""
    if not target.config.cloud_logging:
        for rec in target.records():
            yield rec.entry()
        return
    from certify.targets.cloud_logging import list_entries

    c = target.config.cloud_logging
    svc = f' AND resource.labels.service_name="{service}"' if service else ""
    window = f'timestamp>="{lq.format_time(since_ns)}"'
    seen: list[dict[str, Any]] = []
    for text in (f'(jsonPayload.message:"{MARKER}" OR textPayload:"{MARKER}") AND {window}',
                 f"httpRequest.status=(401 OR 403){svc} AND {window}"):
        for e in list_entries(target.client(), c, text):
            seen.append(e)
            yield e
    urls = {request_key(e) for e in seen if isinstance(e.get("httpRequest"), dict)}
    for method, url in sorted(urls):
        text = (f'httpRequest.status=200 AND httpRequest.requestMethod="{method}" AND '
                f'httpRequest.requestUrl=~"^{re.escape(url)}"{svc} AND timestamp>="{lq.format_time(0)}"')
        for e in list_entries(target.client(), c, text):
            yield e
            break


# ---------------------------------------------------------------- output


def _when(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "never, in these logs"
    return f"{entry.get('timestamp', '?')} [{entry.get('insertId', '')}]"


def render(d: Diagnosis, markdown: bool) -> str:
    lines: list[str] = []
    head = (f"invoker 401/403 diagnosis since {d.since}: {d.rejections} rejection(s) logged by the service, "
            f"{len(d.iam)} refused by Cloud Run (IAM), {len(d.other_403)} other 401/403 "
            f"({d.read} entries read from {', '.join(d.sources)})")
    now = d.config is not None
    if markdown:
        lines += ["# certify diagnose invoker-403", "", head, "", *_render_config(d, markdown),
                  "| cause | count | first | last | rids | fix |" + (" now |" if now else ""),
                  "|---|---|---|---|---|---|" + ("---|" if now else "")]
    else:
        lines += [head, "", *_render_config(d, markdown)]
    for c in d.causes:
        items = c.items
        count = len(items) if items else len(d.iam)
        first = items[0].timestamp if items else (d.iam[0].get("timestamp", "") if d.iam else "")
        last = items[-1].timestamp if items else (d.iam[-1].get("timestamp", "") if d.iam else "")
        rids = ", ".join(sorted({r.rid for r in items if r.rid})) or "-"
        if markdown:
            cells = [c.title, str(count), first, last, rids, c.fix, *([c.now or "-"] if now else [])]
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        else:
            lines += [f"{c.title}: {count} (first {first}, last {last})", f"  rids: {rids}",
                      f"  fix: {c.fix}", *([f"  now: {c.now}"] if c.now else []), ""]
    if not d.causes:
        lines.append("no invoker rejection in the window" + ("" if markdown else "\n"))
    if d.other_403:
        note = (f"{len(d.other_403)} other 401/403 answered by the service without an {MARKER} line "
                "(not invoker rejections): " + ", ".join(" ".join(request_key(e)) for e in d.other_403[:3]))
        lines += ["", note] if markdown else [note, ""]
    title = "Last 200 on each rejected URL"
    lines += ["", f"## {title}", ""] if markdown else [f"{title}:"]
    for (method, url), entry in d.last_200.items():
        lines.append(f"{'- ' if markdown else '  '}{method} {url}: {_when(entry)}")
    if not d.last_200:
        lines.append("(no rejected URL is known: the rejection lines carry no URL, and no request log "
                     "entry matched them)")
    return "\n".join(lines) + "\n"


def _render_config(d: Diagnosis, markdown: bool) -> list[str]:
    """The deployed configuration, its mismatches with their fixes, and what it could not tell."""
    cfg = d.config
    if cfg is None and not d.config_error:
        return []
    title = "Configuration (Cloud Run and Cloud Scheduler)"
    if cfg is None:
        text = f"not read: {d.config_error}"
        return [f"## {title}", "", text, ""] if markdown else [f"{title}: {text}", ""]
    facts = describe(cfg)
    mismatches = [f"{m.what}; fix: {m.fix}" for m in cfg.mismatches]
    agree = "none: every caller the configuration names agrees with it"
    if markdown:
        out = [f"## {title}", "", *(f"  - {x[2:]}" if x.startswith("  ") else f"- {x}" for x in facts)]
        out += ["", "## Mismatches", "", *([f"- {x}" for x in mismatches] or [agree.capitalize() + "."]), ""]
        out += [*(f"Not known: {n}" for n in cfg.notes), *([""] if cfg.notes else [])]
        out += ["## Causes in the logs", ""]
        return out
    out = [f"{title}:", *(f"  {x}" for x in facts), "Mismatches:"]
    out += [f"  {x}" for x in mismatches] or [f"  {agree}"]
    out += [f"not known: {n}" for n in cfg.notes]
    return [*out, ""]

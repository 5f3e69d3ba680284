"""log_proof: the system did the thing in production, as its logs show.

The filter is Cloud Logging's query language, sent as written to Cloud Logging and evaluated
here with the same meaning for files and commands (`targets.logquery`). The time bound is
always part of the filter itself: `since` (24h, 7d, or a timestamp) becomes `timestamp>=`,
and with neither `since` nor a timestamp clause the proof covers all the history the source
holds, on the server as in a file.

`none` is a filter no entry may match after the last entry `filter` matched (e.g. a 403 on
the URL after its last 200); without `filter`, or when it matched nothing, no entry in the
window may match it.
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.spec.binder import meta
from certify.spec.values import CountExpr, Regex
from certify.targets import logquery as lq
from certify.targets.logs import LogsTarget, Query, Scan

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class LogExpect:
    min: int = field(default=1, metadata=meta("at least this many entries match `filter`"))
    max: int | None = field(default=None, metadata=meta("at most this many entries match `filter`"))
    count: CountExpr | None = field(default=None, metadata=meta(
        'how many match, exactly (0) or as an expression (">= 3"); replaces min and max'))

    def describe(self) -> str:
        if self.count is not None:
            return f"expected {self.count}"
        return f"expected at least {self.min}" + (f", at most {self.max}" if self.max is not None else "")

    def holds(self, n: int) -> bool:
        if self.count is not None:
            return self.count.matches(n)
        return n >= self.min and (self.max is None or n <= self.max)

    def holds_between(self, low: int, high: int | None) -> bool | None:
        """Whether the expectation holds for every count from `low` to `high` (None: no end),
        for none of them (False), or for some only (None). It changes only at its bounds, so
        the ends and the counts next to each bound stand for all."""
        top = high if high is not None else max(low, 0) + (1 << 62)
        bounds = [self.min, self.max] if self.count is None else [self.count.low, self.count.high]
        probe = {low, top} | {int(b) + d for b in bounds if b is not None for d in (-1, 0, 1)}
        seen = {self.holds(n) for n in probe if low <= n <= top}
        return seen.pop() if len(seen) == 1 else None


def _parse(name: str, text: str) -> lq.Node:
    try:
        return lq.parse(text)
    except lq.FilterError as exc:
        raise ValueError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class LogProofFields:
    """Count the log entries a Cloud Logging filter matches in a time window, and check that
    nothing a second filter names happened after the last of them."""

    filter: str | None = field(default=None, metadata=meta(
        'Cloud Logging query language, e.g. httpRequest.status=200 AND httpRequest.requestUrl=~"/x"'))
    since: str | None = field(default=None, metadata=meta(
        "the window's start: 24h, 7d, 30m, or an RFC 3339 timestamp (default: all history)"))
    expect: LogExpect = field(default_factory=LogExpect, metadata=meta(
        "how many entries must match `filter` (default: at least 1)"))
    message: Regex | None = field(default=None, metadata=meta(
        "a regex the entry's textPayload or jsonPayload.message must contain (RE2 syntax)"))
    none: str | None = field(default=None, metadata=meta(
        "a filter no entry may match after the last match of `filter` (or in the window)"))

    def __post_init__(self) -> None:
        if self.filter is None and self.none is None and self.message is None:
            raise ValueError("give `filter:` or `message:` (entries that must exist), or `none:` "
                             "(entries that must not)")
        if self.filter is not None:
            _parse("filter", self.filter)
        if self.none is not None:
            _parse("none", self.none)
        if self.message is not None:
            _parse("message", _message_clause(self.message.source))
        if self.since is not None and not _RELATIVE.match(self.since.strip()) \
                and lq.parse_time(self.since) is None:
            raise ValueError(f'since: {self.since!r}: expected 24h, 7d, 30m or a timestamp like '
                             '"2026-11-20T00:00:00Z"')
        if self.expect.max is not None and self.expect.max < self.expect.min:
            raise ValueError("expect: max is smaller than min")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _message_clause(pattern: str) -> str:
    return f"(textPayload=~{_quote(pattern)} OR jsonPayload.message=~{_quote(pattern)})"


def since_ns(since: str | None, now: float) -> int | None:
    if since is None:
        return None
    m = _RELATIVE.match(since.strip())
    if m:
        return int((now - int(m.group(1)) * _UNIT_SECONDS[m.group(2)]) * 1e9)
    return lq.parse_time(since)


def build_query(f: LogProofFields, now: float) -> Query:
    """The effective filters: exactly what Cloud Logging is sent and what is evaluated here."""
    start = since_ns(f.since, now)
    user = lq.strip_comments(f.filter).strip() if f.filter else None  # a `--` comment would eat what follows
    parts = [user] if user else []
    if f.message is not None:
        parts.append(_message_clause(f.message.source))
    has_bound = user is not None and lq.has_time_bound(lq.parse(user))
    if start is not None:
        parts.append(f'timestamp>="{lq.format_time(start)}"')
    elif not has_bound:
        parts.append(f'timestamp>="{EPOCH}"')
    text = " AND ".join(parts)
    none_text = lq.strip_comments(f.none).strip() if f.none else None
    wanted = f.filter is not None or f.message is not None  # else only `none` is checked
    node = lq.parse(text)
    # A claim that holds with no entry at all (`none`, count 0, at most n) needs one in its window.
    window = lq.time_terms(node) if none_text or not wanted or f.expect.holds(0) else []
    window_node = (window[0] if len(window) == 1 else lq.BoolOp("AND", tuple(window))) if window else None
    absent = [*(lq.logged_fields(node) if wanted and f.expect.holds(0) else []),
              *(lq.logged_fields(lq.parse(none_text)) if none_text else [])]
    return Query(text=text, node=node if wanted else None,
                 since_ns=start if start is not None else 0,
                 none_text=none_text, none_node=lq.parse(none_text) if none_text else None,
                 window_text=" AND ".join(lq.unparse_time(c) for c in window) if window else None,
                 window=window_node, fields=tuple(dict.fromkeys(absent)))


def entry_line(s: dict[str, Any]) -> str:
    bits = [s.get("timestamp", "(no timestamp)")]
    if "status" in s:
        bits.append(str(s["status"]))
    if "method" in s or "url" in s:
        bits.append(f"{s.get('method', '')} {s.get('url', '')}".strip())
    if "message" in s:
        bits.append(s["message"][:160])
    if "insertId" in s:
        bits.append(f"[{s['insertId']}]")
    return "  ".join(bits)


def reproduce(t: LogsTarget, q: Query) -> str:
    """How a reader re-runs the query: gcloud against Cloud Logging, `certify logs` for files."""
    lines = []
    c = t.config
    gcloud = f"gcloud logging read {shlex.quote(q.text)} --format=json --order=desc"
    if c.cloud_logging:
        lines.append(f"{gcloud} --project={c.cloud_logging.project}")
    else:
        source = " ".join(f"--file {shlex.quote(str(p))}" for p in t.files()) if c.files \
            else f"--command {shlex.quote(c.command or '')}"
        lines.append(f"certify logs {shlex.quote(q.text)} {source}")
        lines.append(f"# the same query against Cloud Logging:\n{gcloud} --project=PROJECT")
    if q.none_text:
        lines.append(f"# `none`, after the last match: certify logs {shlex.quote(q.none_text)} ...")
    return "\n".join(lines)


def run(f: LogProofFields, ctx: CheckContext[LogProofFields]) -> Outcome:
    t: LogsTarget = ctx.target
    q = build_query(f, time.time())
    out = ctx.outcome(ran=f"{t.describe()}: {q.text}"
                  + (f"; none after the last match: {q.none_text}" if q.none_text else ""))
    out.reproduce = reproduce(t, q)
    for pattern, found in t.globs() if t.config.files else ():
        ctx.scope("log files", [pattern], [pattern] if found else [], noun="file")
    scan = t.scan(q, ctx.cancelled)
    judge(f, q, scan, out)
    if out.findings:  # proven false: how much the source held cannot change that
        return out
    local = not t.config.cloud_logging
    if local and scan.sources:
        ctx.scope("log source", scan.sources, lambda s: scan.per_source.get(s, 0) > 0,
                  total=scan.scanned, noun="entry")
    if scan.window_hit is False and (scan.scanned or not local):
        newest = lq.format_time(scan.newest) if scan.newest is not None else \
            ("none has a usable timestamp" if scan.scanned else "none")
        ctx.scope("log window", [f"{q.window_text} in {', '.join(scan.sources)} (the newest entry read: "
                                 f"{newest})"], [], total=0, noun="entry")
    return out


BOTH = ("an entry matches both `filter` and `none`, so `none` can never follow the last match: narrow "
        "`filter` to the success you mean, e.g. httpRequest.status=200")


def judge(f: LogProofFields, q: Query, scan: Scan, out: Outcome) -> None:
    """What the scan shows: findings when the claim is false, `unproven` when entries without a
    usable timestamp, a count cut short or overlapping filters leave it open."""
    at_least = "at least " if scan.capped else ""
    out.values.update(matched=scan.matched, scanned=scan.scanned)
    if q.none_text:
        out.values["none_matched"] = scan.violations
    if scan.last_match is not None and scan.matched:
        out.values["last_match"] = lq.format_time(scan.last_match)
    report = [f"Read from: {', '.join(scan.sources)} ({scan.scanned} entries)",
              f"Filter: {q.text}"]
    problems: list[str] = []
    if f.filter is not None or f.message is not None:
        report.append(f"Matched: {at_least}{scan.matched} ({f.expect.describe()})")
        first, last = scan.matches.first(), scan.matches.last()
        if first:
            report += ["First:", *(f"  {entry_line(s)}" for s in first)]
        later = [s for s in last if all(s is not x for x in first)]
        if later:
            report += ["Last:", *(f"  {entry_line(s)}" for s in later)]
        high = None if scan.capped else scan.matched + scan.undated_could
        holds = f.expect.holds_between(scan.matched, high)
        verb = "entry matches" if scan.matched == 1 else "entries match"
        if holds is False:
            problems.append(f"{at_least}{scan.matched} {verb}, {f.expect.describe()}")
            if scan.matched and f.expect.holds_between(0, scan.matched - 1) is not False:
                out.findings += [_finding(s) for s in reversed(last)]  # too many: these are the violations
        elif holds is None and scan.capped:
            out.unproven.append(f"reading stopped at max_entries: at least {scan.matched} {verb}, "
                                f"{f.expect.describe()} (raise max_entries or narrow the filter)")
        elif holds is None:
            out.unproven.append(f"{scan.undated_could} entr{'y' if scan.undated_could == 1 else 'ies'} "
                                "without a usable timestamp match `filter` but cannot be placed in the "
                                f"window: from {scan.matched} to {high} match, {f.expect.describe()}")
    if q.none_text:
        after = (f"after the last match ({lq.format_time(scan.last_match)})" if scan.last_match is not None
                 and scan.matched else "in the window")
        report.append(f"None {after}: {q.none_text} -> {scan.violations} "
                      f"entr{'y' if scan.violations == 1 else 'ies'}")
        samples = scan.violation_samples.last()
        report += [f"  {entry_line(s)}" for s in samples]
        placed = not (scan.undated_matched or scan.undated_could)
        if scan.violations and placed:
            verb = "entry matches" if scan.violations == 1 else "entries match"
            problems.insert(0, f"{scan.violations} {verb} `none` {after}")
            out.findings[:0] = [_finding(s) for s in reversed(samples)]
        elif scan.violations:
            verb = "entry matches" if scan.violations == 1 else "entries match"
            out.unproven.append(f"{scan.violations} {verb} `none` after the last dated match of `filter`, "
                                "but matches without a usable timestamp may be later")
        if scan.ties and scan.last_match is not None:
            verb = "entry matches" if scan.ties == 1 else "entries match"
            out.unproven.append(f"{scan.ties} {verb} `none` too near the last match "
                                f"({lq.format_time(scan.last_match)}) to tell which came first (the same "
                                "instant, or a time without a zone)")
        if scan.undated_none:
            out.unproven.append(f"{scan.undated_none} entr{'y' if scan.undated_none == 1 else 'ies'} without "
                                f"a usable timestamp match `none` but cannot be placed {after}")
        if scan.both:
            out.unproven.insert(0, BOTH)  # the first thing to fix
            if scan.both_sample:
                report.append(f"Matches both `filter` and `none` ({scan.both}): "
                              f"{entry_line(scan.both_sample)}")
    for path in scan.unlogged:
        out.unproven.append(f"no entry read has `{lq.unparse_path(path)}`: a filter on a field the source "
                            "never logs matches nothing, so its absence proves nothing (misspelt?)")
    if scan.duplicates:
        noun = "entry" if scan.duplicates == 1 else "entries"
        report.append(f"{scan.duplicates} duplicate {noun} (same logName, insertId and timestamp) "
                      "counted once")
    if scan.undated:
        could = [f"{scan.undated_matched + scan.undated_could} could match `filter`"] if q.node else []
        could += [f"{scan.undated_none} `none`"] if q.none_text else []
        report.append(f"{scan.undated} entries without a usable timestamp (missing, numeric, not "
                      f"RFC 3339, or without a zone near a bound): {', '.join(could)}; they cannot be "
                      "placed in the window")
    out.output = "\n".join(report)
    if problems:
        if not out.findings:
            out.findings.append(Finding(", ".join(scan.sources) or "log source", "; ".join(problems)))
        else:
            out.lead = "; ".join(problems)
        return
    if out.unproven:  # the pass is not proven: what was not is the reason
        return
    parts = []
    if f.filter is not None or f.message is not None:
        when = f", the last at {lq.format_time(scan.last_match)}" if scan.last_match else ""
        verb = "entry matches" if scan.matched == 1 else "entries match"
        parts.append(f"{at_least}{scan.matched} {verb}{when}")
    if q.none_text:
        parts.append(f"none matches `none` {'after the last match' if scan.matched else 'in the window'}")
    out.reason = "; ".join(parts)


def _finding(s: dict[str, Any]) -> Finding:
    """An entry as a finding: where = its insertId (else its time), what = the rest of its line."""
    where = s.get("insertId") or s.get("timestamp") or "(no insertId or timestamp)"
    return Finding(str(where), entry_line({k: v for k, v in s.items() if k != "insertId" or not s.get(k)}))


KIND = KindSpec(
    name="log_proof",
    summary="the system did the thing in production, as its logs show",
    fields=LogProofFields,
    run=run,
    proof="runtime",
    target_type="logs",
    default_timeout=300.0,
    parallel=8,
    example="""\
- kind: log_proof
  source: prod
  filter: >-
    resource.type="cloud_run_revision" AND resource.labels.service_name="oli-api"
    AND httpRequest.requestUrl=~"/integrations/withings/backfill" AND httpRequest.status=200
  since: 7d
  expect: {min: 1}
  none: httpRequest.requestUrl=~"/integrations/withings/backfill" AND httpRequest.status=403""",
)

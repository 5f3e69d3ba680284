"""`metrics`: Prometheus metrics are (not) exposed, and have the values they should."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome
from certify.kinds.http_common import require_path, retried, target
from certify.spec.binder import meta
from certify.spec.values import CountExpr

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})?\s+(\S+)(?:\s+-?\d+)?\s*$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
_SELECTOR = re.compile(rf"^\s*({_NAME})\s*(?:\{{(.*)\}})?\s*$")
_META_CHARS = re.compile(r"[.*+?\[\]()|^$\\]")


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}.get(m.group(1), m.group(0)), value)


def parse_labels(text: str, where: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _LABEL.match(text, pos)
        if m is None:
            raise ValueError(f"{where}: cannot read labels at {text[pos:pos + 30]!r}")
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


def parse_exposition(text: str) -> list[Sample]:
    """Prometheus text format 0.0.4: comments, labels with escapes, NaN/+Inf, timestamps."""
    samples = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m is None:
            raise ValueError(f"line {number}: not a sample: {line[:80]!r}")
        try:
            value = float(m.group(3))
        except ValueError:
            raise ValueError(f"line {number}: bad value {m.group(3)!r}") from None
        sample = Sample(m.group(1), parse_labels(m.group(2) or "", f"line {number}"), value)
        key = (sample.name, tuple(sorted(sample.labels.items())))
        if key in seen:  # which value holds is not defined; a sum would count it twice
            series = m.group(1) + (f"{{{m.group(2)}}}" if m.group(2) else "")
            raise ValueError(f"line {number}: repeats the series {series[:120]}")
        seen.add(key)
        samples.append(sample)
    return samples


def _selector(text: str) -> tuple[str, dict[str, str]]:
    m = _SELECTOR.match(text)
    if m is None:
        raise ValueError(f'bad metric selector {text!r}: expected name or name{{label="value"}}')
    return m.group(1), parse_labels(m.group(2) or "", text)


@dataclass(frozen=True)
class MetricsFields:
    """Scrape a Prometheus endpoint and check which metrics it exposes, and their values."""

    path: str = field(default="/metrics", metadata=meta("the scrape path"))
    present: list[str] = field(default_factory=list, metadata=meta(
        "metric names (or regexes) that must be exposed"))
    absent: list[str] = field(default_factory=list, metadata=meta(
        "metric names (or regexes) that must not be exposed"))
    values: dict[str, CountExpr] = field(default_factory=dict, metadata=meta(
        'name{label="x"} -> expected value (summed over the series the labels select)'))

    def __post_init__(self) -> None:
        require_path(self.path)
        for key in self.values:
            _selector(key)
        if not (self.present or self.absent or self.values):
            raise ValueError("give at least one of present, absent, values")


def _matches(pattern: str, name: str) -> bool:
    if _META_CHARS.search(pattern):
        return re.fullmatch(pattern, name) is not None
    return pattern == name


def run(f: MetricsFields, ctx: CheckContext[MetricsFields]) -> Outcome:
    t = target(ctx)
    out = ctx.outcome(ran=f"GET {t.url(f.path)} (Prometheus text)", reproduce=t.curl("GET", f.path))
    r = t.request("GET", f.path, timeout=min(t.config.timeout, ctx.remaining))
    if r.status != 200:
        raise CheckError(f"GET {f.path}: status {r.status}, cannot scrape")
    if r.truncated:  # what is past the cut may be exposed, or change a value
        raise CheckError(f"GET {f.path}: scrape larger than {t.config.max_body} bytes (max_body); "
                         "raise max_body to read all of it")
    try:
        samples = parse_exposition(r.text())
    except ValueError as exc:
        raise CheckError(f"GET {f.path}: not Prometheus text: {exc}") from None
    names = sorted({s.name for s in samples})
    out.values.update(series=len(samples), metrics=len(names))
    ctx.scope("scrape", [f.path], [f.path] if samples else [], total=len(samples), noun="series")
    for p in f.present:
        if not any(_matches(p, n) for n in names):
            out.findings.append(Finding(p, "not exposed, and must be"))
    for p in f.absent:
        found = [n for n in names if _matches(p, n)]
        if found:
            out.findings.append(Finding(p, f"exposed ({', '.join(found[:5])}), and must not be"))
    shown = []
    for key, expr in f.values.items():
        name, labels = _selector(key)
        chosen = [s for s in samples
                  if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
        if not chosen:
            out.findings.append(Finding(key, "no such series"))
            continue
        total = sum(s.value for s in chosen)
        shown.append(f"{key} = {total:g} ({len(chosen)} series)")
        if math.isnan(total):
            out.unproven.append(f"{key} is NaN; it compares with nothing")
        elif not expr.matches(total):
            out.findings.append(Finding(key, f"{total:g}, expected {expr}"))
    out.output = "\n".join([f"{len(samples)} series of {len(names)} metrics", *retried(r), *shown,
                            *names[:30], *(["..."] if len(names) > 30 else [])])
    out.reason = f"{len(names)} metrics scraped" + ("" if out.unproven else "; all as expected")
    return out


KIND = KindSpec(
    name="metrics",
    summary="Prometheus metrics are (not) exposed, with the right values",
    fields=MetricsFields,
    run=run,
    proof="runtime",
    target_type="http",
    default_timeout=30.0,
    example="""\
- kind: metrics
  present: [celery_queue_depth, 'http_requests_.*']
  absent: ['worker_task_.*']
  values: {'celery_queue_depth{queue="default"}': "<100"}
""",
)

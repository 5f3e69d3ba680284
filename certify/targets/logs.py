"""The logs target: one interface over three sources, all streamed.

- `cloud_logging`: the google-cloud-logging client (imported only when used), `entries:list`
  with the filter sent as written; the server decides what matches.
- `files`: globs of `gcloud logging read --format=json` exports, JSON Lines or text; gzip too.
- `command`: the output of a command (JSON array, JSON Lines or text lines).

Files and commands are evaluated here with `logquery`, with the meaning Cloud Logging gives
the same filter. Every query carries its own time bound (`timestamp>=`): the client would
otherwise add "the last 24 hours" on the server, while a file holds all of its history.
"""

from __future__ import annotations

import heapq
import subprocess
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from certify.errors import CheckError
from certify.procs import wait_or_kill
from certify.spec.binder import meta
from certify.spec.model import TargetSpec
from certify.targets import logquery as lq

if TYPE_CHECKING:  # the readers load when records are read, not when a spec is validated
    from certify.targets.logread import Passed, Record
    from certify.targets.logsieve import Sieve


@dataclass(frozen=True)
class CloudLoggingConfig:
    project: str = field(metadata=meta("the Google Cloud project whose logs are read"))
    resource_names: list[str] = field(default_factory=list, metadata=meta(
        'where to read, e.g. ["projects/p", "folders/123"] (default: the project)'))
    endpoint: str | None = field(default=None, metadata=meta(
        "another API endpoint (a local emulator or fake); default Google's"))
    credentials: Literal["default", "anonymous"] = field(default="default", metadata=meta(
        "default = Google's application-default chain; anonymous = none (emulators only)"))
    page_size: int = field(default=1000, metadata=meta("entries per page (at most 1000)"))
    max_entries: int = field(default=100_000, metadata=meta(
        "entries read at most per query; beyond, counts say 'at least'"))


@dataclass(frozen=True)
class LogsConfig:
    """Where log entries come from: exactly one of cloud_logging, files, command."""

    cloud_logging: CloudLoggingConfig | None = field(default=None, metadata=meta(
        "Google Cloud Logging through its API"))
    files: list[str] = field(default_factory=list, metadata=meta(
        "globs of log exports: gcloud --format=json arrays, JSON Lines or text lines; gzip too"))
    command: str | None = field(default=None, metadata=meta(
        "a shell command printing log entries (JSON array, JSON Lines or text lines)"))
    timeout: float = field(default=300.0, metadata=meta("seconds the command may take"))

    def __post_init__(self) -> None:
        given = [k for k in ("cloud_logging", "files", "command") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of `cloud_logging:`, `files:` and `command:`"
                             + (f" (got {', '.join(given)})" if given else ""))


# ---------------------------------------------------------------- what a scan returns


def part(entry: Any, *keys: str) -> dict[str, Any]:
    """The mapping at `keys` in a log entry, or {} when any step is missing or not a mapping
    (an entry is whatever the log said: nothing in it can be assumed)."""
    for key in keys:
        entry = entry.get(key) if isinstance(entry, dict) else None
    return entry if isinstance(entry, dict) else {}


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    """The few fields evidence shows of an entry."""
    req, payload = part(entry, "httpRequest"), part(entry, "jsonPayload")
    labels = part(entry, "resource", "labels")
    message = entry.get("textPayload") or payload.get("message") or payload.get("msg") or ""
    out = {"timestamp": entry.get("timestamp", ""), "insertId": entry.get("insertId", ""),
           "severity": entry.get("severity", ""), "service": labels.get("service_name", ""),
           "status": req.get("status", ""), "method": req.get("requestMethod", ""),
           "url": req.get("requestUrl", ""), "message": str(message)[:300]}
    return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass
class _Extremes:
    """The k earliest and k latest of a stream of (time, entry), in bounded memory."""

    k: int
    earliest: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # max-heap (negated)
    latest: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # min-heap
    seq: int = 0

    def add(self, ns: int, item: dict[str, Any]) -> None:
        self.seq += 1
        heapq.heappush(self.earliest, (-ns, -self.seq, item))
        if len(self.earliest) > self.k:
            heapq.heappop(self.earliest)
        heapq.heappush(self.latest, (ns, self.seq, item))
        if len(self.latest) > self.k:
            heapq.heappop(self.latest)

    def first(self) -> list[dict[str, Any]]:
        return [x[2] for x in sorted(self.earliest, key=lambda t: (-t[0], -t[1]))]

    def last(self) -> list[dict[str, Any]]:
        return [x[2] for x in sorted(self.latest)]


@dataclass
class Scan:
    """What a query found: counts, the first and last matches, and the `none` violations."""

    matched: int = 0
    scanned: int = 0  # entries read (local) or returned by the server
    undated: int = 0  # entries examined without a usable timestamp (missing, numeric, not RFC 3339)
    undated_could: int = 0  # ... of which could match `filter`, depending on their time
    undated_matched: int = 0  # ... of which match `filter` whatever their time (counted in `matched`)
    undated_none: int = 0  # ... of which could match `none` but cannot be placed after the last match
    capped: bool = False  # stopped at max_entries: counts are lower bounds
    last_match: int | None = None  # ns
    matches: _Extremes = field(default_factory=lambda: _Extremes(3))
    violations: int = 0
    violation_samples: _Extremes = field(default_factory=lambda: _Extremes(5))
    both: int = 0  # entries matching both `filter` and `none`
    both_sample: dict[str, Any] | None = None
    duplicates: int = 0  # entries read again (same logName, insertId and timestamp): counted once
    ties: int = 0  # `none` hits at the very time of the last match: before or after it, who knows
    window_hit: bool | None = None  # an entry lies in the query's window (None: not asked)
    newest: int | None = None  # the newest timestamp seen (ns)
    unlogged: list[tuple[str, ...]] = field(default_factory=list)  # of Query.fields: in no entry read
    sources: list[str] = field(default_factory=list)
    per_source: dict[str, int] = field(default_factory=dict)  # entries read from each source


@dataclass(frozen=True)
class Query:
    """A filter with its time bound, and optionally a `none` filter checked after the last match."""

    text: str  # the effective filter, exactly as sent to Cloud Logging
    node: lq.Node | None  # None: only `none` is checked (in the window `text` bounds)
    since_ns: int | None  # the time bound, for the `none` query on the server
    none_text: str | None = None  # the `none` filter without any time bound
    none_node: lq.Node | None = None
    window_text: str | None = None  # the time window, when the claim needs an entry in it
    window: lq.Node | None = None
    fields: tuple[tuple[str, ...], ...] = ()  # fields an absence is about: some entry must have each


ZONE_SLACK = 14 * 3600 * 1_000_000_000  # a time without a zone is UTC-12..UTC+14: this far either way


def time_of(entry: dict[str, Any]) -> int | None:
    """The entry's timestamp in ns since the epoch, or None when it has none."""
    ts = entry.get("timestamp")
    return lq.parse_time(ts) if isinstance(ts, str) else None


# ---------------------------------------------------------------- local evaluation


def sieve_for(q: Query) -> Sieve | None:
    """A sieve for `q`: one anchor per filter, the literal every entry it matches holds (one
    compared with case first, else the longest); None when a filter has no such literal."""
    from certify.targets.logsieve import Sieve

    nodes = [n for n in (q.node, q.none_node) if n is not None]
    anchors = [max(lq.required_literals(n), key=lambda lit: (not lit[1], len(lit[0])), default=None)
               for n in nodes]
    return Sieve([a for a in anchors if a is not None]) if nodes and None not in anchors else None


def scan_records(records: Iterator[Record | Passed], q: Query, cancelled: threading.Event | None = None,
                 keep: int = 3, sieve: Sieve | None = None) -> Scan:
    """Evaluate `q` over records here: one pass, entries that cannot match are not parsed (but for
    as long as no entry in `q.window` was seen, when the query asks for one).
    `keep`: how many of the first and of the last matches to keep. `sieve`: the one the records'
    reader was given (`sieve_for(q)`); it is let pass over entries only once the scan does not need
    to see them all."""
    from certify.targets.logread import Passed

    out = Scan(matches=_Extremes(keep))
    if q.window is not None:
        out.window_hit = False
    pred = lq.compile_filter(q.node) if q.node is not None else None
    none_pred = lq.compile_filter(q.none_node) if q.none_node is not None else None
    window = lq.compile_filter(q.window) if q.window is not None else None
    undated = _UndatedJudge(q)
    lits = lq.required_literals(q.node) if q.node is not None else []
    none_lits = lq.required_literals(q.none_node) if q.none_node is not None else []
    prefilter = (pred is None or bool(lits)) and (none_pred is None or bool(none_lits))
    pending: list[tuple[int, int, bool, dict[str, Any]]] = []  # `none` hits that may follow the last
    last_lo = last_hi = -1  # the latest a match surely is / may be (a time without zone is loose)
    bounds = [t for n in (q.node, q.none_node) if n is not None for t in lq.time_literals(n)]
    bounds += [q.since_ns] if q.since_ns else []
    source, first = "", 0  # entries per source, counted per run of one source
    seen: set[tuple[str, str, str]] = set()  # the entries that matched, to count each once
    unlogged = out.unlogged = list(q.fields)
    if sieve is not None:  # off while every entry must be seen: for the window, for the fields
        sieve.active = out.window_hit is not False and not unlogged
    for rec in records:
        if sieve is not None and not sieve.active:
            sieve.active = out.window_hit is not False and not unlogged
        n = rec.count if isinstance(rec, Passed) else 1
        out.scanned += n
        if rec.source is not source:
            out.per_source[source] = out.per_source.get(source, 0) + out.scanned - n - first
            source, first = rec.source, out.scanned - n
        if cancelled is not None and (n > 1 or out.scanned % 4096 == 0) and cancelled.is_set():
            raise CheckError("interrupted while reading logs")
        if isinstance(rec, Passed):
            continue
        if unlogged:
            _field_check(rec, unlogged)
        skip = prefilter and rec.raw is not None and not (pred and lq.could_match(rec.raw, lits)) \
            and not (none_pred and lq.could_match(rec.raw, none_lits))
        if skip and out.window_hit is not False:
            continue
        entry = rec.entry()
        ns = time_of(entry)
        slack = 0 if ns is None or lq.has_zone(entry["timestamp"]) else ZONE_SLACK
        if ns is not None and slack and any(abs(ns - b) <= slack for b in bounds):
            ns = None  # a local time this near a bound of the window: on either side of it
        if ns is not None and (out.newest is None or ns > out.newest):
            out.newest = ns
        if window is not None and not out.window_hit and ns is not None and window(entry):
            out.window_hit = True
        if skip:
            continue
        if ns is None:
            if _seen_before(entry, seen):
                out.duplicates += 1
                continue
            out.undated += 1
            undated.add(entry, out)
            continue
        hit = pred is not None and pred(entry)
        none_hit = none_pred is not None and none_pred(entry)
        if (hit or none_hit) and _seen_before(entry, seen):
            out.duplicates += 1
            continue
        if hit:
            out.matched += 1
            out.matches.add(ns, summary(entry))
            if none_hit:
                out.both += 1
                out.both_sample = out.both_sample or summary(entry)
            out.last_match = ns if out.last_match is None else max(out.last_match, ns)
            last_hi = max(last_hi, ns + slack)
            if ns - slack > last_lo:
                last_lo = ns - slack
                if len(pending) > 1000:
                    pending = [p for p in pending if p[1] >= last_lo]
        if none_hit and (q.since_ns is None or ns >= q.since_ns):
            pending.append((ns - slack, ns + slack, hit, summary(entry)))
    out.per_source[source] = out.per_source.get(source, 0) + out.scanned - first
    out.per_source.pop("", None)
    for lo, hi, hit, item in pending:
        if out.last_match is None or lo > last_hi:
            out.violations += 1
            out.violation_samples.add((lo + hi) // 2, item)
        elif hi >= last_lo and not hit:  # may be before or after the last match (a match of both is `both`)
            out.ties += 1
    undated.settle(out)
    return out


def _field_check(rec: Record, unlogged: list[tuple[str, ...]]) -> None:
    """Strike from `unlogged` the fields this record has (its raw text naming the last key is enough;
    unless \\u escapes could spell it otherwise)."""
    raw = rec.raw
    if raw is not None and "\\u" not in raw:
        unlogged[:] = [p for p in unlogged if f'"{p[-1]}"' not in raw]
    else:
        entry = rec.entry()
        unlogged[:] = [p for p in unlogged if not lq.present(entry, p)]


def _seen_before(entry: dict[str, Any], seen: set[tuple[str, str, str]]) -> bool:
    """Whether this entry was read before: Cloud Logging keeps one entry per log, insertId and
    timestamp, so the same one in two overlapping exports is one entry."""
    insert_id = entry.get("insertId")
    if not isinstance(insert_id, str) or not insert_id:
        return False
    key = (str(entry.get("logName", "")), insert_id, str(entry.get("timestamp", "")))
    if key in seen:
        return True
    seen.add(key)
    return False


class _UndatedJudge:
    """Entries without a usable timestamp cannot be placed in the window nor after the last match:
    they count where they match whatever their time, and are otherwise counted as could-match."""

    def __init__(self, q: Query) -> None:
        self.q = q
        self.matches = lq.compile_filter(q.node, undated=False) if q.node is not None else None
        self.could = lq.compile_filter(q.node, undated=True) if q.node is not None else None
        self.none_sure = lq.compile_filter(q.none_node, undated=False) if q.none_node is not None else None
        self.none_could = lq.compile_filter(q.none_node, undated=True) if q.none_node is not None else None
        self.none_hits: list[tuple[bool, dict[str, Any]]] = []

    def add(self, entry: dict[str, Any], out: Scan) -> None:
        if self.matches is not None and self.could is not None:
            if self.matches(entry):
                out.matched += 1
                out.undated_matched += 1
                out.matches.add(0, summary(entry))
            elif self.could(entry):
                out.undated_could += 1
        if self.none_could is not None and self.none_sure is not None and self.none_could(entry):
            self.none_hits.append((self.none_sure(entry), summary(entry)))

    def settle(self, out: Scan) -> None:
        """An undated `none` hit violates for sure only when its window is all history and no
        match of `filter` can bound it; otherwise it could go either way."""
        unbounded = not self.q.since_ns and not out.matched and not out.undated_could
        for sure, item in self.none_hits:
            if sure and unbounded:
                out.violations += 1
                out.violation_samples.add(0, item)
            else:
                out.undated_none += 1


# ---------------------------------------------------------------- the target


class LogsTarget:
    def __init__(self, spec: TargetSpec) -> None:
        self.name = spec.name
        self.config: LogsConfig = spec.config
        self.base_dir = spec.base_dir
        self._client: Any = None
        self._globs: list[tuple[str, list[Path]]] | None = None

    def describe(self) -> str:
        c = self.config
        if c.cloud_logging:
            return f"Cloud Logging, project {c.cloud_logging.project}"
        if c.files:
            return f"files {', '.join(c.files)}"
        return f"command `{c.command}`"

    def facts(self) -> dict[str, str]:
        if self.config.cloud_logging:
            from importlib.metadata import version

            return {f"logs {self.name}": self.describe(),
                    "google-cloud-logging": version("google-cloud-logging")}
        return {f"logs {self.name}": self.describe()}

    def close(self) -> None:
        self._client = None

    def globs(self) -> list[tuple[str, list[Path]]]:
        """Each glob of `files` with the files it names, in name order (expanded once per run)."""
        if self._globs is None:  # checks run in threads: publish the list only once it is whole
            globs = []
            for pattern in self.config.files:
                full = Path(pattern) if Path(pattern).is_absolute() else self.base_dir / pattern
                found = sorted(p for p in full.parent.glob(full.name) if p.is_file()) \
                    if any(ch in pattern for ch in "*?[") else ([full] if full.is_file() else [])
                globs.append((pattern, found))
            self._globs = globs
        return self._globs

    def files(self) -> list[Path]:
        """Every file the globs name, each once."""
        out: list[Path] = []
        for _, found in self.globs():
            out += [p for p in found if p not in out]
        return out

    def paths(self) -> list[Path]:
        """The files the globs name; an error when a glob names none."""
        for pattern, found in self.globs():
            if not found:
                raise CheckError(f"logs {self.name}: no file matches {pattern}")
        return self.files()

    def records(self, cancelled: threading.Event | None = None) -> Iterator[Record]:
        """Every entry of the files or the command's output (not for cloud_logging)."""
        if self.config.files:
            return self._file_records(self.paths())
        return self._command_records(cancelled)

    @overload
    def _file_records(self, paths: list[Path], sieve: None = None) -> Iterator[Record]: ...
    @overload
    def _file_records(self, paths: list[Path], sieve: Sieve | None) -> Iterator[Record | Passed]: ...
    def _file_records(self, paths: list[Path], sieve: Sieve | None = None) -> Iterator[Record | Passed]:
        from certify.targets.logread import open_export, read_records

        for path in paths:
            try:
                with open_export(path) as stream:
                    yield from read_records(stream, self._rel(path), sieve)
            except OSError as exc:
                raise CheckError(f"{self._rel(path)}: cannot read: {exc}") from None
            except (EOFError, zlib.error) as exc:  # a gzip export cut short or damaged
                raise CheckError(f"{self._rel(path)}: cannot read: the gzip stream is truncated or "
                                 f"damaged ({exc}); download the export again") from None

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.base_dir))
        except ValueError:
            return str(path)

    @overload
    def _command_records(self, cancelled: threading.Event | None, sieve: None = None) -> Iterator[Record]: ...
    @overload
    def _command_records(self, cancelled: threading.Event | None,
                         sieve: Sieve | None) -> Iterator[Record | Passed]: ...
    def _command_records(self, cancelled: threading.Event | None,
                         sieve: Sieve | None = None) -> Iterator[Record | Passed]:
        """The command's output goes to a temporary file (bounded memory), then is read."""
        import tempfile

        from certify.targets.logread import read_records

        assert self.config.command is not None
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(self.config.command, shell=True, cwd=self.base_dir,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True)
            code = wait_or_kill(proc, self.config.timeout, cancelled)
            err.seek(0)
            stderr = err.read(4000).decode("utf-8", errors="replace").strip()
            if code is None:
                raise CheckError(f"logs {self.name}: `{self.config.command}` did not finish within "
                                 f"{self.config.timeout:g}s")
            if code != 0:
                last = stderr.splitlines()[-1] if stderr else "no output on stderr"
                raise CheckError(f"logs {self.name}: `{self.config.command}` exited {code}: {last}")
            out.seek(0)
            yield from read_records(out, f"output of `{self.config.command}`", sieve)

    def scan(self, q: Query, cancelled: threading.Event | None = None, keep: int = 3) -> Scan:
        """What `q` finds; `keep` first and last matches are kept as samples."""
        from certify.targets.logread import LogReadError

        if self.config.cloud_logging:
            return self._cloud_scan(q, self.config.cloud_logging, keep)
        files = self.files() if self.config.files else []
        sieve = sieve_for(q)
        records = self._file_records(files, sieve) if self.config.files \
            else self._command_records(cancelled, sieve)
        try:
            out = scan_records(records, q, cancelled, keep, sieve)
        except LogReadError as exc:
            raise CheckError(str(exc)) from None
        out.sources = [self._rel(p) for p in files] if self.config.files else [f"`{self.config.command}`"]
        if not self.config.files:
            out.per_source = {out.sources[0]: out.scanned}
        return out

    # ------------------------------------------------------------ Cloud Logging

    def client(self) -> Any:
        if self._client is None:
            from certify.targets.cloud_logging import make_client

            self._client = make_client(self.config.cloud_logging)  # type: ignore[arg-type]
        return self._client

    def _cloud_scan(self, q: Query, c: CloudLoggingConfig, keep: int) -> Scan:
        out = Scan(sources=[f"Cloud Logging {', '.join(c.resource_names or ['projects/' + c.project])}"],
                   matches=_Extremes(keep))
        none_pred = lq.compile_filter(q.none_node) if q.none_node is not None else None
        for entry in self._list(q.text, c, out) if q.node is not None else ():
            out.matched += 1
            ns = time_of(entry) or 0
            out.matches.add(ns, summary(entry))
            if none_pred is not None and none_pred(entry):
                out.both += 1
                out.both_sample = out.both_sample or summary(entry)
            if out.last_match is None or ns > out.last_match:
                out.last_match = ns
        if q.none_text is not None:
            start = out.last_match if out.last_match is not None else q.since_ns or 0
            violations = Scan()
            text = f'({q.none_text}) AND timestamp>="{lq.format_time(start)}"'
            pred = lq.compile_filter(q.node) if q.node is not None else None
            for entry in self._list(text, c, violations):
                ns = time_of(entry) or 0
                if out.last_match is not None and ns <= out.last_match:
                    out.ties += not (pred is not None and pred(entry))  # a match of both is `both`
                    continue
                out.violations += 1
                out.violation_samples.add(ns, summary(entry))
            out.capped = out.capped or violations.capped
        for path in q.fields:  # an absence over a field no entry of the window has proves nothing
            if self._first(f"{lq.unparse_path(path)}:* AND {q.window_text or q.text}", c) is None:
                out.unlogged.append(path)
        if q.window_text is not None:  # one entry of the window is enough; else say how old the newest is
            out.window_hit = out.matched > 0 or self._first(q.window_text, c) is not None
            if not out.window_hit:
                newest = self._first(f'timestamp>="{lq.format_time(0)}"', c)
                out.newest = time_of(newest) if newest is not None else None
        return out

    def _first(self, text: str, c: CloudLoggingConfig) -> dict[str, Any] | None:
        """The newest entry matching `text`, reading one page of one entry."""
        from certify.targets.cloud_logging import list_entries

        return next(list_entries(self.client(), c, text, page_size=1), None)

    def _list(self, text: str, c: CloudLoggingConfig, out: Scan) -> Iterator[dict[str, Any]]:
        from certify.targets.cloud_logging import list_entries

        for seen, entry in enumerate(list_entries(self.client(), c, text), 1):
            out.scanned += 1
            if seen > c.max_entries:
                out.capped = True
                return
            yield entry


def open_target(spec: TargetSpec) -> LogsTarget:
    return LogsTarget(spec)

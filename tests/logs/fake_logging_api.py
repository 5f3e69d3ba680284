"""A local stand-in for the Cloud Logging API v2 ``entries:list`` REST method.

Point the real ``google-cloud-logging`` client at it (``_use_grpc=False``,
``client_options={"api_endpoint": fake.endpoint}``). Pure stdlib; written
independently of ``certify`` so that it can cross-check it.

Filter semantics (a Logging query language subset) and their sources:
[LQL] cloud.google.com/logging/docs/view/logging-query-language, [TS] .../view/
troubleshoot-lql, [AIP] google.aip.dev/160 (the formal spec [LQL] defers to),
[MEM] recalled from [LQL] but not re-read while writing this: a decision.

1. ``NOT`` (or a ``-`` prefix) binds tightest, then ``OR``, then ``AND``:
   ``a OR NOT b AND c`` is ``(a OR (NOT b)) AND c`` [LQL, AIP]. Juxtaposition is
   an implicit ``AND`` [LQL]. Boolean operators must be upper-case [LQL, TS]; a
   lower-case ``and`` is a bare search word. ``--`` starts a comment [LQL].
2. "The Logging query language is case-insensitive, with the exception of
   regular expressions and logical operators"; "String comparisons aren't case
   sensitive" [LQL]. So ``=``, ``!=``, ``:`` and string ordering compare
   case-folded; ``=~``/``!~`` are case-sensitive (``(?i)`` works). Field path
   segments are case-sensitive (our decision).
3. ``=`` is whole-value equality; ``:`` ("has") is substring containment and on
   an object (``jsonPayload:"x"``) searches every nested value [LQL];
   ``field:*`` tests presence [MEM]. ``=~``/``!~`` are RE2 *search* [LQL]
   (anchor with ``^``/``$``); look-around/back-references (not RE2) -> 400.
4. Missing fields: "all comparisons using missing fields fail silently" [MEM],
   so ``f != v`` and ``f !~ r`` are false when f is absent, while ``NOT f = v``
   is true. Only ``severity`` is treated as a *defaulted* LogEntry field
   (absent = ``DEFAULT``) [MEM]; [LQL] says other LogEntry-defined fields are
   defaulted too (e.g. ``httpRequest.status`` as 0) -- NOT modelled here.
   A first path segment that is not a LogEntry field is "undefined" -> 400 [MEM].
5. Literals are converted to the field's type [LQL "Values and conversions"]:
   numbers numerically (``httpRequest.status="200"`` works); ``timestamp``/
   ``receiveTimestamp`` as instants (RFC 3339 with ``Z``, ``+HH:MM`` or
   ``+HHMM``, up to nanoseconds; bad literal -> 400); ``severity`` by rank
   DEFAULT(0) < DEBUG(100) < ... < EMERGENCY(800), by name or number [LQL];
   ``"0.5s"`` durations numerically; JSON null equals only ``NULL_VALUE`` [TS].
   An array field matches if any element does [LQL "Object and array types"].
6. ``f = ("a" OR "b")`` distributes over the value expression [LQL]; a bare
   value is a global restriction (any field "has" it) [LQL]. Quoted strings
   decode ``\\" \\\\ \\n \\t \\r \\uXXXX``; other escapes keep the
   backslash (regex ``\\d``). Functions (``SEARCH()``, ``log_id()``) -> 400
   (unsupported here); > 20,000 characters -> 400 [cloud.google.com/logging/quotas].
Paging: ``pageSize`` default 50, negative or > 1000 -> 400 [MEM: entries.list
reference], then capped by ``page_limit``; order is timestamp, then insertId;
page tokens are bound to the (resourceNames, filter, orderBy) that made them.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SEVERITIES = {"DEFAULT": 0, "DEBUG": 100, "INFO": 200, "NOTICE": 300, "WARNING": 400,
              "ERROR": 500, "CRITICAL": 600, "ALERT": 700, "EMERGENCY": 800}
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
TIME_FIELDS = {"timestamp", "receiveTimestamp"}
LOGENTRY_FIELDS = {"logName", "resource", "protoPayload", "textPayload", "jsonPayload", "timestamp",
                   "receiveTimestamp", "severity", "insertId", "httpRequest", "labels", "operation",
                   "trace", "spanId", "traceSampled", "sourceLocation", "split", "errorGroups",
                   "apphub", "apphubDestination", "apphubSource"}
MAX_QUERY = 20_000
_TOKEN = re.compile(r'\s+|--[^\n]*|(?P<str>"(?:[^"\\]|\\.)*")|(?P<op><=|>=|!=|=~|!~|[=<>:])'
                    r'|(?P<par>[()])|(?P<neg>-(?![\d-]))|(?P<word>[^\s"()<>=!:~]+)|(?P<bad>.)', re.S)
_TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
                 r"([Zz]|[+-]\d\d:?\d\d)$")
_RE2_UNSUPPORTED = re.compile(r"\(\?(?:[=!>]|<[=!])|\\[1-9]|\(\?P=")
_ESC = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESC_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)
Entry = dict[str, Any]
Pred = Callable[[Entry], bool]


class FilterError(ValueError):
    """An unparseable or unsupported filter (answered as 400 INVALID_ARGUMENT)."""


def parse_time(text: str) -> int | None:
    """RFC 3339 text -> integer nanoseconds since the epoch, or None."""
    m = _TS.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, off = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=UTC)
    except ValueError:
        return None
    o = off.replace(":", "")
    shift = 0 if o in "Zz" else (1 if o[0] == "+" else -1) * (int(o[1:3]) * 3600 + int(o[3:]) * 60)
    return (int(dt.timestamp()) - shift) * 10**9 + int((frac or "0").ljust(9, "0"))


def _num(x: Any) -> float | None:
    """A finite number from ``x`` (``"0.5s"`` durations included), or None."""
    if isinstance(x, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?s\s*", x):
        x = x.strip()[:-1]
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _sev(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    s = str(value).strip().upper()
    return SEVERITIES.get(s, int(s) if s.isdigit() else None)


def _leaves(v: Any) -> list[Any]:
    """Every scalar value inside ``v`` (for ``:`` on objects and global restrictions)."""
    if isinstance(v, dict):
        return [x for sub in v.values() for x in _leaves(sub)]
    if isinstance(v, list):
        return [x for sub in v for x in _leaves(sub)]
    return [v]


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _unquote(q: str) -> str:
    """Decode a quoted string; unknown escapes (regex \\d, \\?) keep the backslash."""
    return _ESC_RE.sub(lambda m: chr(int(m[1][1:], 16)) if len(m[1]) == 5
                       else _ESC.get(m[1], "\\" + m[1]), q[1:-1])


def _all(fns: list[Pred]) -> Pred:
    return fns[0] if len(fns) == 1 else (lambda e: all(f(e) for f in fns))


def _any(fns: list[Pred]) -> Pred:
    return fns[0] if len(fns) == 1 else (lambda e: any(f(e) for f in fns))


class _Parser:
    """Recursive-descent parser building closures ``entry -> bool``."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_QUERY:
            raise FilterError(f"filter longer than {MAX_QUERY} characters")
        self.toks: list[tuple[str, str, int, int]] = []
        for m in _TOKEN.finditer(text):
            if m.lastgroup == "bad":
                raise FilterError(f"unexpected character {m.group()!r} at column {m.start() + 1}")
            if m.lastgroup:
                self.toks.append((m.lastgroup, m.group(), m.start(), m.end()))
        self.i = 0

    def peek(self) -> tuple[str, str, int, int]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "", -1, -1)

    def fail(self, what: str) -> FilterError:
        kind, val, pos, _ = self.peek()
        where = "end of filter" if kind == "eof" else f"{val!r} at column {pos + 1}"
        return FilterError(f"Unparseable filter: {what}, found {where}")

    def close(self) -> None:
        if self.peek()[1] != ")":
            raise self.fail("expected ')'")
        self.i += 1

    def parse(self) -> Pred:
        if not self.toks:
            return lambda e: True
        fn = self.conj(self.term)
        if self.peek()[0] != "eof":
            raise self.fail("expected AND, OR or end of filter")
        return fn

    def conj(self, unit: Callable[[], Pred]) -> Pred:
        """``AND`` (explicit, or implicit by juxtaposition) -- the loosest operator."""
        parts = [self.disj(unit)]
        while True:
            kind, val, _, _ = self.peek()
            if val == "AND":
                self.i += 1
            elif not (kind in ("str", "word", "neg") and val != "OR" or val == "("):
                return _all(parts)
            parts.append(self.disj(unit))

    def disj(self, unit: Callable[[], Pred]) -> Pred:
        """``OR`` binds tighter than ``AND``."""
        parts = [unit()]
        while self.peek()[1] == "OR":
            self.i += 1
            parts.append(unit())
        return _any(parts)

    def term(self) -> Pred:
        kind, val, _, _ = self.peek()
        if kind == "neg" or val == "NOT":
            self.i += 1
            inner = self.term()
            return lambda e: not inner(e)
        if val == "(":
            self.i += 1
            fn = self.conj(self.term)
            self.close()
            return fn
        if kind == "str":
            self.i += 1
            return _global(_unquote(val))
        if kind != "word" or val in ("AND", "OR"):
            raise self.fail("expected a comparison or value")
        path = self.path()
        nxt = self.peek()
        if nxt[0] == "op":
            self.i += 1
            return self.comparison(path, nxt[1])
        if nxt[1] == "(" and nxt[2] == self.toks[self.i - 1][3]:
            raise FilterError(f"unsupported function in filter: {'.'.join(path)}(...)")
        return _global(".".join(path))

    def path(self) -> list[str]:
        """``a.b.c``; quoted segments (``labels."k8s-pod/app"``) must be adjacent."""
        segs: list[str] = []
        end = self.peek()[2]
        while self.peek()[0] in ("word", "str") and self.peek()[2] == end:
            kind, val, _, end = self.peek()
            self.i += 1
            segs += [_unquote(val)] if kind == "str" else [s for s in val.split(".") if s]
        return segs

    def comparison(self, path: list[str], op: str) -> Pred:
        """``path OP value`` or ``path OP (value-expression)``; ``!=``/``!~`` need presence."""
        if path[0] not in LOGENTRY_FIELDS:
            raise FilterError(f"undefined field {'.'.join(path)!r} (not a LogEntry field)")
        pos = {"!=": "=", "!~": "=~"}.get(op, op)

        def unit() -> Pred:
            kind, val, _, _ = self.peek()
            self.i += 1
            if val == "NOT":
                inner = unit()
                return lambda e: not inner(e)
            if val == "(":
                fn = self.conj(unit)
                self.close()
                return fn
            if kind == "str" or kind == "word" and val not in ("AND", "OR"):
                return _leaf_test(path, pos, _unquote(val) if kind == "str" else val)
            self.i -= 1
            raise self.fail("expected a value")
        test = unit()
        if pos == op:
            return test
        return lambda e: bool(_resolve(e, path)) and not test(e)


def _global(value: str) -> Pred:
    needle = value.casefold()
    return lambda e: any(needle in _text(v).casefold() for v in _leaves(e) if v is not None)


def _resolve(entry: Entry, path: list[str]) -> list[Any]:
    """Values at ``path`` (arrays fan out); [] when missing; severity defaults."""
    cur: list[Any] = [entry]
    for seg in path:
        cur = [item[seg] for c in cur for item in (c if isinstance(c, list) else [c])
               if isinstance(item, dict) and seg in item]
    out = [x for c in cur for x in (c if isinstance(c, list) else [c])]
    return ["DEFAULT"] if not out and path == ["severity"] else out


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _leaf_test(path: list[str], op: str, lit: str) -> Pred:
    """Positive comparison of the field at ``path`` with one literal."""
    hit: Callable[[Any], bool]
    if op == "=~":
        if _RE2_UNSUPPORTED.search(lit):
            raise FilterError(f"invalid regular expression (unsupported by RE2): {lit!r}")
        try:
            rx = re.compile(lit)
        except re.error as exc:
            raise FilterError(f"invalid regular expression {lit!r}: {exc}") from None

        def rx_hit(v: Any) -> bool:
            return v is not None and not isinstance(v, dict) and bool(rx.search(_text(v)))
        hit = rx_hit
    elif op == ":":
        needle = lit.casefold()
        hit = (lambda v: True) if lit == "*" else \
            (lambda v: any(x is not None and needle in _text(x).casefold() for x in _leaves(v)))
    else:
        hit = _ordering(".".join(path), _OPS[op], op == "=", lit)
    return lambda e: any(hit(v) for v in _resolve(e, path))


def _ordering(name: str, cmp: Callable[[Any, Any], bool], eq: bool,
              lit: str) -> Callable[[Any], bool]:
    """``=`` and ``< <= > >=`` with the literal converted to the field's type."""
    if name == "severity":
        want = _sev(lit)
        if want is None:
            raise FilterError(f"invalid severity value: {lit!r}")
        return lambda v: (r := _sev(v)) is not None and cmp(r, want)
    if name in TIME_FIELDS:
        t = parse_time(lit)
        if t is None:
            raise FilterError(f"invalid timestamp {lit!r} for {name}")
        return lambda v: isinstance(v, str) and (x := parse_time(v)) is not None and cmp(x, t)
    lnum, lfold = _num(lit), lit.casefold()

    def test(v: Any) -> bool:
        if v is None:
            return eq and lit == "NULL_VALUE"
        if isinstance(v, dict):
            return False
        if isinstance(v, bool):
            return eq and lfold == _text(v)
        if isinstance(v, (int, float)):
            return lnum is not None and cmp(v, lnum)
        if not eq and lnum is not None and (vn := _num(v)) is not None:
            return cmp(vn, lnum)
        return cmp(str(v).casefold(), lfold)
    return test


def compile_filter(text: str | None) -> Pred:
    """Compile a Logging query into a predicate over LogEntry dicts.

    Raises:
        FilterError: the filter is malformed or uses unsupported syntax.
    """
    return _Parser(text or "").parse()


def error_body(status: int, message: str, reason: str | None = None,
               project: str = "p") -> Entry:
    """The Google JSON error shape (``google.rpc.Status`` as JSON)."""
    err: dict[str, Any] = {"code": status, "message": message,
                           "status": STATUS_NAMES.get(status, "UNKNOWN")}
    if reason:
        svc = "logging.googleapis.com"
        info: Entry = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                "domain": "iam.googleapis.com" if reason.startswith("IAM_") else "googleapis.com",
                "metadata": {"service": svc, "consumer": f"projects/{project}"}}
        details: list[Entry] = [info]
        if reason == "SERVICE_DISABLED":
            url = f"https://console.developers.google.com/apis/api/{svc}/overview?project={project}"
            info["metadata"].update(serviceTitle="Cloud Logging API", containerInfo=project,
                                    activationUrl=url)
            details += [{"@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                         "locale": "en-US", "message": message},
                        {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                            {"description": "Google developers console API activation",
                             "url": url}]}]
        err["details"] = details
    return {"error": err}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # certify queries in parallel; the default backlog of 5 resets them


class FakeLoggingAPI:
    """``with FakeLoggingAPI(entries) as fake:`` serves ``POST /v2/entries:list``.

    ``entries`` are LogEntry dicts as ``gcloud logging read --format=json`` prints
    them; an entry belongs to project X when its logName starts with
    ``projects/X/logs/``. Any other path answers 404 in the Google error shape.

    Attributes:
        endpoint: ``"http://127.0.0.1:PORT"`` for ``client_options["api_endpoint"]``.
        requests: every JSON body received by ``entries:list`` (failed ones too),
            in arrival order.
    """

    def __init__(self, entries: list[Entry], *, page_limit: int = 1000) -> None:
        self.entries = [dict(e) for e in entries]
        self.page_limit = page_limit
        self.requests: list[Entry] = []
        self.endpoint = ""
        self._failures: list[dict[str, Any]] = []  # status, message, reason, times, page
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def fail_with(self, status: int, message: str, reason: str | None = None,
                  times: int | None = None) -> None:
        """Answer the next ``times`` requests (all, if None) with an error."""
        with self._lock:
            self._failures.append(dict(status=status, message=message, reason=reason,
                                       times=times, page=None))

    def fail_on_page(self, n: int, status: int, message: str | None = None,
                     reason: str | None = None, times: int | None = 1) -> None:
        """Fail the request for page ``n`` (1 = the request without pageToken)."""
        with self._lock:
            self._failures.append(dict(status=status, message=message or f"failure on page {n}",
                                       reason=reason, times=times, page=n))

    def clear_failures(self) -> None:
        """Forget every injected failure."""
        with self._lock:
            self._failures.clear()

    def __enter__(self) -> FakeLoggingAPI:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server and self._thread
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _pick_failure(self, page: int) -> dict[str, Any] | None:
        with self._lock:
            for f in self._failures:
                if f["page"] in (None, page) and (f["times"] is None or f["times"] > 0):
                    f["times"] = None if f["times"] is None else f["times"] - 1
                    return f
        return None

    def handle_list(self, body: Entry) -> tuple[int, Entry]:
        """Answer one ``entries:list`` body: ``(http_status, json_payload)``."""
        with self._lock:
            self.requests.append(body)
        names = body.get("resourceNames") or []
        project = names[0].split("/")[1] if names and names[0].count("/") == 1 else "p"
        token = body.get("pageToken") or ""
        order = " ".join(str(body.get("orderBy", "timestamp asc")).lower().split())
        fp = hashlib.sha256(json.dumps([names, body.get("filter", ""), order]).encode()).hexdigest()
        try:
            if not names or not all(isinstance(n, str) and re.fullmatch(r"projects/[^/]+", n)
                                    for n in names):
                raise FilterError(f"resourceNames must be ['projects/<id>', ...] (fake): {names!r}")
            offset, page = 0, 1
            if token:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(token.encode()))
                    offset, page, tfp = int(tok["o"]), int(tok["p"]), tok["q"]
                except Exception:
                    raise FilterError("invalid page_token") from None
                if tfp != fp:
                    raise FilterError("page_token does not match the request parameters")
            fail = self._pick_failure(page)
            if fail:
                return fail["status"], error_body(fail["status"], fail["message"], fail["reason"],
                                                  project)
            if order not in ("timestamp asc", "timestamp desc", "timestamp"):
                raise FilterError(f"unsupported order_by {body.get('orderBy')!r}")
            size = body.get("pageSize") or 50
            if not isinstance(size, int) or size < 0 or size > 1000:
                raise FilterError(f"page_size must be in [0, 1000]: {size!r}")
            pred = compile_filter(body.get("filter"))
        except FilterError as exc:
            return 400, error_body(400, str(exc))
        prefixes = tuple(f"{n}/logs/" for n in names)
        hits = [e for e in self.entries
                if str(e.get("logName", "")).startswith(prefixes) and pred(e)]
        hits.sort(key=lambda e: (parse_time(str(e.get("timestamp", ""))) or 0,
                                 str(e.get("insertId", ""))), reverse=order.endswith("desc"))
        size = min(size, self.page_limit)
        out: dict[str, Any] = {"entries": hits[offset:offset + size]}
        if offset + size < len(hits):
            nxt = {"o": offset + size, "p": page + 1, "q": fp}
            out["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(nxt).encode()).decode()
        if not out["entries"]:
            del out["entries"]  # proto3 JSON omits empty repeated fields
        return 200, out


def _handler_for(api: FakeLoggingAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, payload: Entry) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.split("?")[0] != "/v2/entries:list":
                return self._send(404, error_body(404, f"fake has no POST {self.path}"))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._send(400, error_body(400, "Invalid JSON payload received."))
            try:
                self._send(*api.handle_list(body))
            except Exception as exc:  # a fake bug must not look like a network failure
                self._send(500, error_body(500, f"fake crashed: {exc!r}"))

    return Handler

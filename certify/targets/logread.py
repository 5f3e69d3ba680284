"""Streaming readers of log exports: `gcloud logging read --format=json` arrays (hundreds of MB),
JSON Lines, and plain text lines; gzip too. Nothing reads a whole file into memory.

A reader yields records. A JSON record keeps its raw text until someone asks for the entry,
so a caller can skip entries that cannot match without parsing them (see
`logquery.required_literals`). A problem with the input (a truncated array, a line that is
not JSON) raises LogReadError naming the file and line; it is never skipped silently.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BLOCK = 1 << 20  # characters read at a time
MAX_ENTRY = 64 << 20  # one entry larger than this is not a log entry


class LogReadError(Exception):
    """An input that cannot be read as a log export; the message names where."""


@dataclass
class Record:
    """One log entry: `raw` JSON text not parsed yet, or the entry itself."""

    source: str
    line: int
    raw: str | None = None
    _entry: dict[str, Any] | None = field(default=None, repr=False)

    def entry(self) -> dict[str, Any]:
        if self._entry is None:
            assert self.raw is not None
            try:
                value = json.loads(self.raw)
            except ValueError as exc:
                raise LogReadError(f"{self.source}:{self.line + exc.lineno - 1}: not valid JSON: "  # type: ignore[attr-defined]
                                   f"{exc.msg}") from None  # type: ignore[attr-defined]
            if not isinstance(value, dict):
                raise LogReadError(f"{self.source}:{self.line}: expected a log entry (a JSON object), "
                                   f"got {type(value).__name__}")
            self._entry = value
        return self._entry


def open_text(path: Path) -> IO[str]:
    """A text stream of a file, gunzipped when it starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def read_records(stream: IO[str], source: str) -> Iterator[Record]:
    """Every entry of an export, whichever of the three forms it is in."""
    head = stream.read(BLOCK)
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        yield from _json_array(stream, head, source)
    elif stripped.startswith("{"):
        yield from _json_lines(stream, head, source)
    else:
        yield from _text_lines(stream, head, source)


# ---------------------------------------------------------------- JSON arrays

_GCLOUD_LAYOUT = re.compile(r"\ufeff?\[\r?\n  \{\r?\n")


def _json_array(stream: IO[str], head: str, source: str) -> Iterator[Record]:
    if _GCLOUD_LAYOUT.match(head):
        yield from _gcloud_array(stream, head, source)
    else:
        yield from _any_array(stream, head, source)


class _Window:
    """A sliding window over a text stream: `buf[pos:]` is what has not been consumed."""

    _WS = re.compile(r"[ \t\r\n]*")

    def __init__(self, stream: IO[str], head: str, source: str) -> None:
        self.stream, self.buf, self.pos, self.source = stream, head, 0, source
        self.line = 1
        self.eof = False

    def fill(self) -> bool:
        """Read more; False at the end of the stream."""
        more = "" if self.eof else self.stream.read(BLOCK)
        if not more:
            self.eof = True
            return False
        self.buf = self.buf[self.pos:] + more
        self.pos = 0
        if len(self.buf) > MAX_ENTRY:
            raise self.error(f"an entry larger than {MAX_ENTRY >> 20} MB, or not a log export")
        return True

    def error(self, message: str) -> LogReadError:
        return LogReadError(f"{self.source}:{self.line}: {message}")

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def next_char(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the stream."""
        while True:
            m = self._WS.match(self.buf, self.pos)
            assert m is not None
            self.advance(m.end())
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect_end(self) -> None:
        """After the closing `]`: only whitespace may follow."""
        self.pos += 1
        while True:
            if self.buf[self.pos:].strip():
                raise self.error("unexpected text after the end of the JSON array")
            self.pos = len(self.buf)
            if not self.fill():
                return

    def after_entry(self) -> bool:
        """Between entries: True at the next entry, False after the closing `]`."""
        c = self.next_char()
        if c == "]":
            self.expect_end()
            return False
        if c == ",":
            self.pos += 1
            c = self.next_char()
            if c == "{":
                return True
        if not c:
            raise self.error("the JSON array is truncated (it ends without its closing `]`)")
        raise self.error(f"expected `,` or `]` between entries, found {self.buf[self.pos:self.pos + 20]!r}")


def _gcloud_array(stream: IO[str], head: str, source: str) -> Iterator[Record]:
    """gcloud's layout: entries at two spaces of indent, everything inside them deeper, and no
    raw newline inside a JSON string, so "\\n  }" closes an entry. Entries are cut out of big
    blocks without being parsed."""
    w = _Window(stream, head, source)
    marker = ("\r\n" if "\r\n" in head[:8] else "\n") + "  }"
    w.pos = head.index("[") + 1
    if w.next_char() != "{":
        return
    while True:
        end = w.buf.find(marker, w.pos)
        while end < 0:
            if not w.fill():
                raise w.error("the JSON array is truncated: the entry starting here is not closed "
                              "(an interrupted export?)")
            end = w.buf.find(marker, w.pos)
        stop = end + len(marker)
        yield Record(source, w.line, w.buf[w.pos:stop])
        w.advance(stop)
        if not w.after_entry():
            return


def _any_array(stream: IO[str], head: str, source: str) -> Iterator[Record]:
    """Any other JSON array layout: entries decoded one at a time from the window."""
    decoder = json.JSONDecoder()
    w = _Window(stream, head, source)
    w.pos = head.index("[") + 1
    c = w.next_char()
    if c == "]":
        w.expect_end()
        return
    while True:
        if not c:
            raise w.error("the JSON array is truncated (it ends without its closing `]`)")
        while True:
            try:
                value, end = decoder.raw_decode(w.buf, w.pos)
                break
            except json.JSONDecodeError as exc:
                if not w.fill():  # the whole rest of the file does not decode
                    w.line += w.buf.count("\n", w.pos, exc.pos)
                    ending = exc.pos >= len(w.buf.rstrip()) - 1 or exc.msg.startswith("Unterminated")
                    raise w.error(f"the JSON array is truncated ({exc.msg})" if ending
                                  else f"not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise w.error(f"expected log entries (JSON objects) in the array, got {type(value).__name__}")
        yield Record(source, w.line, None, value)
        w.advance(end)
        if not w.after_entry():
            return
        c = "{"


# ---------------------------------------------------------------- JSON Lines and text


def _lines(stream: IO[str], head: str) -> Iterator[str]:
    rest = ""
    chunk = head
    while chunk:
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        yield from lines
        chunk = stream.read(BLOCK)
    if rest:
        yield rest


def _json_lines(stream: IO[str], head: str, source: str) -> Iterator[Record]:
    for n, text in enumerate(_lines(stream, head), 1):
        text = text.strip().lstrip("\ufeff")
        if not text:
            continue
        if not (text.startswith("{") and text.endswith("}")):
            kind = "truncated" if text.startswith("{") else "not a JSON object"
            raise LogReadError(f"{source}:{n}: expected one JSON log entry per line; this line is {kind}: "
                               f"{text[:60]!r}")
        yield Record(source, n, text)


_TEXT_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|z|[+-]\d{2}:?\d{2})?)"
                        r"\s+(.*)$")


def _text_lines(stream: IO[str], head: str, source: str) -> Iterator[Record]:
    """`TIMESTAMP message` lines become {timestamp, textPayload}; lines without a leading
    RFC 3339 timestamp keep only their text (they are undated)."""
    for n, text in enumerate(_lines(stream, head), 1):
        text = text.rstrip("\r")
        if not text.strip():
            continue
        m = _TEXT_TIME.match(text)
        entry: dict[str, Any] = {"textPayload": m.group(2), "timestamp": m.group(1).replace(" ", "T")} if m \
            else {"textPayload": text}
        yield Record(source, n, None, entry)

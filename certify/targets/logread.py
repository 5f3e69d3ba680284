"""Streaming readers of log exports: `gcloud logging read --format=json` arrays (hundreds of MB),
any other JSON array, JSON Lines, and plain text lines; gzip too; UTF-8, or UTF-16 as its
byte-order mark says. Nothing reads a whole file into memory.

A reader yields records. A JSON record keeps its raw text until someone asks for the entry,
so a caller can skip entries that cannot match without parsing them (see
`logquery.required_literals`); given a sieve, the reader of gcloud's layout does not even cut
them out (`logarray`). A problem with the input (a truncated array, a line that is not JSON)
raises LogReadError naming the file and line; it is never skipped silently.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections.abc import Iterator
from io import BufferedIOBase
from itertools import chain
from pathlib import Path
from typing import Any, overload

from certify.targets.logarray import LAYOUT, MAX_ENTRY, gcloud_records
from certify.targets.logrecord import Lines, LogReadError, Passed, Record
from certify.targets.logsieve import Sieve

__all__ = ["BLOCK", "LogReadError", "Passed", "Record", "open_export", "read_records"]

BLOCK = 1 << 20  # bytes read at a time
_SNIFF = 64  # bytes read first, at least: enough to tell the form
# UTF-8 exports may start with a byte-order mark; UTF-16 ones (PowerShell's redirections) do.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BLANK = "\ufeff \t\r\n"


def open_export(path: Path) -> BufferedIOBase:
    """The bytes of an export file, gunzipped when it starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


@overload
def read_records(stream: BufferedIOBase, source: str, sieve: None = None,
                 block: int = BLOCK) -> Iterator[Record]: ...
@overload
def read_records(stream: BufferedIOBase, source: str, sieve: Sieve | None,
                 block: int = BLOCK) -> Iterator[Record | Passed]: ...
def read_records(stream: BufferedIOBase, source: str, sieve: Sieve | None = None,
                 block: int = BLOCK) -> Iterator[Record] | Iterator[Record | Passed]:
    """Every entry of an export, whichever form and encoding it is in, read `block` bytes at a
    time. With a sieve, the entries of a gcloud array that cannot match are passed over (`Passed`)."""
    lines = Lines(stream, source)
    head = stream.read(max(block, _SNIFF))
    bom, encoding = next(((b, e) for b, e in _BOMS if head.startswith(b)), (b"", "utf-8"))
    if encoding == "utf-8" and LAYOUT.match(head, len(bom)):
        return gcloud_records(stream, head, len(bom), lines, sieve, block)
    return _text_records(_decoded(stream, head[len(bom):], encoding, block), source)


def _decoded(stream: BufferedIOBase, head: bytes, encoding: str, block: int) -> Iterator[str]:
    """The stream as text, in chunks (some may be empty); what does not decode becomes U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    data = head
    while data:
        yield decoder.decode(data)
        data = stream.read(block)
    yield decoder.decode(b"", final=True)


def _text_records(chunks: Iterator[str], source: str) -> Iterator[Record]:
    """The records of a text export: its first text that is not blank tells the form."""
    head = ""
    for chunk in chunks:
        head += chunk
        if head.lstrip(_BLANK) or len(head) >= BLOCK:
            break
    chunks = chain([head], chunks)
    stripped = head.lstrip(_BLANK)
    if stripped.startswith("["):
        return _json_array(chunks, source)
    if stripped.startswith("{"):
        return _json_lines(chunks, source)
    return _text_lines(chunks, source)


# ---------------------------------------------------------------- JSON arrays


class _Window:
    """A sliding window over text chunks: `buf[pos:]` is what has not been consumed."""

    _WS = re.compile(r"[ \t\r\n]*")

    def __init__(self, chunks: Iterator[str], source: str) -> None:
        self.chunks, self.buf, self.pos, self.source = chunks, "", 0, source
        self.line = 1

    def fill(self) -> bool:
        """Read more; False at the end of the text."""
        for more in self.chunks:
            if more:
                self.buf = self.buf[self.pos:] + more
                self.pos = 0
                if len(self.buf) > MAX_ENTRY:
                    raise self.error(f"an entry larger than {MAX_ENTRY >> 20} MB, or not a log export")
                return True
        return False

    def error(self, message: str) -> LogReadError:
        return LogReadError(f"{self.source}:{self.line}: {message}")

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def next_char(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the text."""
        while True:
            m = self._WS.match(self.buf, self.pos)
            assert m is not None
            self.advance(m.end())
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def after_entry(self) -> bool:
        """Between entries: True at the next entry, False after the closing `]` (and nothing but
        whitespace after it)."""
        c = self.next_char()
        if c == "]":
            self.pos += 1
            if not self.next_char():
                return False
            raise self.error("unexpected text after the end of the JSON array")
        if c == ",":
            self.pos += 1
            c = self.next_char()
            if c == "{":
                return True
        if not c:
            raise self.error("the JSON array is truncated (it ends without its closing `]`)")
        raise self.error(f"expected `,` or `]` between entries, found {self.buf[self.pos:self.pos + 20]!r}")


def _json_array(chunks: Iterator[str], source: str) -> Iterator[Record]:
    """A JSON array in any layout: entries decoded one at a time from the window."""
    decoder = json.JSONDecoder()
    w = _Window(chunks, source)
    w.fill()
    w.advance(w.buf.index("[") + 1)
    c = w.next_char()
    if c == "]":
        w.pos += 1
        if w.next_char():
            raise w.error("unexpected text after the end of the JSON array")
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


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    rest = ""
    for chunk in chunks:
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _json_lines(chunks: Iterator[str], source: str) -> Iterator[Record]:
    for n, text in enumerate(_lines(chunks), 1):
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


def _text_lines(chunks: Iterator[str], source: str) -> Iterator[Record]:
    """`TIMESTAMP message` lines become {timestamp, textPayload}; lines without a leading
    RFC 3339 timestamp keep only their text (they are undated)."""
    for n, text in enumerate(_lines(chunks), 1):
        text = text.rstrip("\r")
        if not text.strip():
            continue
        m = _TEXT_TIME.match(text)
        entry: dict[str, Any] = {"textPayload": m.group(2), "timestamp": m.group(1).replace(" ", "T")} if m \
            else {"textPayload": text}
        yield Record(source, n, None, entry)

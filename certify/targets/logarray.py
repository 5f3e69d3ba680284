"""gcloud's JSON array layout, read from raw bytes: what `gcloud logging read --format=json` prints
(and `jq .`, and json.dumps with indent 2). Entries are at two spaces of indent, everything inside
them deeper, and no JSON string holds a raw newline, so a line `  }` closes an entry and `  },`
then `  {` separates two.

Entries are cut out of big blocks without being parsed. With an active sieve, each block is first
searched for the sieve's hits: only the entries around them are cut out and decoded, the others
are counted by their separators (one search for `  },` then `  {`) and passed over. There the
reader trusts the layout: an export that separated its entries otherwise (none of the tools above
does) could be miscounted, never misread, for an entry is cut out by its own opening and closing
lines. Where the reader steps from entry to entry (the last one; every one while the sieve is off)
it checks what is between them, and the end of the array. Line numbers are counted only for a
message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BufferedIOBase

from certify.targets.logrecord import Lines, LogReadError, Passed, Record
from certify.targets.logsieve import Sieve

MAX_ENTRY = 64 << 20  # one entry larger than this is not a log entry
LAYOUT = re.compile(rb"\[\r?\n  \{\r?\n")  # how the layout starts
_WS = re.compile(rb"[ \t\r\n]*")


class _Window:
    """A sliding window over a binary stream: buf[pos:end] is read and not consumed yet; `base` is
    the offset of buf[0] from where reading started."""

    def __init__(self, stream: BufferedIOBase, head: bytes, pos: int, block: int, lines: Lines) -> None:
        self.stream, self.lines, self.source = stream, lines, lines.source
        self.buf = bytearray(max(block, len(head)))
        self.buf[:len(head)] = head
        self.pos, self.end, self.base = pos, len(head), 0

    def fill(self) -> bool:
        """Read more, keeping what is not consumed (the buffer grows when one entry fills it);
        False at the end of the stream."""
        if self.pos:
            keep = self.end - self.pos
            self.buf[:keep] = self.buf[self.pos:self.end]
            self.base += self.pos
            self.pos, self.end = 0, keep
        if self.end == len(self.buf):
            if self.end >= MAX_ENTRY:
                raise self.error(f"an entry larger than {MAX_ENTRY >> 20} MB, or not a log export")
            self.buf.extend(bytes(len(self.buf)))
        got = self.stream.readinto(memoryview(self.buf)[self.end:])
        if not got:
            return False
        self.end += got
        return True

    def record(self, begin: int, end: int) -> Record:
        """The entry in buf[begin:end], cut out."""
        return Record(self.source, self.base + begin, self.buf[begin:end].decode("utf-8", "replace"),
                      lines=self.lines)

    def error(self, message: str) -> LogReadError:
        return LogReadError(f"{self.lines.place(self.base + self.pos)}: {message}")

    def next_byte(self) -> bytes:
        """Skip whitespace; the next byte, or b"" at the end of the stream."""
        while True:
            m = _WS.match(self.buf, self.pos, self.end)
            assert m is not None
            self.pos = m.end()
            if self.pos < self.end:
                return bytes(self.buf[self.pos:self.pos + 1])
            if not self.fill():
                return b""


class _Layout:
    """The layout's lines, with the export's line ending."""

    def __init__(self, nl: bytes) -> None:
        self.close = nl + b"  }"  # closes an entry
        self.open = nl + b"  {"  # opens one
        self.next = b"," + self.open  # after an entry: the next one
        self.between = self.close + self.next + nl  # two entries, as the layout separates them


def gcloud_records(stream: BufferedIOBase, head: bytes, start: int, lines: Lines, sieve: Sieve | None,
                   block: int) -> Iterator[Record | Passed]:
    """The entries of an export in the layout, read `block` bytes at a time; `head`, the first
    bytes read from `stream`, holds the layout's start at `start` (after a byte-order mark)."""
    lay = _Layout(b"\r\n" if b"\r\n" in head[start:start + 8] else b"\n")
    w = _Window(stream, head, head.index(b"{", start), block, lines)
    while True:
        if sieve is not None and sieve.active:
            last = w.buf.rfind(lay.between, w.pos, w.end)
            if last >= 0:  # whole entries up to `last`: sift them
                stop = last + len(lay.close)
                yield from _sift(w, stop, sieve, lay)
                w.pos = stop + len(lay.next) - 1
                continue
            if w.buf.find(lay.close, w.pos, w.end) < 0 and w.fill():  # not one whole entry yet
                continue
        stop = _entry_end(w, lay)  # may move the window: w.pos is read after
        begin, w.pos = w.pos, stop
        if sieve is not None and sieve.active and (hits := sieve.hits(w.buf, begin, stop)) is not None \
                and hits.next(begin) >= stop:
            yield Passed(w.source, 1)
        else:
            yield w.record(begin, stop)
        if not _after(w, lay):
            return


def _sift(w: _Window, stop: int, sieve: Sieve, lay: _Layout) -> Iterator[Record | Passed]:
    """The entries of buf[pos:stop] (whole entries) that hold a hit, then how many were passed over."""
    buf, start = w.buf, w.pos
    hits = sieve.hits(buf, start, stop)
    cut, at = 0, start
    while (hit := at if hits is None else hits.next(at)) < stop:
        begin = buf.rfind(lay.open, start, hit + 1)  # the entry that holds the hit opens on this line
        begin = start if begin < 0 else begin + len(lay.open) - 1  # (or is the first one)
        end = buf.find(lay.close, begin, stop)
        if end < 0:
            break
        end += len(lay.close)
        if hit < end:  # else the hit is between two entries
            yield w.record(begin, end)
            cut += 1
        at = max(end + len(lay.next) - 1 if hits is None else end, hit + 1)
    entries = buf.count(lay.between, start, stop + len(lay.between) - len(lay.close))
    if entries > cut:  # (fewer: entries separated otherwise, all cut out)
        yield Passed(w.source, entries - cut)


def _entry_end(w: _Window, lay: _Layout) -> int:
    """Where the entry at w.pos ends (reading on until its closing line)."""
    end = w.buf.find(lay.close, w.pos, w.end)
    while end < 0:
        searched = max(w.end - w.pos - len(lay.close) + 1, 0)
        if not w.fill():
            raise w.error("the JSON array is truncated: the entry starting here is not closed "
                          "(an interrupted export?)")
        end = w.buf.find(lay.close, w.pos + searched, w.end)
    return end + len(lay.close)


def _after(w: _Window, lay: _Layout) -> bool:
    """Between entries: True at the next entry, False after the closing `]` (and nothing but
    whitespace after it)."""
    if w.buf.startswith(lay.next, w.pos):
        w.pos += len(lay.next) - 1
        return True
    c = w.next_byte()
    if c == b"]":
        w.pos += 1
        if not w.next_byte():
            return False
        raise w.error("unexpected text after the end of the JSON array")
    if c == b",":
        w.pos += 1
        c = w.next_byte()
        if c == b"{":
            return True
    if not c:
        raise w.error("the JSON array is truncated (it ends without its closing `]`)")
    found = w.buf[w.pos:w.pos + 20].decode("utf-8", "replace")
    raise w.error(f"expected `,` or `]` between entries, found {found!r}")

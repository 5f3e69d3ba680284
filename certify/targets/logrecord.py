"""What the log readers yield: records (one entry each, its raw text parsed only when asked),
counts of entries passed over, and where an entry is, for a message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BufferedIOBase
from typing import Any

COUNT_BLOCK = 1 << 20  # bytes read at a time when counting lines for a message


class LogReadError(Exception):
    """An input that cannot be read as a log export; the message names where."""


class Lines:
    """Line numbers in an export read as bytes, counted only when a message needs one: the export
    is read again from where reading started up to the place (a file, a gzip file or a temporary
    file can be), and the reader's position is put back."""

    def __init__(self, stream: BufferedIOBase, source: str) -> None:
        self.stream, self.source = stream, source
        try:
            self.origin: int | None = stream.tell()
        except (OSError, ValueError):  # not seekable
            self.origin = None

    def place(self, offset: int, lines_in: int = 0) -> str:
        """`source:line` of the byte `offset` bytes from the start (`lines_in` lines further), or
        `source, byte N` when the export cannot be read again."""
        if self.origin is not None:
            try:
                here = self.stream.tell()
                self.stream.seek(self.origin)
                line, left = 1, offset
                while left > 0 and (chunk := self.stream.read(min(left, COUNT_BLOCK))):
                    line += chunk.count(b"\n")
                    left -= len(chunk)
                self.stream.seek(here)
                return f"{self.source}:{line + lines_in}"
            except (OSError, ValueError):  # closed since
                pass
        return f"{self.source}, byte {offset}" + (f" (+{lines_in} lines)" if lines_in else "")


class Record:
    """One log entry: `raw` JSON text not parsed yet, or the entry itself."""

    __slots__ = ("source", "raw", "_entry", "_at", "_lines")

    def __init__(self, source: str, at: int, raw: str | None = None, entry: dict[str, Any] | None = None,
                 lines: Lines | None = None) -> None:
        """`at`: the entry's first line; with `lines`, its byte offset instead (the line is
        counted only for a message)."""
        self.source, self.raw, self._entry, self._at, self._lines = source, raw, entry, at, lines

    def place(self, lines_in: int = 0) -> str:
        """`source:line` of the entry, or of the line `lines_in` lines into it."""
        if self._lines is not None:
            return self._lines.place(self._at, lines_in)
        return f"{self.source}:{self._at + lines_in}"

    def entry(self) -> dict[str, Any]:
        if self._entry is None:
            assert self.raw is not None
            try:
                value = json.loads(self.raw)
            except (ValueError, RecursionError) as exc:  # also: an integer of 5,000 digits, nesting too deep
                where = self.place(exc.lineno - 1) if isinstance(exc, json.JSONDecodeError) else self.place()
                raise LogReadError(f"{where}: not valid JSON: {getattr(exc, 'msg', exc)}") from None
            if not isinstance(value, dict):
                raise LogReadError(f"{self.place()}: expected a log entry (a JSON object), "
                                   f"got {type(value).__name__}")
            self._entry = value
        return self._entry


@dataclass(frozen=True, slots=True)
class Passed:
    """Entries a reader passed over without cutting them out: the sieve showed none can match."""

    source: str
    count: int

"""Terminal output: progress on stderr (a live line on a terminal, plain lines in CI),
verdicts on stdout. Colour only on a terminal, never with NO_COLOR set."""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO

from certify.engine.result import RunResult
from certify.engine.run import Event
from certify.redact import Redactor

_COLORS = {"TRUE": "32", "pass": "32", "FALSE": "31", "fail": "31", "UNKNOWN": "33",
           "error": "33", "WAIVED": "36", "skip": "36"}


def use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, key: str, stream: TextIO) -> str:
    code = _COLORS.get(key)
    return f"\x1b[{code}m{text}\x1b[0m" if code and use_color(stream) else text


class ProgressPrinter:
    """Prints check progress to stderr; every line passes through the redactor."""

    def __init__(self, redactor: Redactor, total: int, verbosity: int = 1,
                 stream: TextIO | None = None) -> None:
        self.redactor = redactor
        self.total = total
        self.verbosity = verbosity
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() and not os.environ.get("CI")
        self.done = 0
        self.running: dict[tuple[str, int], str] = {}
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if self.verbosity <= 0:
            return
        key = (event.hypothesis, event.check.index)
        label = f"{event.hypothesis} #{event.check.index} {event.check.name}"
        with self.lock:
            if event.status is None:
                self.running[key] = label
                if self.verbosity > 1 and not self.live:
                    self._line(f"start  {label}")
            else:
                self.running.pop(key, None)
                self.done += 1
                status = paint(f"{event.status.upper():5}", event.status, self.stream)
                text = f"[{self.done}/{self.total}] {status} {label} ({event.seconds:.2f}s)"
                if event.status != "pass" or self.verbosity > 1:
                    text += f": {event.reason}"
                self._line(text)
            if self.live and self.running:
                now = next(iter(self.running.values()))
                status_line = f"  running {len(self.running)}: {now}"[: self._width()]
                self.stream.write("\r\x1b[2K" + self.redactor.text(status_line))
                self.stream.flush()

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns - 1
        except OSError:
            return 100

    def _line(self, text: str) -> None:
        prefix = "\r\x1b[2K" if self.live else ""
        self.stream.write(prefix + self.redactor.text(text) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _line(text: str) -> str:
    """Free text on one line: a claim cannot print lines that look like other verdicts."""
    return " ".join(text.split())


def summary(result: RunResult, redactor: Redactor, stream: TextIO) -> str:
    """The verdict summary printed on stdout."""
    width = max((len(_line(h.id)) for h in result.hypotheses), default=4)
    lines = []
    for h in result.hypotheses:
        verdict = paint(f"{h.verdict:8}", h.verdict, stream)
        info = "" if h.gate else " (informational)"
        lines.append(f"{verdict} {_line(h.id):{width}}  {_line(h.claim)}{info}")
        if h.verdict != "TRUE":
            lines.append(f"{'':8} {'':{width}}  └ {_line(h.reason)}")
    g = result.gate
    lines += ["", f"{g.summary}",
              f"TRUE {g.counts['TRUE']} · FALSE {g.counts['FALSE']} · UNKNOWN {g.counts['UNKNOWN']}"
              f" · WAIVED {g.counts['WAIVED']} · runtime proof "
              f"{'claimed' if g.runtime_proof_claimed else 'not claimed'}"]
    return redactor.text("\n".join(lines))

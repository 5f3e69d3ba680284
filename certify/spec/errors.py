"""Positioned errors: every mistake in a spec names its file, line and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A position in a spec file (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class SpecError(Exception):
    """One mistake in a spec, at a position."""

    def __init__(self, mark: Mark | None, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message

    def __str__(self) -> str:
        one_line = " ".join(self.message.split())
        return f"{self.mark}: {one_line}" if self.mark else one_line


class SpecErrors(Exception):
    """Every mistake found in a spec, in file order."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors = sorted(
            errors, key=lambda e: (e.mark.file, e.mark.line, e.mark.col) if e.mark else ("", 0, 0)
        )
        super().__init__("\n".join(str(e) for e in self.errors))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean "x"?)' suffix, or '' when nothing is close."""
    import difflib  # only a spec with a misspelt name needs it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""

"""Small value types of the spec language: count expressions and regular expressions."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certify.spec.errors import SpecError
from certify.spec.yamlnodes import Node

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
    ">": operator.gt, "<": operator.lt, "=": operator.eq,
}
_NUM = r"-?\d+(?:\.\d+)?"
_COMPARE = re.compile(rf"^\s*(>=|<=|==|!=|>|<|=)?\s*({_NUM})\s*$")
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")


def _num(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


@dataclass(frozen=True)
class CountExpr:
    """An expectation on a number: `5`, `">0"`, `">= 372"`, `"<1"`, `"0..10"` (inclusive)."""

    op: str  # one of _OPS, or ".." for a range
    low: float
    high: float | None = None

    @classmethod
    def parse(cls, text: str) -> CountExpr:
        m = _RANGE.match(text)
        if m:
            low, high = _num(m.group(1)), _num(m.group(2))
            if low > high:
                raise ValueError(f'empty range "{text}": {low} is above {high}')
            return cls("..", low, high)
        m = _COMPARE.match(text)
        if m:
            return cls(m.group(1) or "==", _num(m.group(2)))
        raise ValueError(f'bad count expression "{text}": expected 5, ">0", ">= 372", "<1" or "0..10"')

    def matches(self, value: float) -> bool:
        if self.op == "..":
            assert self.high is not None
            return self.low <= value <= self.high
        return _OPS[self.op](value, self.low)

    def __str__(self) -> str:
        if self.op == "..":
            return f"{_fmt(self.low)}..{_fmt(self.high)}"
        return _fmt(self.low) if self.op in ("==", "=") else f"{self.op} {_fmt(self.low)}"

    @classmethod
    def bind(cls, node: Node) -> CountExpr:
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return cls("==", value)
        if isinstance(value, str) and re.search(r"\d", value):
            try:
                return cls.parse(value)
            except ValueError as exc:
                raise SpecError(node.mark, node.unexpand(str(exc))) from None
        raise SpecError(node.mark, f"expected {cls.expected()}, got {node.shown()!r}")

    @classmethod
    def expected(cls) -> str:
        return 'a count (5, ">0", ">= 372", "<1", "0..10")'

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"anyOf": [{"type": "number"},
                          {"type": "string", "pattern": r"^\s*((>=|<=|==|!=|>|<|=)?\s*-?\d+(\.\d+)?|"
                                                        r"-?\d+(\.\d+)?\s*\.\.\s*-?\d+(\.\d+)?)\s*$"}],
                "description": cls.expected()}


def _fmt(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


@dataclass(frozen=True)
class Regex:
    """A regular expression (Python syntax), compiled when the spec is loaded."""

    source: str
    compiled: re.Pattern[str]

    @classmethod
    def of(cls, source: str) -> Regex:
        return cls(source, re.compile(source))

    @classmethod
    def bind(cls, node: Node) -> Regex:
        if not isinstance(node.value, str):
            raise SpecError(node.mark, f"expected {cls.expected()}, got {node.shown()!r}")
        try:
            regex = cls.of(node.value)
        except re.error as exc:
            at = f" at position {exc.pos}" if exc.pos is not None else ""
            raise SpecError(node.mark, f'bad regular expression "{node.shown()}": {exc.msg}{at}') from None
        except (OverflowError, RecursionError) as exc:  # a{99999999999}, thousands of nested groups
            raise SpecError(node.mark, f'bad regular expression "{node.shown()}": {exc}') from None
        if regex.compiled.search("") is not None:
            # "" from an unset "${MARKER:-}", "x*", "^": found in every line, so `some`, `contains`
            # and `then` would hold whatever the text says.
            raise SpecError(node.mark, f'regular expression "{node.shown()}" matches an empty line, so it '
                                       "matches every line and proves nothing; give it something to find")
        return regex

    @classmethod
    def expected(cls) -> str:
        return "a regular expression"

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        return {"type": "string", "format": "regex"}

    def __str__(self) -> str:
        return self.source

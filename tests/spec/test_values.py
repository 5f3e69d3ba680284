import pytest

from certify.spec.values import CountExpr


@pytest.mark.parametrize(("text", "yes", "no"), [
    ("5", [5], [4, 6]),
    (">0", [1, 100], [0]),
    (">= 372", [372, 400], [371]),
    ("<1", [0], [1]),
    ("0..10", [0, 5, 10], [-1, 11]),
    ("!= 0", [1], [0]),
    ("<= 2.5", [2.5, 1], [3]),
])
def test_count_expressions(text: str, yes: list[float], no: list[float]) -> None:
    expr = CountExpr.parse(text)
    assert all(expr.matches(v) for v in yes)
    assert not any(expr.matches(v) for v in no)


@pytest.mark.parametrize("text", [">", "x", "5..1", ">= x", "1..", "== = 3"])
def test_bad_count_expressions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        CountExpr.parse(text)


def test_count_expressions_print_as_written() -> None:
    assert str(CountExpr.parse(">=372")) == ">= 372"
    assert str(CountExpr.parse("0..10")) == "0..10"
    assert str(CountExpr.parse("5")) == "5"

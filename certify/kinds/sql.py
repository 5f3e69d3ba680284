"""`sql`: any read-only fact, e.g. a row count, a setting, a constraint's definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome
from certify.kinds.pg_common import setting_refusal, sql_refusal, target
from certify.spec.binder import meta
from certify.spec.values import CountExpr


@dataclass(frozen=True)
class SqlExpect:
    rows: CountExpr | None = field(default=None, metadata=meta('how many rows, e.g. ">0" or 0'))
    value: Any = field(default=None, metadata=meta("the first column of the first row equals this"))
    contains: dict[str, Any] = field(default_factory=dict, metadata=meta(
        "some row has these column values"))


@dataclass(frozen=True)
class SqlFields:
    """Run one read-only statement (in a transaction that is rolled back) and check its rows."""

    query: str = field(metadata=meta("one SQL statement"))
    role: str | None = field(default=None, metadata=meta("run as this role (SET LOCAL ROLE)"))
    settings: dict[str, str] = field(default_factory=dict, metadata=meta(
        "settings applied with set_config(..., true), e.g. app.current_tenant_id"))
    expect: SqlExpect = field(default_factory=SqlExpect, metadata=meta(
        "expectations (default: the query runs)"))

    def __post_init__(self) -> None:
        refused = sql_refusal(self.query)
        if refused:
            raise ValueError(f"query: {refused}")
        for name in self.settings:
            refused = setting_refusal(name)
            if refused:
                raise ValueError(f"settings: {refused}")


def _same(got: Any, want: Any) -> bool:
    """Whether a value the database returned is the one the spec expects. Types must agree as
    YAML can say them: a boolean only equals a boolean (Python's True == 1 must not make `true`
    pass for `1`), a number only a number (int, float, numeric), and a string the value as
    PostgreSQL prints it (dates, UUIDs, text) but never a number or a boolean."""
    from decimal import Decimal  # what psycopg returns for numeric: loaded once a query ran

    if isinstance(got, bool) or isinstance(want, bool):
        return isinstance(got, bool) and isinstance(want, bool) and got == want
    if isinstance(want, int | float):
        return isinstance(got, int | float | Decimal) and got == want
    if isinstance(want, str):
        return got is not None and not isinstance(got, int | float | Decimal) and str(got) == want
    return bool(got == want)


def run(f: SqlFields, ctx: CheckContext[SqlFields]) -> Outcome:
    pg = target(ctx)
    out = ctx.outcome(ran=f.query.strip(), reproduce=pg.reproduce(f.query, f.role, f.settings))
    columns, rows = pg.query(f.query, role=f.role, settings=f.settings, guard=ctx)
    out.values["rows"] = len(rows)
    shown = [" | ".join(columns)] + [" | ".join(str(v) for v in r) for r in rows[:20]]
    if len(rows) > 20:
        shown.append(f"... {len(rows) - 20} more rows")
        out.attachments["rows.txt"] = "\n".join(
            [" | ".join(columns)] + [" | ".join(str(v) for v in r) for r in rows])
    out.output = "\n".join(shown) if columns else "(no result set)"
    e = f.expect
    if e.rows is not None and not e.rows.matches(len(rows)):
        out.findings.append(Finding("rows", f"{len(rows)}, expected {e.rows}"))
    if e.value is not None:
        got = rows[0][0] if rows and rows[0] else None
        out.values["value"] = got
        if not _same(got, e.value):
            out.findings.append(Finding("value", f"{got!r}, expected {e.value!r}"))
    if e.contains:
        missing = [k for k in e.contains if k not in columns]
        if missing:
            out.findings.append(Finding("columns", f"no column {', '.join(missing)} in the result"))
        elif not any(all(_same(r[columns.index(k)], v) for k, v in e.contains.items()) for r in rows):
            want = ", ".join(f"{k}={v!r}" for k, v in e.contains.items())
            out.findings.append(Finding("rows", f"no row has {want}"))
    if not out.findings:
        out.reason = f"{len(rows)} row{'s' if len(rows) != 1 else ''}" + (
            f", value {out.values['value']!r}" if "value" in out.values else "") + " as expected"
    return out


KIND = KindSpec(
    name="sql",
    summary="any read-only fact about the database",
    fields=SqlFields,
    run=run,
    proof="runtime",
    target_type="postgres",
    default_timeout=30.0,
    example="""\
- kind: sql
  query: "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'users_status_check'"
  expect: {rows: 1}
""",
)

"""EVIDENCE.md: the pack for people, rendered from templates/EVIDENCE.md.j2.

Valid GitHub-flavoured Markdown whatever the spec and the evidence hold: every piece of free
text goes through one inline filter (`inline`, `cell` in tables) and every block of output
through one block filter (`fence`: a fence longer than any backtick run inside it), so no
claim, id, title or output can add a heading, a section, HTML or a link; nothing is cut
without saying where the rest is.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from certify.engine.result import FINDINGS_FILE, CheckResult, HypothesisResult, RunResult
from certify.report.json_report import all_waivers, controls
from certify.report.naming import anchor, anchor_of, attachment_path, run_attachment_path

if TYPE_CHECKING:
    import jinja2

VERDICT_MARK = {"TRUE": "✅ TRUE", "FALSE": "❌ FALSE", "UNKNOWN": "❔ UNKNOWN", "WAIVED": "⏸️ WAIVED"}
STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}


_MARKUP = re.compile(r"([\\`*_<>\[\]|])")
# What counts only at the start of a line: an ATX heading, a bullet, an ordered item, a setext
# underline or thematic break, a tilde fence. (Backtick fences, quotes and HTML are escaped anywhere.)
_LINE_START = re.compile(r"^(?:#{1,6}|[-+])(?=\s|$)|^(?:-+|=+)$|^~{3,}")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_CLOSING_HASHES = re.compile(r"(\s)(#+)$")  # an ATX heading's optional closing sequence


def inline(value: Any) -> str:
    """Free text (from the spec or the evidence) as inline Markdown that reads as it was written
    and adds no structure, wherever it is put (a heading, a list item, a paragraph, a cell): one
    line; backslashes, backticks, emphasis, HTML, links and pipes escaped; what would start a
    heading, a list or a fence at the start of a line, and closing hashes at its end, escaped."""
    text = " ".join(str(value if value is not None else "").split())
    text = _MARKUP.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: "\\" + m.group(0), text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _CLOSING_HASHES.sub(r"\1\\\2", text)


def cell(value: Any) -> str:
    """Free text in a table cell: inline text, never empty."""
    return inline(value) or " "


def code(value: Any, in_table: bool = False) -> str:
    """Inline code that survives any backticks in the value (and, in a table, its pipes)."""
    text = " ".join(str(value).split())
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def value(v: Any) -> str:
    """A measured value as inline code: JSON for structures, so it reads the same as results.json."""
    structured = isinstance(v, dict | list | bool) or v is None
    text = json.dumps(v, ensure_ascii=False, default=str) if structured else str(v)
    return code(text)


def fence(value: Any, lang: str = "text") -> str:
    text = str(value).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def waiver_text(w: dict[str, Any]) -> str:
    """A waiver in one line of inline Markdown: who, since when, until when, the ticket or risk, why."""
    parts = [f"by {inline(w.get('by'))}"]
    if w.get("since"):
        parts.append(f"since {inline(w['since'])}")
    parts.append(f"expires {inline(w.get('expires'))} (UTC)")
    if w.get("ticket"):
        parts.append(f"ticket {inline(w['ticket'])}")
    if w.get("risk"):
        parts.append(f"risk: {inline(w['risk'])}")
    return ", ".join(parts) + f": {inline(w.get('reason'))}"


def more_findings(h: HypothesisResult, c: CheckResult, shown: int = 50) -> str:
    """The last row of a check's findings table (it shows `shown`): how many more there are and
    where; a capped check's are all in its findings file (engine/result.py)."""
    if c.findings_total is None:
        return f"{len(c.findings) - shown} more findings: see `results.json`"
    return f"showing {shown} of {c.findings_total:,} findings: every one is in " \
        f"{code(attachment_path(h, c, FINDINGS_FILE), in_table=True)}"


def _environment() -> jinja2.Environment:
    import jinja2  # imported here: `certify --help` must not pay for it

    from certify.report.template_cache import bytecode_cache

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("certify.report", "templates"),
        autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.bytecode_cache = bytecode_cache(env)  # compiled once, not by every run
    env.filters.update(inline=inline, cell=cell, code=code, fence=fence, value=value)
    env.filters.update(waiver=waiver_text)
    env.globals.update(verdict_mark=VERDICT_MARK, status_mark=STATUS_MARK, all_waivers=all_waivers,
                       controls=controls,
                       attachment_path=attachment_path, run_attachment_path=run_attachment_path,
                       anchor=anchor, anchor_of=anchor_of, more_findings=more_findings)
    return env


def _by_group(r: RunResult) -> list[tuple[str, str, list[HypothesisResult]]]:
    groups: dict[str, list[HypothesisResult]] = {}
    for h in r.hypotheses:
        groups.setdefault(h.group, []).append(h)
    order = [g for g in r.groups if g in groups] + [g for g in groups if g not in r.groups]
    return [(g, groups[g][0].group_title, groups[g]) for g in order]


_prepared: list[jinja2.Template] = []  # loaded ahead by `prepare`, taken by the next render


def _template() -> jinja2.Template:
    return _environment().get_template("EVIDENCE.md.j2")


def prepare() -> None:
    """Load Jinja and EVIDENCE.md's template now, for the next `render` (0.05 s it then does not
    spend): `certify run` calls it while its checks run, its main thread idle until they are done."""
    _prepared.append(_template())


def render(r: RunResult) -> str:
    template = _prepared.pop() if _prepared else _template()
    text: str = template.render(r=r, groups=_by_group(r),
                           local=[h for h in r.hypotheses if h.proof == "local"],
                           runtime=[h for h in r.hypotheses if h.proof == "runtime"])
    return text

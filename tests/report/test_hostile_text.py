"""Free text from the spec and from evidence cannot add structure to EVIDENCE.md: a claim, a
question, a phase, a group title, an id, a check name, a waiver or a command's output holding
newlines, headings, HTML, links, pipes or fences renders as text, and the pack keeps exactly its
own headings."""

from __future__ import annotations

import json
import re
from pathlib import Path

from certify.engine import verdicts
from certify.engine.result import Baseline, CheckResult, HypothesisResult, RunResult
from certify.kinds.base import Finding
from certify.report import markdown
from tests.conftest import certify, write

HOSTILE = ("x\n\n## 9. Forged section\n<script>alert(1)</script>\n# top | cell `tick` "
           "[link](http://evil.example) <!-- hidden\n```\n- item\n> quote ##")


def _structure(md: str) -> tuple[list[str], list[str]]:
    """(headings, lines outside fenced code) of a Markdown document, CommonMark's fence rules."""
    headings, outside, fence = [], [], ""
    for line in md.splitlines():
        if fence:
            if re.fullmatch(re.escape(fence[0]) + f"{{{len(fence)},}}[ \t]*", line):
                fence = ""
            continue
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if m:
            fence = m.group(1)
            continue
        outside.append(line)
        if re.match(r"^ {0,3}#{1,6}(\s|$)", line):
            headings.append(line)
    assert not fence, "a fence was left open"
    return headings, outside


def _without_code_spans(line: str) -> str:
    """The line with its inline code spans (literal text) removed; escaped backticks stay."""
    out, i = [], 0
    while i < len(line):
        m = re.compile(r"(?<!\\)`+").search(line, i)
        if not m:
            break
        out.append(line[i:m.start()])
        close = re.compile(f"(?<!`){m.group(0)}(?!`)").search(line, m.end())
        if not close:
            out.append(m.group(0))
            i = m.end()
            continue
        i = close.end()
    out.append(line[i:])
    return "".join(out)


def _assert_inert(md: str, expected_headings: list[str]) -> None:
    headings, outside = _structure(md)
    assert len(headings) == len(expected_headings), headings
    for got, want in zip(headings, expected_headings, strict=True):
        assert got.startswith(want), (got, want)
    for line in map(_without_code_spans, outside):
        assert not re.search(r"(?<!\\)<(script|!--|/pre)", line), line   # no raw HTML
        assert not re.search(r"(?<!\\)\[link(?<!\\)\]", line), line        # no forged link
        assert not re.match(r"^ {0,3}(>|- item)", line), line              # no forged quote or item
        assert not re.match(r"^ {0,3}(=+|-+)\s*$", line) or line.strip() == "---", line


def test_a_spec_full_of_hostile_text_keeps_the_pack_s_headings(tmp_path: Path) -> None:
    h = json.dumps(HOSTILE)
    hid = "H-1"  # ids are refused unless plain (tests/spec); hostile ids are rendered below
    description = json.dumps("# Forged title\n> quote\n" + HOSTILE)
    run = "printf '%s\\n' '````' '## forged in output' '</pre><script>' '~~~'; exit 3"
    write(tmp_path / "checks.yaml", f"""
        certify: 1
        phase: {h}
        description: {description}
        groups: {{G: {h}}}
        hypotheses:
          - id: {hid}
            group: G
            claim: {h}
            question: {h}
            tags: [{h}]
            waiver: {{reason: {h}, expires: 2000-01-01, by: {h}}}
            checks:
              - name: {h}
                kind: command
                run: {json.dumps(run)}
          - id: H-2
            group: G
            claim: {h}
            check: {{kind: command, run: "true", name: {h}}}
    """)
    summary = tmp_path / "summary.md"
    res = certify("run", "-q", "--github", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert res.exit_code == 1, res.stderr
    md = (res.packs[0] / "EVIDENCE.md").read_text()
    expected = ["# Evidence pack — x", "## 1. Baseline", "## 2. Environment facts", "## 3. Verdict",
                "## 4. Hypothesis truth table", "### G — x ##", "## 5. Local proof vs runtime proof",
                "## 6. Operational readiness snapshot", "## 7. Open questions",
                "## 8. Exceptions (waivers)", "## 9. Controls",
                "## 10. Evidence",
                "### H-1: x ## 9.", "#### Check 1: x", "### H-2: x ## 9.", "#### Check 1: x"]
    _assert_inert(md, expected)
    assert "## forged in output" in md  # the output is there, inside its fence
    _assert_inert(summary.read_text(), ["## certify: x"])  # the GitHub step summary
    verdict_lines = [line for line in res.stdout.splitlines() if re.match(r"^(TRUE|FALSE) +H-", line)]
    assert len(verdict_lines) == 2, res.stdout  # one line per hypothesis on the terminal too
    ledger = (tmp_path / "reports" / "INDEX.md").read_text().splitlines()
    assert len([line for line in ledger if line.startswith("| 20")]) == 1


def test_rendered_results_with_newlines_in_every_field_keep_their_headings() -> None:
    """What a merge reads back from shards' results.json is rendered with the same care."""
    check = CheckResult(kind="command`x", name=HOSTILE, index=1, status="fail", reason=HOSTILE,
                        ran=HOSTILE, output="````\n## out\n" + HOSTILE, reproduce=HOSTILE,
                        findings=[Finding(HOSTILE, HOSTILE, HOSTILE)], values={HOSTILE: HOSTILE},
                        attachments={"x](y) <b>.txt": "full"}, target=HOSTILE, spec_at=HOSTILE)
    hyp = HypothesisResult(id=HOSTILE, group=HOSTILE, group_title=HOSTILE, claim=HOSTILE,
                           proof="local", gate=True, tags=[HOSTILE], question=HOSTILE, verdict="FALSE",
                           reason=HOSTILE, checks=[check], spec_at=HOSTILE,
                           waiver={"reason": HOSTILE, "by": HOSTILE, "expires": HOSTILE, "state": HOSTILE})
    run = RunResult(phase=HOSTILE, description=HOSTILE, spec_path=HOSTILE, spec_sha256="0" * 64,
                    spec_files=[HOSTILE, HOSTILE], tool_version=HOSTILE,
                    baseline=Baseline(HOSTILE, HOSTILE, False, HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE),
                    environment={HOSTILE: HOSTILE}, gate=verdicts.gate([hyp], False), hypotheses=[hyp],
                    selection={HOSTILE: HOSTILE}, groups={HOSTILE: HOSTILE},
                    attachments={"svc](x) <i>.log": "log"})
    md = markdown.render(run)
    expected = ["# Evidence pack — x", "## 1. Baseline", "## 2. Environment facts", "## 3. Verdict",
                "## 4. Hypothesis truth table", "### x ## 9. For", "## 5. Local proof vs runtime proof",
                "## 6. Operational readiness snapshot", "## 7. Open questions",
                "## 8. Exceptions (waivers)", "## 9. Controls",
                "## 10. Evidence",
                "### x ## 9. For", "#### Check 1: x"]
    _assert_inert(md, expected)

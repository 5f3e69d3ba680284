"""junit.xml: one testsuite per group, one testcase per hypothesis (SPEC §5).

FALSE is a failure, UNKNOWN an error, WAIVED skipped; the evidence goes in system-out.
"""

from __future__ import annotations

from junit_xml import TestCase, TestSuite, to_xml_report_string  # type: ignore[import-untyped]

from certify.engine.result import HypothesisResult, RunResult


def evidence_text(h: HypothesisResult) -> str:
    """The plain-text evidence of a hypothesis (also used on the terminal)."""
    lines = [f"{h.id}: {h.verdict} ({h.proof} proof{'' if h.gate else ', informational'})",
             f"claim: {h.claim}", f"why: {h.reason}"]
    for c in h.checks:
        lines += ["", f"[{c.status.upper()}] check {c.index}: {c.name} ({c.kind}) - {c.reason}"]
        if c.ran:
            lines.append(f"ran: {c.ran}")
        if c.reproduce:
            lines.append(f"reproduce: {c.reproduce}")
        for f in c.findings[:50]:
            lines.append(f"  {f.where}: {f.what}")
        if c.finding_count > 50:  # a capped check's results.json names the file listing them all
            lines.append(f"  ... {c.finding_count - 50} more findings (see results.json)")
        if c.output:
            lines += ["output:", c.output]
    return "\n".join(lines)


def render(r: RunResult) -> str:
    suites: dict[str, list[TestCase]] = {}
    titles: dict[str, str] = {}
    for h in r.hypotheses:
        case = TestCase(name=f"{h.id}: {h.claim}", classname=h.group,
                        elapsed_sec=sum(c.seconds for c in h.checks), stdout=evidence_text(h))
        if h.verdict == "FALSE":
            case.add_failure_info(message=h.reason, output=h.reason, failure_type="FALSE")
        elif h.verdict == "UNKNOWN":
            case.add_error_info(message=h.reason, output=h.reason, error_type="UNKNOWN")
        elif h.verdict == "WAIVED":
            case.add_skipped_info(message=h.reason)
        suites.setdefault(h.group, []).append(case)
        titles[h.group] = h.group_title
    xml: str = to_xml_report_string(
        [TestSuite(f"{g}: {titles[g]}" if titles[g] != g else g, cases,
                   timestamp=r.baseline.started, properties={"phase": r.phase,
                                                             "commit": r.baseline.commit})
         for g, cases in suites.items()], encoding="utf-8")
    return _with_controls(xml, r) if any(h.controls for h in r.hypotheses) else xml


def _with_controls(xml: str, r: RunResult) -> str:
    """Each testcase gets `<properties><property name="control" value="SOC2:CC6.1"/>...`, as test
    management tools read them (junit-xml gives properties to suites only)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    by_name = {f"{h.id}: {h.claim}": h for h in r.hypotheses}
    for case in root.iter("testcase"):
        h = by_name.get(case.get("name", ""))
        if h is None or not h.controls:
            continue
        props = ET.Element("properties")
        for control in h.controls:
            ET.SubElement(props, "property", name="control", value=control)
        case.insert(0, props)
    ET.indent(root, space="\t")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Exceptions an auditor accepts: waivers with since and ticket (or risk), waivers of single
findings (`waive: [{where, ...}]`), expiry compared in UTC, and every expired or unused waiver
listed in the pack."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.conftest import certify, certify_process, spec_text, write


def _project(tmp_path: Path, hypotheses: str) -> Path:
    write(tmp_path / "checks.yaml", spec_text(hypotheses))
    write(tmp_path / "src" / "a.py", "x = 1  # TODO a\n")
    write(tmp_path / "src" / "b.py", "y = 2  # TODO b\n")
    return tmp_path


def test_a_waiver_records_since_and_ticket(tmp_path: Path) -> None:
    _project(tmp_path, """
        - id: H-1
          claim: fails, accepted
          waiver: {reason: vendor fix, since: 2026-01-05, expires: 2999-01-01, by: ana, ticket: SEC-42}
          check: {kind: command, run: "exit 1"}
    """)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 0, res.stdout + res.stderr
    h = res.results["hypotheses"][0]
    assert h["verdict"] == "WAIVED"
    assert h["waiver"]["since"] == "2026-01-05" and h["waiver"]["ticket"] == "SEC-42"
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert "SEC-42" in evidence and "since 2026-01-05" in evidence


def test_a_waiver_of_one_finding_does_not_waive_the_claim(tmp_path: Path) -> None:
    _project(tmp_path, """
        - id: H-1
          claim: no TODO in the code
          waive:
            - {where: "src/a.py:1", reason: tracked, expires: 2999-01-01, by: ana, risk: low}
            - {where: "src/zzz.py:*", reason: stale, expires: 2999-01-01, by: bo, ticket: OPS-1}
          check: {kind: grep, pattern: 'TODO', paths: [src/]}
        - id: H-2
          claim: no TODO in a.py
          waive:
            - {where: "src/a.py:*", reason: tracked, expires: 2999-01-01, by: ana, ticket: SEC-7}
          check: {kind: grep, pattern: 'TODO', paths: [src/a.py]}
    """)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H-1": "FALSE", "H-2": "WAIVED"}, res.results
    h1 = res.results["hypotheses"][0]
    assert "src/b.py" in h1["reason"]
    states = {w["where"]: w["state"] for w in h1["finding_waivers"]}
    assert states == {"src/a.py:1": "applied", "src/zzz.py:*": "unused"}
    listed = {(w["hypothesis"], w.get("where"), w["state"]) for w in res.results["waivers"]}
    assert ("H-1", "src/zzz.py:*", "unused") in listed and ("H-2", "src/a.py:*", "applied") in listed
    evidence = (res.pack / "EVIDENCE.md").read_text()
    section = evidence[evidence.index("Exceptions"):]
    assert "`src/zzz.py:*`" in section and "unused" in section and "OPS-1" in section


def test_expired_and_unused_waivers_are_listed(tmp_path: Path) -> None:
    _project(tmp_path, """
        - id: H-1
          claim: fails, waiver expired
          waiver: {reason: old, expires: 2020-01-01, by: ana, ticket: SEC-1}
          check: {kind: command, run: "exit 1"}
        - id: H-2
          claim: holds, waiver unused
          waiver: {reason: not needed, expires: 2999-01-01, by: bo, ticket: SEC-2}
          check: {kind: command, run: "true"}
    """)
    res = certify("run", "-q", cwd=tmp_path)
    assert res.verdicts == {"H-1": "FALSE", "H-2": "TRUE"}
    states = {(w["hypothesis"], w["state"]) for w in res.results["waivers"]}
    assert states == {("H-1", "expired"), ("H-2", "unused")}
    evidence = (res.pack / "EVIDENCE.md").read_text()
    section = evidence[evidence.index("Exceptions"):]
    assert "SEC-1" in section and "expired" in section and "SEC-2" in section and "unused" in section


def test_expiry_is_compared_in_utc(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    if now.hour >= 10:  # at UTC+14 it is already tomorrow: a local comparison says expired
        tz, expires, want = "Etc/GMT-14", now.date(), "WAIVED"
    else:  # at UTC-12 it is still yesterday: a local comparison says valid
        tz, expires, want = "Etc/GMT+12", now.date() - dt.timedelta(days=1), "FALSE"
    _project(tmp_path, f"""
        - id: H-1
          claim: fails
          waiver: {{reason: r, expires: {expires.isoformat()}, by: ana, ticket: T-1}}
          check: {{kind: command, run: "exit 1"}}
    """)
    proc = certify_process("run", "-q", "--json", "r.json", cwd=tmp_path, env={"TZ": tz})
    verdict = json.loads((tmp_path / "r.json").read_text())["hypotheses"][0]["verdict"]
    assert verdict == want, proc.stdout + proc.stderr


def test_since_after_expires_is_a_positioned_error(tmp_path: Path) -> None:
    _project(tmp_path, """
        - id: H-1
          claim: x
          waiver: {reason: r, since: 2026-05-01, expires: 2026-04-01, by: ana}
          check: {kind: command, run: "exit 1"}
    """)
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("checks.yaml:") and "since" in lines[0], lines

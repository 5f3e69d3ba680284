"""A check with very many findings: the pack lists the first FINDINGS_KEPT (EVIDENCE.md and
results.json say how many there were and where the rest are), every one of them goes to the
check's findings file, one line each, redacted and covered by the manifest; verdicts and
waivers are judged on all of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from certify.engine.result import FINDINGS_KEPT
from certify.redact import LONG_TEXT, Redactor
from tests.conftest import CliResult, certify, git, spec_text, write

AWS_KEY = "AKIA" + "QWERTYUIOPASDFGH"  # a secret's shape: masked wherever it is written
TOTAL = 260


def _repo(tmp_path: Path, hypotheses: str) -> CliResult:
    """a.txt holds 230 violating lines, b.txt 30, the last of them with an AWS key: all of b's
    findings sort after the first FINDINGS_KEPT (50)."""
    repo = tmp_path / "repo"
    write(repo / "a.txt", "".join(f"print({i})\n" for i in range(230)))
    write(repo / "b.txt", "".join(f"print({i})\n" for i in range(29)) + f"print('{AWS_KEY}')\n")
    git(repo, "init", "-q")
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    return certify("run", "-q", cwd=tmp_path)


def _check(res: CliResult, hid: str = "H") -> dict[str, Any]:
    return next(h for h in res.results["hypotheses"] if h["id"] == hid)["checks"][0]


def test_the_pack_lists_the_first_findings_and_attaches_every_one(tmp_path: Path) -> None:
    res = _repo(tmp_path, r"""
        - {id: H, claim: no print, check: {kind: grep, pattern: 'print\(', expect: none}}
    """)
    assert res.exit_code == 1 and res.verdicts == {"H": "FALSE"}, res.stdout + res.stderr
    check = _check(res)
    assert check["values"]["matches"] == TOTAL and check["findings_total"] == TOTAL
    assert [f["where"] for f in check["findings"]] == [f"a.txt:{n}" for n in range(1, FINDINGS_KEPT + 1)]
    assert check["reason"].startswith(f"{TOTAL} matching lines, expected none: a.txt:1: print(0)")
    listing = (res.pack / check["findings_file"]).read_text().splitlines()
    assert check["findings_file"] in check["attachments"]
    assert listing == [f"a.txt:{n}: print({n - 1})" for n in range(1, 231)] + \
        [f"b.txt:{n}: print({n - 1})" for n in range(1, 30)] + ["b.txt:30: print('AKIA***')"]
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert f"showing 50 of {TOTAL} findings: every one is in `{check['findings_file']}`" in evidence
    assert f"{TOTAL - 50} more findings (see results.json)" in (res.pack / "junit.xml").read_text()
    for written in res.pack.rglob("*"):
        assert written.is_dir() or AWS_KEY not in written.read_text(), written
    assert f"  {check['findings_file']}\n" in (res.pack / "MANIFEST.sha256").read_text()


def test_verify_sees_a_changed_findings_file(tmp_path: Path) -> None:
    res = _repo(tmp_path, r"""
        - {id: H, claim: no print, check: {kind: grep, pattern: 'print\(', expect: none}}
    """)
    assert certify("verify", str(res.pack), cwd=tmp_path).exit_code == 0
    listing = res.pack / _check(res)["findings_file"]
    listing.write_text(listing.read_text().replace("b.txt:30", "b.txt:31"))
    tampered = certify("verify", str(res.pack), cwd=tmp_path)
    assert tampered.exit_code != 0 and _check(res)["findings_file"] in tampered.stdout + tampered.stderr


def test_waivers_are_judged_on_every_finding_not_the_listed_ones(tmp_path: Path) -> None:
    """b.txt's findings are past the first FINDINGS_KEPT: waiving them does not waive a.txt's,
    and a waiver of a.txt's alone leaves b.txt's counting (and the reverse)."""
    res = _repo(tmp_path, r"""
        - id: B-ONLY
          claim: no print
          waive: [{where: "b.txt:*", reason: vendored, expires: 2999-01-01, by: ana, ticket: T-1}]
          check: {kind: grep, pattern: 'print\(', expect: none}
        - id: A-ONLY
          claim: no print
          waive: [{where: "a.txt:*", reason: vendored, expires: 2999-01-01, by: ana, ticket: T-1}]
          check: {kind: grep, pattern: 'print\(', expect: none}
        - id: ALL
          claim: no print
          waive: [{where: "*.txt:*", reason: vendored, expires: 2999-01-01, by: ana, ticket: T-1}]
          check: {kind: grep, pattern: 'print\(', expect: none}
    """)
    assert res.verdicts == {"B-ONLY": "FALSE", "A-ONLY": "FALSE", "ALL": "WAIVED"}, res.stdout
    assert all(_check(res, h)["findings_total"] == TOTAL for h in res.verdicts)


def test_a_merged_pack_keeps_the_count_and_the_findings_file(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "a.txt", "".join(f"print({i})\n" for i in range(TOTAL)))
    git(repo, "init", "-q")
    write(tmp_path / "checks.yaml", spec_text(r"""
        - {id: H, claim: no print, check: {kind: grep, pattern: 'print\(', expect: none}}
        - {id: G, claim: readme, check: {kind: file, path: missing.md, exists: false}}
    """, header="targets: {repo: {path: repo}}\n"))
    shards = [certify("run", "--shard", f"{k}/2", "-q", "-o", "shards", cwd=tmp_path).pack for k in (1, 2)]
    merged = certify("merge", *map(str, shards), "-o", "merged", cwd=tmp_path)
    assert merged.exit_code == 1, merged.stdout + merged.stderr
    pack = next((tmp_path / "merged").glob("*/*/results.json")).parent
    check = next(h for h in json.loads((pack / "results.json").read_text())["hypotheses"]
                 if h["id"] == "H")["checks"][0]
    assert check["findings_total"] == TOTAL and len(check["findings"]) == FINDINGS_KEPT
    assert len((pack / check["findings_file"]).read_text().splitlines()) == TOTAL
    assert f"showing 50 of {TOTAL} findings" in (pack / "EVIDENCE.md").read_text()
    assert certify("verify", str(pack), cwd=tmp_path).exit_code == 0


def test_a_long_text_is_redacted_as_each_of_its_lines_would_be() -> None:
    """A findings file is redacted as one text: past LONG_TEXT characters the shapes are looked
    for by their own substring tests, not the alternation of all of them; the same lines mask."""
    secrets = [f"key = {AWS_KEY}", "Authorization: Bearer abcdef123456", "Cookie: sid=s3cr3t",
               "X-Api-Key: k3y", "password = 'hunter2'", "https://u:pw@db.example/x", "?token=abc&x=1",
               "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz", "ghp_" + "a" * 36,
               "xoxb-1234567890-abc", "sk_live_" + "b" * 24, "Private-Token: glpat", "Set-Cookie: a=b"]
    lines = [f"src/f{i}.py:{i}: filler {'x' * (i % 50)} " + secrets[i % len(secrets)] for i in range(400)]
    text = "\n".join(lines)
    assert len(text) >= LONG_TEXT
    redactor = Redactor({"DB_PASSWORD": "hunter2"})
    assert redactor.text(text) == "\n".join(redactor.text(line) for line in lines)
    assert AWS_KEY not in redactor.text(text) and "hunter2" not in redactor.text(text)


def test_the_findings_file_holds_one_line_per_finding(tmp_path: Path) -> None:
    """A carriage return inside a matching line (where ripgrep and Python see one line) does not
    split its finding in two."""
    repo = tmp_path / "repo"
    repo.mkdir()
    lines = [b"print(%d)\n" % i for i in range(FINDINGS_KEPT)]
    (repo / "a.txt").write_bytes(b"".join(lines) + b"print(x)\rtail\n")
    git(repo, "init", "-q")
    write(tmp_path / "checks.yaml", spec_text(r"""
        - {id: H, claim: no print, check: {kind: grep, pattern: 'print\(', expect: none}}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    check = _check(res)
    listing = (res.pack / check["findings_file"]).read_bytes().decode().split("\n")
    assert check["findings_total"] == len(listing) == FINDINGS_KEPT + 1
    assert listing[-1] == f"a.txt:{FINDINGS_KEPT + 1}: print(x) tail"

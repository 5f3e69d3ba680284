"""No secret value ever reaches an output file, stdout or stderr. Planted, then searched for."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write

TOKEN = "tok-PLANTED-0e8c1f6a"
DSN_PASSWORD = "pw-PLANTED-77aa"
HEADER_TOKEN = "hdr-PLANTED-9b2d"
QUERY_TOKEN = "qs-PLANTED-41c0"
COOKIE = "ck-PLANTED-5e5e"
FALLBACK = "fb-PLANTED-3c3c"  # the default of an unset secret: `${FALLBACK_KEY:-...}`
PLANTED = [TOKEN, DSN_PASSWORD, HEADER_TOKEN, QUERY_TOKEN, COOKIE, FALLBACK]


def test_planted_secrets_appear_nowhere(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "config.txt", f"api_token={TOKEN}\n")
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H-ECHO
          claim: a command that prints every kind of secret
          check:
            kind: command
            run: >-
              echo "token ${{API_TOKEN}}";
              echo "dsn postgresql://app:{DSN_PASSWORD}@db:5432/app";
              echo "Authorization: Bearer {HEADER_TOKEN}";
              echo "GET /cb?access_token={QUERY_TOKEN}&x=1";
              echo "Cookie: session={COOKIE}";
              echo "key ${{FALLBACK_KEY:-{FALLBACK}}}";
              exit 1
        - id: H-GREP
          claim: the token is not in the repo
          check: {{kind: grep, pattern: 'tok-PLANTED'}}
        - id: H-FILE
          claim: file contains it
          check: {{kind: file, path: config.txt, not_contains: ['${{API_TOKEN}}']}}
        - id: H-LONG
          claim: long output lands in attachments, redacted too
          check: {{kind: command, run: 'for i in $(seq 1 50); do echo "$i $API_TOKEN"; done; exit 1'}}
    """, header="targets: {repo: {path: repo}}\nsecrets: [API_TOKEN, FALLBACK_KEY]\n"))
    res = certify("run", "-v", cwd=tmp_path, env={"API_TOKEN": TOKEN})
    assert res.exit_code == 1
    assert res.verdicts == {"H-ECHO": "FALSE", "H-GREP": "FALSE", "H-FILE": "FALSE", "H-LONG": "FALSE"}
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert any("attachments" in p.parts for p in files)
    leaks = [(p.name, s) for p in files for s in PLANTED if s in p.read_text(errors="replace")]
    leaks += [("stdout", s) for s in PLANTED if s in res.stdout]
    leaks += [("stderr", s) for s in PLANTED if s in res.stderr]
    print(f"\nsecrets planted: {len(PLANTED)}, searched in {len(files) + 2} outputs, leaked: {len(leaks)}")
    assert leaks == []
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert "[REDACTED:API_TOKEN]" in evidence
    assert "[REDACTED:FALLBACK_KEY]" in evidence
    assert "postgresql://app:***@db" in evidence

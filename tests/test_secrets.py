"""No secret value ever reaches an output file, stdout or stderr. Planted, then searched for."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import certify, spec_text, write

TOKEN = "tok-PLANTED-0e8c1f6a"
DSN_PASSWORD = "pw-PLANTED-77aa"
HEADER_TOKEN = "hdr-PLANTED-9b2d"
QUERY_TOKEN = "qs-PLANTED-41c0"
COOKIE = "ck-PLANTED-5e5e"
FALLBACK = "fb-PLANTED-3c3c"  # the default of an unset secret: `${FALLBACK_KEY:-...}`
VARS_TOKEN = "vr-PLANTED-1d7e"  # a secret set in the spec's own `vars:` block
INCLUDE_TOKEN = "in-PLANTED-8f2b"  # a secret a pack gets from its include's `vars`
BAD_DSN_PASSWORD = "bd%PLANTED-4a4a"  # not a valid percent-escape: libpq quotes it back
SOURCES = {
    "environment": [TOKEN],
    "secret-shaped output": [DSN_PASSWORD, HEADER_TOKEN, QUERY_TOKEN, COOKIE],
    "default": [FALLBACK],
    "vars:": [VARS_TOKEN],
    "include vars": [INCLUDE_TOKEN],
    "malformed DSN": [BAD_DSN_PASSWORD],
}
PLANTED = [s for values in SOURCES.values() for s in values]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_planted_secrets_appear_nowhere(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "config.txt", f"api_token={TOKEN}\n")
    write(tmp_path / "packs" / "pack.yaml", """
        secrets: [PACK_TOKEN]
        hypotheses:
          - id: H-PACK
            claim: a pack that prints its parameter
            check: {kind: command, run: 'echo "pack ${PACK_TOKEN}"; exit 1'}
    """)
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
              echo "vars ${{VARS_KEY}}";
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
        - id: H-PG
          claim: a database whose DSN libpq cannot parse, and says why
          check: {{kind: sql, query: select 1, expect: {{value: 1}}}}
    """, header=f"""
        targets:
          repo: {{path: repo}}
          postgres: {{db: {{dsn: "${{DATABASE_URL}}", connect_timeout: 2}}}}
        secrets: [API_TOKEN, FALLBACK_KEY, VARS_KEY, DATABASE_URL]
        vars: {{VARS_KEY: {VARS_TOKEN}}}
        include: [{{path: packs/pack.yaml, vars: {{PACK_TOKEN: {INCLUDE_TOKEN}}}}}]
    """))
    copies = [tmp_path / "out" / "junit.xml", tmp_path / "out" / "results.json", tmp_path / "out" / "x.sarif"]
    res = certify("run", "-v", "--junit", str(copies[0]), "--json", str(copies[1]), "--sarif", str(copies[2]),
                  cwd=tmp_path, env={"API_TOKEN": TOKEN, "DATABASE_URL": "postgresql://app:"
                                     f"{BAD_DSN_PASSWORD}@127.0.0.1:{closed_port()}/app"})
    assert res.exit_code == 1
    assert res.verdicts == {"H-ECHO": "FALSE", "H-GREP": "FALSE", "H-FILE": "FALSE", "H-LONG": "FALSE",
                            "H-PG": "UNKNOWN", "H-PACK": "FALSE"}
    assert "invalid percent-encoded token" in res.stdout + res.stderr  # libpq did quote it
    files = [p for p in [*(tmp_path / "reports").rglob("*"), *copies] if p.is_file()]
    assert any("attachments" in p.parts for p in files)
    leaks = [(p.name, s) for p in files for s in PLANTED if s in p.read_text(errors="replace")]
    leaks += [("stdout", s) for s in PLANTED if s in res.stdout]
    leaks += [("stderr", s) for s in PLANTED if s in res.stderr]
    print(f"\nsecrets planted: {len(PLANTED)} values from {len(SOURCES)} sources, "
          f"searched in {len(files) + 2} outputs, leaked: {len(leaks)}")
    assert leaks == []
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert "[REDACTED:API_TOKEN]" in evidence
    assert "[REDACTED:FALLBACK_KEY]" in evidence
    assert "[REDACTED:VARS_KEY]" in evidence
    assert "[REDACTED:PACK_TOKEN]" in evidence
    assert "postgresql://app:***@db" in evidence

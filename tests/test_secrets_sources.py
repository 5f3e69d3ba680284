"""Every secret's final value is redacted, wherever it came from: the environment, a `vars:`
block, an include's `vars`, a default, a malformed DSN; and a spec error quotes the spec's
text (`${API_TOKEN}`), never the secret it expands to."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import CliResult, certify, spec_text, write

CI_TOKEN = "ci-PLANTED-6d1f0b"
LITERAL = "lit-PLANTED-aa90c2"


def outputs(tmp_path: Path, res: CliResult, extra: Sequence[Path] = ()) -> dict[str, str]:
    """Every output of a run: pack files, copies beside it, stdout, stderr."""
    found = {str(p): p.read_text(errors="replace")
             for p in [*(tmp_path / "reports").rglob("*"), *extra] if p.is_file()}
    found["stdout"], found["stderr"] = res.stdout, res.stderr
    return found


def leaks(found: dict[str, str], secrets: list[str]) -> list[tuple[str, str]]:
    return [(where, s) for where, text in found.items() for s in secrets if s in text]


def test_a_secret_set_through_vars_is_redacted(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-VARS
          claim: a command that prints the secrets a vars block set
          check: {kind: command, run: 'echo "${PACK_TOKEN} ${API_KEY}"; exit 1'}
    """, header=f"""
        secrets: [PACK_TOKEN, API_KEY]
        vars: {{PACK_TOKEN: "${{CI_TOKEN}}", API_KEY: {LITERAL}}}
    """))
    res = certify("run", cwd=tmp_path, env={"CI_TOKEN": CI_TOKEN})
    assert res.verdicts == {"H-VARS": "FALSE"}
    assert leaks(outputs(tmp_path, res), [CI_TOKEN, LITERAL]) == []
    evidence = (res.pack / "EVIDENCE.md").read_text()
    assert "[REDACTED:PACK_TOKEN]" in evidence or '"$PACK_TOKEN"' in evidence
    assert "[REDACTED:API_KEY]" in evidence or '"$API_KEY"' in evidence


def test_a_value_that_came_from_a_secret_through_an_include_is_redacted(tmp_path: Path) -> None:
    write(tmp_path / "packs" / "token.yaml", """
        secrets: [PACK_SECRET]
        hypotheses:
          - id: H-PACK
            claim: the pack prints its parameters
            check: {kind: command, run: 'echo "pack: ${PACK_TOKEN} ${PACK_SECRET}"; exit 1'}
    """)
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-OWN
          claim: mine
          check: {kind: command, run: 'echo "own: ${ROOT_TOKEN}"; exit 1'}
    """, header=f"""
        secrets: [ROOT_TOKEN]
        vars: {{ROOT_TOKEN: "${{CI_TOKEN}}"}}
        include:
          - {{path: packs/token.yaml, vars: {{PACK_TOKEN: "Bearer ${{ROOT_TOKEN}}", PACK_SECRET: {LITERAL}}}}}
    """))
    res = certify("run", cwd=tmp_path, env={"CI_TOKEN": CI_TOKEN})
    assert res.verdicts == {"H-OWN": "FALSE", "H-PACK": "FALSE"}
    assert leaks(outputs(tmp_path, res), [CI_TOKEN, LITERAL]) == []


# ---------------------------------------------------------------- malformed DSNs

MALFORMED_PASSWORD = "s3cr%t-Pa55word"  # an invalid percent-escape: libpq quotes it back


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_libpq_really_echoes_a_malformed_password() -> None:
    import psycopg

    with pytest.raises(psycopg.Error) as info:
        psycopg.connect(f"postgresql://app:{MALFORMED_PASSWORD}@127.0.0.1:{closed_port()}/app",
                        connect_timeout=2)
    assert MALFORMED_PASSWORD in str(info.value)


@pytest.mark.parametrize("dsn", [
    pytest.param("postgresql://app:{pw}@127.0.0.1:{port}/app", id="uri-bad-percent-escape"),
    pytest.param("postgresql://app:{pw}@127.0.0.1:{port}/app?sslmode=disable", id="uri-with-query"),
    pytest.param("postgresql://app:{pw} x@127.0.0.1:{port}/app", id="uri-unquoted-space"),
    pytest.param("host=127.0.0.1 port={port} password={pw} x", id="keyword-unquoted-space"),
    pytest.param("host=127.0.0.1 port={port} password='{pw}", id="keyword-unterminated-quote"),
])
def test_a_malformed_dsn_password_is_redacted_everywhere(tmp_path: Path, dsn: str) -> None:
    raw = dsn.format(pw=MALFORMED_PASSWORD, port=closed_port())
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-PG
          claim: the database answers
          check: {kind: sql, query: "select 1", expect: {value: 1}}
    """, header='targets: {postgres: {db: {dsn: "${DATABASE_URL}", connect_timeout: 2}}}\n'
                "secrets: [DATABASE_URL]\n"))
    copies = [tmp_path / "out" / "junit.xml", tmp_path / "out" / "results.json", tmp_path / "out" / "x.sarif"]
    res = certify("run", "--github", "--junit", str(copies[0]), "--json", str(copies[1]),
                  "--sarif", str(copies[2]), cwd=tmp_path, env={"DATABASE_URL": raw})
    assert res.exit_code == 3, res.stdout + res.stderr
    assert [h["verdict"] for h in json.loads(copies[1].read_text())["hypotheses"]] == ["UNKNOWN"]
    found = outputs(tmp_path, res, copies)
    assert len(found) > 8
    assert leaks(found, [MALFORMED_PASSWORD, MALFORMED_PASSWORD.replace("%", "%25"), raw]) == []


# ---------------------------------------------------------------- spec errors

API_TOKEN = "tk(PLANTED[9f3a"  # not a valid regex, id, count, kind, date, number or path


def spec_with(field: str, header: str = "") -> str:
    return spec_text(field, header=header)


ERRORS = [
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: '${API_TOKEN}('}}", "", id="regex"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x, then: '${API_TOKEN}'}}", "",
                 id="regex-then"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x, expect: '${API_TOKEN}0'}}", "",
                 id="count"),
    pytest.param("- {id: H1, claim: c, check: {kind: command, run: x, values: {n: '>${API_TOKEN}1'}}}",
                 "", id="count-in-values"),
    pytest.param("- {id: H1, claim: c, check: {kind: '${API_TOKEN}'}}", "", id="kind"),
    pytest.param("- {id: H1, claim: c, proof: '${API_TOKEN}', check: {kind: grep, pattern: x}}", "",
                 id="enum"),
    pytest.param("- {id: H1, claim: c, gate: '${API_TOKEN}', check: {kind: grep, pattern: x}}", "",
                 id="bool"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x, window: '${API_TOKEN}'}}", "",
                 id="int"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x, timeout: '${API_TOKEN}'}}", "",
                 id="float"),
    pytest.param("- {id: H1, claim: c, waiver: {reason: r, by: b, expires: '${API_TOKEN}'}, "
                 "check: {kind: grep, pattern: x}}", "", id="date"),
    pytest.param("- {id: H1, claim: c, group: '${API_TOKEN}', check: {kind: grep, pattern: x}}",
                 "groups: {A: a}\n", id="group"),
    pytest.param("- {id: '${API_TOKEN}', claim: c, check: {kind: grep, pattern: x}}", "", id="id"),
    pytest.param("- {id: H1, claim: c, check: {kind: sql, target: '${API_TOKEN}', query: 'select 1'}}",
                 "targets: {postgres: {a: {dsn: x}, b: {dsn: y}}}\n", id="target"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x}}", "include: ['${API_TOKEN}']\n",
                 id="include"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: x}}",
                 "include: ['${API_TOKEN}*']\n", id="include-glob"),
    pytest.param("- {id: H1, claim: c, check: {kind: log_proof, filter: 'a = \"${API_TOKEN}', "
                 "expect: {min: 1}}}", "targets: {logs: {l: {files: [x.json]}}}\n", id="filter"),
    pytest.param("- {id: H1, claim: c, check: {kind: http, path: /, expect: {status: '${API_TOKEN}'}}}",
                 "targets: {http: {api: {base_url: 'http://127.0.0.1:1'}}}\n", id="http-status"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: '${ALIAS}('}}",
                 "vars: {ALIAS: '${API_TOKEN}'}\n", id="through-vars"),
    pytest.param("- {id: H1, claim: c, check: {kind: grep, pattern: '${NOT_SECRET}('}}",
                 "vars: {NOT_SECRET: 'x${API_TOKEN}y'}\n", id="inside-vars"),
]


@pytest.mark.parametrize(("hypotheses", "header"), ERRORS)
def test_spec_errors_quote_the_spec_not_the_secret(tmp_path: Path, hypotheses: str, header: str) -> None:
    write(tmp_path / "checks.yaml", spec_with(hypotheses, header + "secrets: [API_TOKEN]\n"))
    for command in ("validate", "run"):
        res = certify(command, cwd=tmp_path, env={"API_TOKEN": API_TOKEN})
        assert res.exit_code == 2, (command, res.stdout, res.stderr)
        assert res.stderr.strip(), command
        for piece in (API_TOKEN, "PLANTED"):
            assert piece not in res.stdout + res.stderr, (command, res.stderr)


@pytest.mark.parametrize("header", ["", "grups: {A: a}\n"], ids=["valid-top", "invalid-top"])
def test_a_secret_quoted_escaped_is_scrubbed_too(tmp_path: Path, header: str) -> None:
    """An error that quotes a secret escaped (JSON, repr) still names the variable, even when the
    file's top level has mistakes of its own."""
    hypothesis = "- {id: '${API_TOKEN}', claim: c, check: {kind: file, path: x}}"
    write(tmp_path / "checks.yaml", spec_with(hypothesis, header + "secrets: [API_TOKEN]\n"))
    res = certify("validate", cwd=tmp_path, env={"API_TOKEN": 'tk\\PLANTED"9f'})
    assert res.exit_code == 2
    assert "PLANTED" not in res.stdout + res.stderr, res.stderr
    assert 'id: "${API_TOKEN}" is not a usable id' in res.stderr


def test_certify_list_redacts_a_claim_quoting_a_secret(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - id: H-LIST
          claim: "the token ${API_TOKEN} is rotated"
          check: {kind: command, run: "true"}
    """, header="secrets: [API_TOKEN]\n"))
    res = certify("list", cwd=tmp_path, env={"API_TOKEN": CI_TOKEN})
    assert res.exit_code == 0, res.stderr
    assert "H-LIST" in res.stdout
    assert CI_TOKEN not in res.stdout + res.stderr

"""Spec mistakes are one-line `file:line:col: message` errors with exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import certify, certify_process, spec_text, write

ONE_LINE = re.compile(r"^checks\.yaml:(\d+):(\d+): .+$")


def errors_of(tmp_path: Path, text: str, *args: str) -> list[str]:
    write(tmp_path / "checks.yaml", text)
    res = certify("validate", *args, cwd=tmp_path)
    assert res.exit_code == 2, res.stdout + res.stderr
    return res.stderr.strip().splitlines()


GOOD_CHECK = "check: {kind: grep, pattern: 'x'}"


def test_malformed_yaml_is_positioned(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, "certify: 1\nphase: p\nhypotheses: [\n  {id: H1,\n")
    assert ONE_LINE.match(err) and "invalid YAML" in err


def test_unknown_kind_suggests_the_right_one(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, spec_text("""
        - id: H1
          claim: c
          check: {kind: grpe, pattern: x}
    """))
    assert err.startswith("checks.yaml:6:19:")
    assert 'unknown kind "grpe" (did you mean "grep"?)' in err


def test_misspelled_field_suggests_the_right_one(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, spec_text("""
        - id: H1
          claim: c
          check:
            kind: grep
            patern: x
    """))
    assert err.startswith("checks.yaml:8:7:")
    assert 'unknown field "patern" (did you mean "pattern"?)' in err


def test_misspelled_top_level_and_hypothesis_keys(tmp_path: Path) -> None:
    errs = errors_of(tmp_path, "certify: 1\nphase: p\ngrups: {A: a}\nhypotheses:\n"
                               "  - id: H1\n    claimm: c\n    " + GOOD_CHECK + "\n")
    text = "\n".join(errs)
    assert 'checks.yaml:3:1: unknown field "grups" (did you mean "groups"?)' in text
    assert 'unknown field "claimm" (did you mean "claim"?)' in text


def test_bad_regex_is_positioned(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, spec_text("""
        - id: H1
          claim: c
          check: {kind: grep, pattern: 'route(['}
    """))
    assert ONE_LINE.match(err)
    assert 'bad regular expression "route(["' in err


def test_unset_variable_is_an_error_unless_filtered_out(tmp_path: Path) -> None:
    text = spec_text("""
        - id: H1
          claim: c
          check: {kind: command, run: "echo ${CERTIFY_TEST_UNSET_VAR}"}
        - id: H2
          claim: d
          check: {kind: command, run: "echo ${CERTIFY_TEST_UNSET_VAR:-fallback}"}
    """)
    (err,) = errors_of(tmp_path, text)
    assert err.startswith("checks.yaml:6:")
    assert "CERTIFY_TEST_UNSET_VAR is not set" in err
    res = certify("run", "--only", "H1", cwd=tmp_path)
    assert res.exit_code == 2 and "CERTIFY_TEST_UNSET_VAR" in res.stderr
    res = certify("run", "--only", "H2", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "fallback" in res.results["hypotheses"][0]["checks"][0]["output"]


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    errs = errors_of(tmp_path, spec_text("""
        - id: H1
          claim: c
          check: {kind: grep, pattern: x, expect: ">= x"}
        - id: H1
          claim: again
          check: {kind: file}
        - id: H3
          claim: no evidence
    """))
    text = "\n".join(errs)
    assert "expected" in text and '">= x"' in text or "'>= x'" in text
    assert "give `path:`" in text
    assert "every claim needs evidence" in text
    assert all(ONE_LINE.match(e) for e in errs), errs


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    (err,) = errors_of(tmp_path, spec_text(f"""
        - id: H1
          claim: c
          {GOOD_CHECK}
        - id: H1
          claim: d
          {GOOD_CHECK}
    """))
    assert 'duplicate hypothesis id "H1" (first at checks.yaml:4' in err


def test_unknown_group_and_missing_required_fields(tmp_path: Path) -> None:
    errs = errors_of(tmp_path, "certify: 1\ngroups: {A: a}\nhypotheses:\n"
                               "  - id: H1\n    group: Z\n    claim: c\n    " + GOOD_CHECK + "\n")
    text = "\n".join(errs)
    assert 'missing required field "phase"' in text
    assert 'unknown group "Z"' in text


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    errs = errors_of(tmp_path, spec_text("""
        - id: H1
          claim: c
          gate: maybe
          proof: production
          check: {kind: grep, pattern: x, window: many}
    """))
    text = "\n".join(errs)
    assert "gate: expected true or false, got 'maybe'" in text
    assert "proof: expected \"local\" or \"runtime\"" in text
    assert "window: expected a whole number" in text


def test_include_merges_and_reports_positions_in_the_included_file(tmp_path: Path) -> None:
    write(tmp_path / "packs" / "extra.yaml", """
        groups: {X: Extra}
        hypotheses:
          - id: H-X1
            group: X
            claim: from the pack
            check: {kind: grep, pattern: 'nothing-matches-this-zzz'}
    """)
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H1
          claim: c
          {GOOD_CHECK}
    """, header="include: [packs/extra.yaml]\n"))
    res = certify("list", cwd=tmp_path)
    assert res.exit_code == 0 and "H-X1" in res.stdout
    write(tmp_path / "packs" / "extra.yaml", "hypotheses:\n  - id: H-X1\n    claim: c\n"
                                             "    check: {kind: nope}\n")
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    assert res.stderr.startswith("packs/extra.yaml:4:19:")


def test_missing_spec_file(tmp_path: Path) -> None:
    res = certify("run", "nope.yaml", cwd=tmp_path)
    assert res.exit_code == 2
    assert "nope.yaml: no such spec file" in res.stderr


@pytest.mark.parametrize("text", [
    "", "- just\n- a list\n", "certify: 2\nphase: p\nhypotheses: []\n",
    "certify: 1\nphase: p\nhypotheses: {a: 1}\n", "a: b: c\n", "\t- bad indent\n",
    "certify: 1\nphase: p\nhypotheses:\n  - id: H1\n    claim: c\n    check: [1, 2]\n",
    "certify: 1\nphase: p\nhypotheses:\n  - id: [1]\n    claim: {a: 1}\n    checks: []\n",
    "certify: 1\nphase: p\nkey: &a [*a]\n",
])
def test_garbage_never_gives_a_traceback(tmp_path: Path, text: str) -> None:
    write(tmp_path / "checks.yaml", text)
    proc = certify_process("validate", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for line in proc.stderr.strip().splitlines():
        assert re.match(r"^checks\.yaml:\d+:\d+: ", line), line

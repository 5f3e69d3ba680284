from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import MARK, certify, certify_process, processes_mentioning, spec_text, write


def run_spec(tmp_path: Path, hypotheses: str) -> dict:
    (tmp_path / "repo").mkdir(exist_ok=True)
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_values_from_named_groups_are_checked(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, r"""
        - id: ENOUGH
          claim: enough tests pass
          check:
            kind: command
            run: "echo 'Tests: 372 passed, 372 total'"
            expect: {stdout: ['Tests: (?P<passed>\d+) passed']}
            values: {passed: ">= 372"}
        - id: TOO-FEW
          claim: more tests than there are
          check:
            kind: command
            run: "echo 'Tests: 371 passed'"
            expect: {stdout: ['Tests: (?P<passed>\d+) passed']}
            values: {passed: ">= 372"}
    """)
    assert hyps["ENOUGH"]["verdict"] == "TRUE"
    assert hyps["ENOUGH"]["checks"][0]["values"]["passed"] == 372
    assert hyps["TOO-FEW"]["verdict"] == "FALSE"
    assert "passed: 371, expected >= 372" in hyps["TOO-FEW"]["reason"]


def test_exit_codes_stdout_not_and_stderr(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, """
        - id: EXIT1-EXPECTED
          claim: the linter rejects bad input
          check: {kind: command, run: "exit 3", expect: {exit: "!= 0"}}
        - id: EXIT-WRONG
          claim: succeeds
          check: {kind: command, run: "echo boom >&2; exit 2"}
        - id: STDOUT-NOT
          claim: no warnings
          check: {kind: command, run: "echo 'WARNING: deprecated'", expect: {stdout_not: ['WARNING']}}
        - id: STDERR
          claim: says done on stderr
          check: {kind: command, run: ["sh", "-c", "echo done >&2"], expect: {stderr: ['^done$']}}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "EXIT1-EXPECTED": "TRUE", "EXIT-WRONG": "FALSE", "STDOUT-NOT": "FALSE", "STDERR": "TRUE"}
    assert "exit: 2, expected 0" in hyps["EXIT-WRONG"]["reason"]
    assert "boom" in hyps["EXIT-WRONG"]["checks"][0]["output"]


def test_a_missing_program_is_unknown_not_false(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, """
        - id: SHELL
          claim: c
          check: {kind: command, run: "certify-no-such-tool --scan"}
        - id: ARGV
          claim: c
          check: {kind: command, run: ["certify-no-such-tool", "--scan"]}
    """)
    for h in hyps.values():
        assert h["verdict"] == "UNKNOWN"
        assert h["checks"][0]["status"] == "error"
        assert "command not found: certify-no-such-tool" in h["reason"]


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    start = time.monotonic()
    hyps = run_spec(tmp_path, f"""
        - id: SLOW
          claim: c
          check:
            kind: command
            run: "sh -c 'sleep 30; touch {marker}' & sleep 30"
            timeout: 1
    """)
    assert time.monotonic() - start < 10
    assert hyps["SLOW"]["verdict"] == "UNKNOWN"
    assert "timed out after 1s" in hyps["SLOW"]["reason"]
    assert processes_mentioning(f"touch {marker}") == []


def test_long_output_goes_to_an_attachment(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, """
        - id: LONG
          claim: c
          check: {kind: command, run: "seq 1 500"}
    """)
    check = hyps["LONG"]["checks"][0]
    assert check["attachments"] == ["attachments/long-1-command-stdout.txt"]
    assert "500" in check["output"] and "\\n1\\n" not in check["output"]


def test_cwd_and_env(tmp_path: Path) -> None:
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    hyps = run_spec(tmp_path, """
        - id: H
          claim: c
          check:
            kind: command
            run: 'echo "$PWD $GREETING"'
            cwd: sub
            env: {GREETING: hello}
            expect: {stdout: ['repo/sub hello$']}
        - id: NO-DIR
          claim: c
          check: {kind: command, run: "true", cwd: nowhere}
    """)
    assert hyps["H"]["verdict"] == "TRUE"
    assert hyps["NO-DIR"]["verdict"] == "UNKNOWN"


def test_a_program_that_does_not_exist_is_not_started(tmp_path: Path) -> None:
    write(tmp_path / "checks.yaml", spec_text("""
        - {id: ARGV, claim: c, check: {kind: command, run: [no-such-program-xyz, --version]}}
    """))
    res = certify("run", "-q", cwd=tmp_path)
    check = res.results["hypotheses"][0]["checks"][0]
    assert check["status"] == "error" and check["reason"] == "command not found: no-such-program-xyz"
    assert "not started: program not found" in check["output"] and "killed" not in check["output"]


# ---------------------------------------------------------------- fail closed


def test_a_value_whose_group_did_not_take_part_is_false(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, r"""
        - id: NO-TESTS
          claim: enough tests pass
          check:
            kind: command
            run: "echo 'no tests ran'"
            expect: {stdout: ['(?P<passed>\d+) passed|no tests ran']}
            values: {passed: ">= 372"}
        - id: EXIT-GROUP
          claim: a group named like a measured fact is not that fact
          check:
            kind: command
            run: "echo 'nothing'"
            expect: {stdout: ['exit=(?P<exit>\d+)|nothing']}
            values: {exit: 0}
    """)
    assert hyps["NO-TESTS"]["verdict"] == "FALSE"
    assert hyps["NO-TESTS"]["reason"] == "passed: no value captured"
    assert hyps["EXIT-GROUP"]["verdict"] == "FALSE"
    assert hyps["EXIT-GROUP"]["reason"] == "exit: no value captured"


def test_values_must_be_finite_numbers(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, r"""
        - id: INF
          claim: c
          check: {kind: command, run: "echo 'inf passed'", expect: {stdout: ['(?P<passed>\S+) passed']},
                  values: {passed: ">= 372"}}
        - id: NAN
          claim: c
          check: {kind: command, run: "echo 'nan passed'", expect: {stdout: ['(?P<passed>\S+) passed']},
                  values: {passed: "!= 0"}}
        - id: HUGE
          claim: c
          check: {kind: command, run: "echo '1e999 passed'", expect: {stdout: ['(?P<passed>\S+) passed']},
                  values: {passed: ">= 372"}}
    """)
    for name, raw in (("INF", "inf"), ("NAN", "nan"), ("HUGE", "1e999")):
        assert hyps[name]["verdict"] == "FALSE", hyps[name]["reason"]
        assert hyps[name]["reason"] == f"passed: {raw!r} is not a finite number"


def test_absence_in_output_cut_at_the_capture_limit_is_unknown(tmp_path: Path) -> None:
    """FAILED printed after 33 MiB of output: the tail was never read, so its absence is not proven."""
    big = "import sys; sys.stdout.write('x' * (33 << 20) + chr(10)); print('FAILED')"
    hyps = run_spec(tmp_path, f"""
        - id: TAIL
          claim: nothing failed
          check: {{kind: command, run: ["python3", "-c", "{big}"], expect: {{stdout_not: [FAILED]}}}}
    """)
    tail = hyps["TAIL"]
    assert tail["verdict"] == "UNKNOWN"
    assert tail["reason"] == "not proven: stdout over 32 MiB; the tail was not read; exit 0"
    assert len(tail["checks"][0]["output"]) < 10_000  # a 32 MiB line is not copied into the evidence


def test_claims_on_cut_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from certify.kinds import command
    monkeypatch.setattr(command, "CAPTURE_LIMIT", 1000)
    hyps = run_spec(tmp_path, r"""
        - id: SEEN
          claim: the head says started (presence in what was read is proven)
          check: {kind: command, run: "echo started; seq 1 2000", expect: {stdout: ['^started$']}}
        - id: NOT-SEEN
          claim: the summary is in the tail
          check: {kind: command, run: "seq 1 2000; echo done", expect: {stdout: ['^done$']}}
        - id: COUNT
          claim: a count read from the head
          check: {kind: command, run: "echo '5 passed'; seq 1 2000; echo '0 passed'",
                  expect: {stdout: ['(?P<passed>\d+) passed']}, values: {passed: "> 0"}}
        - id: STDERR-NOT
          claim: no error on stderr
          check: {kind: command, run: "seq 1 2000 >&2; echo ERROR >&2", expect: {stderr_not: [ERROR]}}
        - id: FOUND-ANYWAY
          claim: a violation in the head is still a violation
          check: {kind: command, run: "echo FAILED; seq 1 2000", expect: {stdout_not: [FAILED]}}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "SEEN": "TRUE", "NOT-SEEN": "UNKNOWN", "COUNT": "UNKNOWN", "STDERR-NOT": "UNKNOWN",
        "FOUND-ANYWAY": "FALSE"}
    assert hyps["NOT-SEEN"]["reason"] == "not proven: stdout over 1000 bytes; the tail was not read; exit 0"
    assert hyps["COUNT"]["reason"] == ("not proven: stdout over 1000 bytes; the tail was not read; "
                                       "exit 0; passed=5")
    assert hyps["STDERR-NOT"]["reason"] == "not proven: stderr over 1000 bytes; the tail was not read; exit 0"


@pytest.mark.parametrize("field, value, message", [
    ("run", '""', "run: expected a command, got an empty one"),
    ("run", '"  "', "run: expected a command, got an empty one"),
    ("expect", "{stdout: ['']}", "matches an empty line, so it matches every line and proves nothing"),
    ("expect", "{stderr: ['']}", "matches an empty line, so it matches every line and proves nothing"),
])
def test_empty_expectations_are_spec_errors(tmp_path: Path, field: str, value: str, message: str) -> None:
    check = f"{{kind: command, {field}: {value}}}" if field == "run" else \
        f"{{kind: command, run: 'true', {field}: {value}}}"
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: H
          claim: c
          check: {check}
    """))
    res = certify("validate", cwd=tmp_path)
    assert res.exit_code == 2
    line = res.stderr.strip() or res.stdout.strip()
    assert line.startswith("checks.yaml:") and message in line and "Traceback" not in line, line


def test_a_regex_that_backtracks_forever_ends_at_the_check_timeout(tmp_path: Path) -> None:
    """/(a+)+$/ over 40 a's and a b takes about 2^40 steps: the check is UNKNOWN at its timeout."""
    (tmp_path / "repo").mkdir()
    write(tmp_path / "checks.yaml", spec_text(r"""
        - id: REDOS
          claim: c
          check: {kind: command, run: "printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'", timeout: 2,
                  expect: {stdout_not: ['(a+)+$']}}
    """, header="targets: {repo: {path: repo}}\n"))
    start = time.monotonic()
    proc = certify_process("run", "-q", cwd=tmp_path, timeout=30, env={MARK: str(tmp_path)})
    assert time.monotonic() - start < 15
    assert proc.returncode == 3, proc.stdout + proc.stderr
    pack = Path(proc.stdout.strip().splitlines()[-1].removeprefix("Evidence pack: "))
    results = json.loads(((pack if pack.is_absolute() else tmp_path / pack) / "results.json").read_text())
    reason = results["hypotheses"][0]["reason"]
    # ours, or the engine's own timeout (which cannot fire while a regex holds the GIL)
    assert "did not finish within" in reason or "timed out after" in reason, reason
    assert processes_mentioning("re.compile(source, re.MULTILINE)", marked=str(tmp_path)) == []  # stopped


def test_a_command_killed_by_a_signal_has_no_exit_code(tmp_path: Path) -> None:
    hyps = run_spec(tmp_path, """
        - id: CRASH
          claim: the linter rejects bad input (a crash is no rejection)
          check: {kind: command, expect: {exit: "!= 0"},
                  run: ["python3", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]}
        - id: CRASH-ZERO
          claim: c
          check: {kind: command,
                  run: ["python3", "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]}
    """)
    assert hyps["CRASH"]["verdict"] == "UNKNOWN"
    assert hyps["CRASH"]["reason"].startswith("not proven: killed by signal 11 (SIGSEGV), no exit code")
    assert hyps["CRASH-ZERO"]["verdict"] == "FALSE"
    assert hyps["CRASH-ZERO"]["reason"] == "exit: killed by signal 9 (SIGKILL), expected 0"

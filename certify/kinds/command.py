"""`command`: a command exits as expected and prints what it should (tests, linters, scripts)."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome, in_dir, shell_join
from certify.procs import wait_or_kill
from certify.spec.binder import meta
from certify.spec.values import CountExpr, Regex
from certify.targets.repo import RepoTarget

CAPTURE_LIMIT = 32 * 1024 * 1024  # bytes of each stream kept for matching
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TAIL_LINES = 20


@dataclass(frozen=True)
class CommandExpect:
    """What the command must do."""

    exit: CountExpr = field(default_factory=lambda: CountExpr("==", 0), metadata=meta(
        'the exit code: 0, "!= 0", "0..1"'))
    stdout: list[Regex] = field(default_factory=list, metadata=meta(
        "regexes stdout must match (named groups feed `values`)"))
    stdout_not: list[Regex] = field(default_factory=list, metadata=meta(
        "regexes stdout must not match"))
    stderr: list[Regex] = field(default_factory=list, metadata=meta("regexes stderr must match"))
    stderr_not: list[Regex] = field(default_factory=list, metadata=meta(
        "regexes stderr must not match"))


@dataclass(frozen=True)
class CommandFields:
    """Run a command in the repository and check its exit code and output."""

    run: str | list[str] = field(metadata=meta(
        "a shell command line, or a list (argv, no shell)"))
    cwd: str | None = field(default=None, metadata=meta("working directory, relative to the repo"))
    env: dict[str, str] = field(default_factory=dict, metadata=meta("extra environment variables"))
    expect: CommandExpect = field(default_factory=CommandExpect, metadata=meta(
        "exit code and output expectations (default: exit 0)"))
    values: dict[str, CountExpr] = field(default_factory=dict, metadata=meta(
        'numbers taken from named regex groups in `expect`, e.g. passed: ">= 372"'))

    def __post_init__(self) -> None:
        groups = {g for rx in (*self.expect.stdout, *self.expect.stderr) for g in rx.compiled.groupindex}
        missing = sorted(set(self.values) - groups)
        if missing:
            raise ValueError(f"values: no named group {', '.join(missing)} in expect.stdout or "
                             "expect.stderr (write e.g. 'Tests: (?P<passed>\\d+) passed')")
        if isinstance(self.run, list) and not self.run:
            raise ValueError("run: expected a command, got an empty list")
        if isinstance(self.run, str) and not self.run.strip():
            raise ValueError("run: expected a command, got an empty one (an unset variable?)")


@dataclass
class Completed:
    exit_code: int | None  # None when it was killed on timeout
    stdout: str
    stderr: str
    seconds: float
    not_found: str | None = None  # the program that could not be found
    cut: tuple[str, ...] = ()  # the streams that wrote more than CAPTURE_LIMIT bytes


def _read(stream: IO[bytes]) -> tuple[str, bool]:
    """The stream's first CAPTURE_LIMIT bytes as text, and whether it wrote more."""
    stream.seek(0)
    data = stream.read(CAPTURE_LIMIT + 1)
    return _ANSI.sub("", data[:CAPTURE_LIMIT].decode("utf-8", errors="replace")), len(data) > CAPTURE_LIMIT


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n and n % (1 << 20) == 0 else f"{n} bytes"


def execute(run: str | list[str], cwd: Path, env: dict[str, str], timeout: float,
            cancelled: threading.Event | None = None) -> Completed:
    """Run with output to temporary files (bounded memory); kill the whole group on timeout."""
    import tempfile  # loaded when a command runs, not when a spec is validated

    full_env = {**os.environ, **env}
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(run, shell=isinstance(run, str), cwd=cwd, env=full_env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    start_new_session=True)
        except FileNotFoundError:
            program = run if isinstance(run, str) else run[0]
            return Completed(None, "", "", 0.0, not_found=program)
        except PermissionError as exc:
            return Completed(None, "", str(exc), 0.0, not_found=str(run[0] if isinstance(run, list) else run))
        code = wait_or_kill(proc, timeout, cancelled)
        seconds = time.monotonic() - start
        (stdout, stdout_cut), (stderr, stderr_cut) = _read(out), _read(err)
    not_found = None
    if isinstance(run, str) and code == 127:
        m = re.search(r"(?:^|: )([^:\n]+): (?:command )?not found", stderr)
        not_found = m.group(1).strip() if m else run.split()[0]
    cut = tuple(name for name, was_cut in (("stdout", stdout_cut), ("stderr", stderr_cut)) if was_cut)
    return Completed(code, stdout, stderr, seconds, not_found, cut)


# Regexes run over what a system printed or answered are run in a child process: Python's re
# holds the GIL and cannot be interrupted, so one that backtracks catastrophically would hang the
# whole run past every timeout. stdin: a JSON line {"patterns": [[text name, regex, flags]...],
# "sizes": [[text name, bytes]...]}, then the texts (UTF-8) in that order. stdout: for each
# pattern null, or [the match, {group: text or null}].
_SEARCHER = """
import ctypes, json, os, re, sys
try:  # die with the thread that started us (Linux), as textscan's worker does (_die_with_parent)
    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
head = json.loads(sys.stdin.buffer.readline())
texts = {name: sys.stdin.buffer.read(size).decode() for name, size in head["sizes"]}
found = []
for name, source, flags in head["patterns"]:
    m = re.compile(source, flags).search(texts[name])
    found.append(None if m is None else [m.group(0)[:400],
                 {k: None if v is None else v[:400] for k, v in m.groupdict().items()}])
sys.stdout.write(json.dumps(found))
"""


@dataclass(frozen=True)
class Found:
    text: str  # the match (its first 400 characters)
    groups: dict[str, str | None]


def search(patterns: Sequence[tuple[str, re.Pattern[str]]], texts: dict[str, str], timeout: float,
           cancelled: threading.Event | None = None) -> list[Found | None]:
    """Where each (text name, regex) first matches that text, searched in a child process
    stopped at `timeout` (then CheckError: the check is UNKNOWN and the run goes on)."""
    import json
    import tempfile

    if not patterns:
        return []
    data = {name: text.encode() for name, text in texts.items()}
    head = {"patterns": [[name, rx.pattern, int(rx.flags)] for name, rx in patterns],
            "sizes": [[name, len(b)] for name, b in data.items()]}
    # stdin is a file, not a pipe: a communicate() that timed out cannot resume sending input
    with tempfile.TemporaryFile() as given:
        given.write(json.dumps(head).encode() + b"\n")
        for b in data.values():
            given.write(b)
        given.seek(0)
        # in certify's own process group, so that Ctrl-C stops it too
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SEARCHER, str(os.getpid())], stdin=given,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                answer, errors = proc.communicate(timeout=min(0.2, max(0.01, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline or (cancelled is not None and cancelled.is_set()):
                    raise CheckError(f"searching with /{patterns[0][1].pattern}/"
                                     f"{' and the other regexes' if len(patterns) > 1 else ''} did not "
                                     f"finish within the {timeout:.1f}s left of the check's timeout: "
                                     "a regex that backtracks without end?") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        last = (errors.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise CheckError(f"searching with the expect regexes failed: {last}")
    return [None if f is None else Found(f[0], f[1]) for f in json.loads(answer)]


def _tail(text: str, n: int = TAIL_LINES) -> list[str]:
    lines = text.rstrip("\n").splitlines()
    return lines[-n:]


def _number(text: str) -> float | str:
    """The number a group captured, or why it is not one (a finite number is required)."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return f"{text!r} is not a number"
    if not math.isfinite(value):
        return f"{text!r} is not a finite number"
    return int(value) if value.is_integer() else value


def run(f: CommandFields, ctx: CheckContext[CommandFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    cwd = repo.root / f.cwd if f.cwd else repo.root
    line = f.run if isinstance(f.run, str) else shell_join(f.run)
    env_prefix = " ".join(f"{k}={v}" for k, v in f.env.items())
    reproduce = in_dir(cwd, f"{env_prefix} {line}".strip())
    out = ctx.outcome(ran=line, reproduce=reproduce)
    if not cwd.is_dir():
        out.status, out.reason = "error", f"working directory {f.cwd} does not exist"
        return out
    done = execute(f.run, cwd, f.env, ctx.remaining, ctx.cancelled)
    out.values["seconds"] = round(done.seconds, 3)
    if done.exit_code is not None:
        out.values["exit"] = done.exit_code
    if done.exit_code is not None:
        ended = f"exit {done.exit_code} after {done.seconds:.2f}s"
    else:
        ended = "not started: program not found" if done.not_found else f"killed after {done.seconds:.2f}s"
    shown = [f"$ {line}", ended]
    for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
        if text.strip():
            cut = f"; cut at {_size(CAPTURE_LIMIT)}, the rest was not read" if name in done.cut else ""
            shown += [f"--- {name} (last lines{cut})", *_tail(text)]
    out.output = "\n".join(shown)
    if len(done.stdout.splitlines()) > TAIL_LINES:
        out.attachments["stdout.txt"] = done.stdout
    if len(done.stderr.splitlines()) > TAIL_LINES:
        out.attachments["stderr.txt"] = done.stderr
    if done.not_found is not None:
        out.status, out.reason = "error", f"command not found: {done.not_found}"
        return out
    if done.exit_code is None:
        out.status = "error"
        out.reason = ("interrupted (process group killed)" if ctx.cancelled.is_set()
                      else f"timed out after {ctx.timeout:g}s (process group killed)")
        return out
    captured = _expectations(f, done, out, ctx)
    got = ", ".join(f"{k}={v}" for k, v in captured.items() if k in f.values)
    out.reason = f"exit {done.exit_code}" + (f"; {got}" if got else "") + (
        "; output as expected" if (f.expect.stdout or f.expect.stderr) and not out.unproven else "")
    return out


def _expectations(f: CommandFields, done: Completed, out: Outcome,
                  ctx: CheckContext[CommandFields]) -> dict[str, float | str]:
    """Report what departs from `expect` and `values` (findings), and what output cut at
    CAPTURE_LIMIT cannot prove (unproven). Returns what the named groups captured."""
    assert done.exit_code is not None
    if done.exit_code < 0:  # killed by a signal: no exit code, whatever "!= 0" would say
        try:
            name = f" ({signal.Signals(-done.exit_code).name})"
        except ValueError:
            name = ""
        killed = f"killed by signal {-done.exit_code}{name}"
        if f.expect.exit.matches(0):
            out.findings.append(Finding("exit", f"{killed}, expected {f.expect.exit}"))
        else:
            out.unproven.append(f"{killed}, no exit code")
    elif not f.expect.exit.matches(done.exit_code):
        out.findings.append(Finding("exit", f"{done.exit_code}, expected {f.expect.exit}"))
    raw: dict[str, tuple[str, str]] = {}  # group -> (the text it captured, the stream)
    unmatched: set[str] = set()  # groups of regexes that did not match (reported already)

    def not_proven(stream: str) -> None:
        why = f"{stream} over {_size(CAPTURE_LIMIT)}; the tail was not read"
        if why not in out.unproven:
            out.unproven.append(why)

    streams = (("stdout", f.expect.stdout, f.expect.stdout_not),
               ("stderr", f.expect.stderr, f.expect.stderr_not))
    order = [(name, re.compile(rx.source, re.MULTILINE))
             for name, wanted, unwanted in streams for rx in (*wanted, *unwanted)]
    results = iter(search(order, {"stdout": done.stdout, "stderr": done.stderr}, ctx.remaining,
                          ctx.cancelled))
    for name, wanted, unwanted in streams:
        cut = name in done.cut
        for rx in wanted:
            m = next(results)
            if m is None:
                unmatched.update(rx.compiled.groupindex)
                if cut:  # it may be in the tail
                    not_proven(name)
                else:
                    out.findings.append(Finding(name, f"does not match /{rx.source}/"))
                continue
            raw.update((g, (v, name)) for g, v in m.groups.items() if v is not None)
        for rx in unwanted:
            m = next(results)
            if m is not None:
                out.findings.append(Finding(name, f"matches /{rx.source}/: {m.text.strip()[:200]}"))
            elif cut:  # absent from what was read; the tail may hold it
                not_proven(name)
    numbers = {g: _number(text) for g, (text, _) in raw.items()}
    for name, expr in f.values.items():
        if name not in raw:
            if name not in unmatched:
                out.findings.append(Finding(name, "no value captured"))
            continue
        value = numbers[name]
        if isinstance(value, str):
            out.findings.append(Finding(name, value))
        elif not expr.matches(value):
            out.findings.append(Finding(name, f"{value}, expected {expr}"))
        elif raw[name][1] in done.cut:  # the head held a number; the tail may hold another
            not_proven(raw[name][1])
    captured = {g: v if not isinstance(v, str) else raw[g][0] for g, v in numbers.items()}
    for group, value in captured.items():
        out.values.setdefault(group, value)  # never over a measured fact (exit, seconds)
    return captured


KIND = KindSpec(    name="command",
    summary="a command exits as expected and prints what it should",
    fields=CommandFields,
    run=run,
    default_timeout=600.0,
    parallel=max(1, os.cpu_count() or 1),
    example="""\
- kind: command
  run: npm test
  expect:
    exit: 0
    stdout: ['Tests: +(?P<passed>\\d+) passed']
    stdout_not: ['(?i)\\bfailed\\b']
  values: {passed: ">= 372"}
""",
)

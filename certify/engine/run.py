"""Run the selected checks concurrently, each with a timeout and retries, failing closed.

Every check runs in its own daemon thread so that a check stuck past its timeout can
be abandoned (and reported as ERROR) without holding the run or the process hostage.
Any exception inside a check becomes an ERROR outcome with the reason; nothing a check
does can make its hypothesis TRUE except passing.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import getpass
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from certify import __version__
from certify.engine import verdicts
from certify.engine.facts import tool_versions
from certify.engine.result import Baseline, CheckResult, HypothesisResult, RunResult
from certify.engine.settle import settle
from certify.kinds import registry
from certify.kinds.base import CheckContext, CheckError, Outcome
from certify.spec.model import CheckSpec, Hypothesis, Spec, TargetSpec
from certify.targets import TARGET_TYPES, cleanup
from certify.targets.repo import RepoTarget

DEFAULT_JOBS = 64  # checks in flight at once (-j); only checks that wait on an HTTP service fill it
# Checks that do not wait on an HTTP service work on this machine (grep, file, routes, ...) or hold a
# database connection each: at most this many of them at once, whatever -j allows above it.
OTHER_JOBS = 32
WIDE_TARGETS = frozenset({"http"})  # target types whose checks only wait for answers (a thread, a socket)
INTERRUPT_GRACE = 5.0  # seconds running checks get to clean up after Ctrl-C


@dataclass(frozen=True)
class Event:
    """A progress event: a check started (status None) or finished."""

    hypothesis: str
    check: CheckSpec
    status: str | None
    reason: str = ""
    seconds: float = 0.0


Progress = Callable[[Event], None]


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _crash(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"check crashed: {type(exc).__name__}" + (f": {text[0]}" if text else "")


class _Targets:
    """Targets opened lazily on first use and closed at the end of the run."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.lock = threading.Lock()
        self.opened: dict[tuple[str, str], Any] = {}
        self.failed: dict[tuple[str, str], str] = {}

    def get(self, type_: str, name: str) -> Any:
        key = (type_, name)
        with self.lock:
            if key in self.failed:
                raise CheckError(self.failed[key])
            if key not in self.opened:
                tspec: TargetSpec = self.spec.targets[key]
                try:
                    self.opened[key] = TARGET_TYPES[type_].open(tspec)
                except Exception as exc:  # noqa: BLE001 - a target that cannot open fails its checks
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    self.failed[key] = f"cannot open {type_} target {name}: {first}"
                    raise CheckError(self.failed[key]) from exc
            return self.opened[key]

    @property
    def repo(self) -> RepoTarget:
        repo: RepoTarget = self.get("repo", "repo")
        return repo

    def connections(self) -> list[str]:
        """How to reach each open target while it is up (a psql or curl line), where it says."""
        out = []
        for (type_, name), target in sorted(self.opened.items()):
            connect = getattr(target, "how_to_connect", None)
            if connect is not None:
                with contextlib.suppress(Exception):
                    out.append(f"{type_} {name}: {connect()}")
        return out

    def facts(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for target in self.opened.values():
            facts = getattr(target, "facts", None)
            if facts is None:
                continue
            try:
                out.update(facts())
            except Exception as exc:  # noqa: BLE001 - a fact we cannot read is said so, not fatal
                out[f"{type(target).__name__}"] = f"facts unavailable: {exc}"
        return out

    def close(self) -> None:
        for target in self.opened.values():
            close = getattr(target, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # closing must not hide the results
                    close()

    def attachments(self) -> dict[str, str]:
        """Run-level attachments of the targets (a started service's log...)."""
        out: dict[str, str] = {}
        for target in self.opened.values():
            get = getattr(target, "attachments", None)
            if get is not None:
                with contextlib.suppress(Exception):
                    out.update(get())
        return dict(sorted(out.items()))  # targets open in whatever order checks reached them


class _Job:
    def __init__(self, hyp: Hypothesis, check: CheckSpec) -> None:
        self.hyp = hyp
        self.check = check
        self.result: CheckResult | None = None
        self.ready: float | None = None  # when its target was first ready (its own time starts)
        self.ended: float | None = None


def _context(check: CheckSpec, targets: _Targets, cancelled: threading.Event) -> CheckContext[Any]:
    kind = registry.get(check.kind)
    target = targets.get(kind.target_type, check.target or kind.target_type) if kind.target_type else None
    timeout = check.timeout if check.timeout is not None else kind.default_timeout
    return CheckContext(repo=targets.repo, target=target, timeout=timeout, cancelled=cancelled)


def _errored(reason: str, ctx: CheckContext[Any] | None) -> Outcome:
    """ERROR, keeping what the check had said it runs and how to reproduce it."""
    draft = ctx.draft if ctx is not None else None
    if draft is None:
        return Outcome("error", reason)
    return Outcome("error", reason, ran=draft.ran, reproduce=draft.reproduce, output=draft.output)


def _run_once(check: CheckSpec, targets: _Targets,
              cancelled: threading.Event) -> tuple[Outcome, float | None]:
    """One attempt, bounded by the check's timeout; never raises. Also returns when its target was
    ready (None if never): the check's own time starts there, opening a shared target is not its."""
    box: list[Outcome] = []
    ready: list[float] = []
    kind = registry.get(check.kind)
    timeout = check.timeout if check.timeout is not None else kind.default_timeout

    def body() -> None:
        ctx: CheckContext[Any] | None = None
        try:
            ctx = _context(check, targets, cancelled)
            ready.append(time.monotonic())
            box.append(settle(kind.run(check.fields, ctx), ctx.scopes, check.allow_empty))
        except CheckError as exc:
            box.append(_errored(str(exc), ctx))
        except Exception as exc:  # noqa: BLE001 - fail closed
            box.append(_errored(_crash(exc), ctx))

    finished = threading.Event()

    def run_body() -> None:
        try:
            body()
        finally:
            finished.set()

    threading.Thread(target=run_body, daemon=True, name=f"check-{check.kind}").start()
    # Cooperative kinds stop at their own deadline; this margin catches those that don't.
    deadline = time.monotonic() + timeout + 2.0
    while not finished.wait(0.05) and time.monotonic() < deadline and not cancelled.is_set():
        pass
    if cancelled.is_set():
        finished.wait(INTERRUPT_GRACE)  # let it stop what it started (a command kills its group)
    began = ready[0] if ready else None
    if box:
        return box[0], began
    if cancelled.is_set():
        return Outcome("error", "interrupted before the check finished"), began
    return Outcome("error", f"timed out after {timeout:g}s"), began


def _run_job(job: _Job, targets: _Targets, cancelled: threading.Event, progress: Progress) -> None:
    check = job.check
    progress(Event(job.hyp.id, check, None))
    seconds = 0.0  # the check's own time, summed over attempts (not waits for shared targets)
    attempts = check.retry.attempts if check.retry else 1
    outcome = Outcome("error", "not run")
    tried = 0
    for tried in range(1, attempts + 1):
        outcome, began = _run_once(check, targets, cancelled)
        if began is not None:
            seconds += time.monotonic() - began
            if job.ready is None:
                job.ready = began
        if outcome.status == "pass" or cancelled.is_set() or tried == attempts:
            break
        assert check.retry is not None
        cancelled.wait(check.retry.interval)
    if outcome.status not in ("pass", "fail", "error", "skip"):
        outcome = Outcome("error", f"check returned an unknown status {outcome.status!r}")
    if not outcome.reason:
        outcome.reason = outcome.status
    bounded(outcome)
    job.result = CheckResult(
        kind=check.kind, name=check.name, index=check.index, status=outcome.status,
        reason=" ".join(outcome.reason.split()), ran=outcome.ran, output=outcome.output,
        reproduce=outcome.reproduce, findings=outcome.findings, values=outcome.values,
        attachments=outcome.attachments, seconds=round(seconds, 3), attempts=tried,
        target=check.target, spec_at=f"{check.mark.file}:{check.mark.line}", authored=check.authored,
    )
    job.ended = time.monotonic()
    progress(Event(job.hyp.id, check, outcome.status, job.result.reason, seconds))


class _Schedule:
    """Which waiting check starts next, and what the run's fan-out was.

    A check starts when every limit it falls under has room: -j (all checks in flight), the
    narrower width of checks that do not wait on an HTTP service (`OTHER_JOBS`), and its kind's own
    `parallel`. The first such check in spec order starts, so checks held back by their kind's
    limit (commands, one per CPU) never keep the others waiting behind them."""

    def __init__(self, jobs: int, work: list[_Job]) -> None:
        self.jobs = jobs
        self.lock = threading.Condition()
        self.lanes: dict[str, collections.deque[_Job]] = {}  # per kind, in spec order
        for job in work:
            self.lanes.setdefault(job.check.kind, collections.deque()).append(job)
        self.order = {id(job): i for i, job in enumerate(work)}
        self.limits = {kind: self._limits(kind) for kind in self.lanes}
        self.busy: collections.Counter[str] = collections.Counter()
        self.most = 0  # the most checks in flight at once

    def _limits(self, kind: str) -> dict[str, int]:
        """The limits a check of `kind` counts against, by name."""
        spec = registry.get(kind)
        out = {"-j": self.jobs}
        if spec.target_type not in WIDE_TARGETS:
            out["checks other than HTTP ones"] = min(self.jobs, OTHER_JOBS)
        if spec.parallel is not None:
            out[kind] = spec.parallel
        return out

    def take(self) -> _Job | None:
        """The next check to start (counted as running), or None while none may. Call locked."""
        ready = [lane[0] for kind, lane in self.lanes.items()
                 if lane and all(self.busy[name] < n for name, n in self.limits[kind].items())]
        if not ready:
            return None
        job = min(ready, key=lambda j: self.order[id(j)])
        self.lanes[job.check.kind].popleft()
        self.busy.update(self.limits[job.check.kind].keys())
        self.most = max(self.most, self.busy["-j"])
        return job

    def release(self, job: _Job) -> None:
        with self.lock:
            self.busy.subtract(self.limits[job.check.kind].keys())
            self.lock.notify_all()

    @property
    def waiting(self) -> bool:
        return any(self.lanes.values())

    @property
    def running(self) -> int:
        return self.busy["-j"]

    def describe(self, work: list[_Job]) -> str:
        """The run's fan-out, for the evidence: -j and the narrower limits that applied, the most
        checks in flight at once, and the checks' span (the first one's own start to the last end)."""
        narrower = {name: n for limits in self.limits.values() for name, n in limits.items() if n < self.jobs}
        text = f"-j {self.jobs}"
        if narrower:
            text += " (of which at most " + ", ".join(
                f"{n} {name}" if name.startswith("checks") else f"{n} {name} checks"
                for name, n in narrower.items()) + ")"
        text += f"; at most {self.most} of {len(work)} checks ran at once"
        began = [j.ready for j in work if j.ready is not None]
        ended = [j.ended for j in work if j.ready is not None and j.ended is not None]
        if began and ended:
            text += f"; {max(ended) - min(began):.3f} s from the first check's start to the last one's end"
        return text


MAX_LINE = 2_000  # characters of one line of evidence kept in the pack
MAX_ATTACHMENT = 20_000_000  # characters of one attachment


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]} ... [{len(text) - limit} more characters not kept]"


def bounded(outcome: Outcome) -> None:
    """Keep the pack readable whatever a check saw (a 50 MB one-line file): every line of
    evidence is clipped, saying how much was left out, and attachments are capped."""
    outcome.reason = _clip(outcome.reason, MAX_LINE)
    if len(outcome.output) > MAX_LINE and any(len(x) > MAX_LINE for x in outcome.output.split("\n")):
        outcome.output = "\n".join(_clip(x, MAX_LINE) for x in outcome.output.split("\n"))
    outcome.findings = [
        f if len(f.what) <= MAX_LINE and len(f.where) <= MAX_LINE
        else dataclasses.replace(f, where=_clip(f.where, MAX_LINE), what=_clip(f.what, MAX_LINE))
        for f in outcome.findings]
    outcome.attachments = {k: _clip(v, MAX_ATTACHMENT) for k, v in outcome.attachments.items()}


def _plan(jobs: list[_Job], targets: _Targets, cancelled: threading.Event) -> None:
    """Let kinds announce shared work (one scan for every grep check) before anything runs."""
    for job in jobs:
        kind = registry.get(job.check.kind)
        if kind.plan is None:
            continue
        with contextlib.suppress(Exception):  # the check itself will report the problem
            kind.plan(job.check.fields, _context(job.check, targets, cancelled))


def run(spec: Spec, hypotheses: list[Hypothesis], *, jobs: int = DEFAULT_JOBS,
        allow_unknown: bool = False, progress: Progress | None = None,
        selection: dict[str, Any] | None = None, today: dt.date | None = None,
        hold: Callable[[list[HypothesisResult], list[str]], None] | None = None) -> RunResult:
    """Run the checks of `hypotheses` and judge them. `hold`, when given, is called once every
    check has finished and before the targets are closed, with the verdicts and one line per open
    target saying how to connect to it (`certify reproduce --keep` waits there)."""
    progress = progress or (lambda e: None)
    cleanup.reap_once()  # what a killed run left (a cluster, a service) is stopped before this one starts
    started = _now()
    targets = _Targets(spec)
    cancelled = threading.Event()
    work = [_Job(h, c) for h in hypotheses for c in h.checks]
    schedule = _Schedule(jobs, work)
    interrupted = False

    def start(job: _Job) -> None:
        def body() -> None:
            try:
                _run_job(job, targets, cancelled, progress)
            finally:
                schedule.release(job)

        threading.Thread(target=body, daemon=True, name=f"job-{job.check.kind}").start()

    # Completion is counted under the schedule's lock, not seen with Thread.join: a join
    # interrupted by Ctrl-C can report a live thread as finished on Python 3.11.
    try:
        _plan(work, targets, cancelled)
        with schedule.lock:
            while schedule.waiting or schedule.running:
                job = schedule.take()
                if job is None:
                    schedule.lock.wait(0.1)
                else:
                    start(job)
    except KeyboardInterrupt:
        interrupted = True
        cancelled.set()
        # Give running checks a moment to stop what they started (commands kill their group).
        grace = time.monotonic() + INTERRUPT_GRACE
        with schedule.lock:
            while schedule.running and time.monotonic() < grace:
                schedule.lock.wait(0.1)
    finally:
        repo_state = targets.repo.git_state()
        env_facts = {**tool_versions(), **targets.facts(), "schedule": schedule.describe(work)}
        held = hold is not None and not interrupted
        if not held:
            targets.close()

    for job in work:
        if job.result is None:
            job.result = CheckResult(kind=job.check.kind, name=job.check.name, index=job.check.index,
                                     status="error", reason="not run: the run was interrupted",
                                     spec_at=f"{job.check.mark.file}:{job.check.mark.line}")
    today = today or verdicts.utc_today()  # waivers expire by the date in UTC, wherever the run is
    results = []
    for hyp in hypotheses:
        checks = [j.result for j in work if j.hyp is hyp and j.result is not None]
        results.append(verdicts.judge(hyp, checks, spec.group_title(hyp.group), today))
    if held:
        assert hold is not None
        try:
            hold(results, targets.connections())
        except KeyboardInterrupt:
            pass  # Ctrl-C ends the wait; the targets are closed below
        finally:
            targets.close()
    run_attachments = targets.attachments()
    baseline = Baseline(
        commit=repo_state.commit, branch=repo_state.branch, dirty=repo_state.dirty,
        started=started, finished=_now(), repo=str(targets.repo.root),
        who=_who(), where=f"{socket.gethostname()}:{os.getcwd()}",
    )
    return RunResult(
        phase=spec.phase, description=spec.description, spec_path=str(spec.path),
        spec_sha256=spec.sha256, spec_files=[str(p) for p in spec.files], tool_version=__version__,
        baseline=baseline, environment=env_facts,
        gate=verdicts.gate(results, allow_unknown, interrupted), hypotheses=results,
        selection=selection or {}, groups=dict(spec.groups), interrupted=interrupted,
        attachments=run_attachments,
    )


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"

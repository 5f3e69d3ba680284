"""Many regular expressions over a whole tree in one pass, bounded in time.

What is scanned: in a git repository, what git tracks plus untracked files it does not
ignore (`git ls-files --cached --others --exclude-standard`: a tracked file is never
skipped, even when .gitignore matches it); elsewhere, what .gitignore files leave.
.ignore/.rgignore files never narrow it. Symlinks to files inside the tree are read
(under the link's name); symlinks leading out of it are listed, not followed.

How: ripgrep searches that list once with every pattern and reports each line that
matches any of them (binary-looking files are searched as text, BOM'd UTF-16/UTF-8 is
decoded). Each reported line is then attributed to the patterns that match it with
Python's `re`, so results are per pattern and in the spec's (Python) regex syntax.
Patterns ripgrep cannot parse (look-arounds, back-references) and trees where ripgrep is
missing are scanned in Python instead: slower, same answer. Measured on this kind of
machine: Python's `re` once per pattern over 79 MB took 186 s where one ripgrep pass
took 0.6 s.

Python's `re` can backtrack for minutes on one line without releasing the GIL, so all
Python-side regex work runs in a worker process (this file, run as a script): pattern
by pattern, each stopped at its own deadline or when the run is cancelled.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import os
import re
import re._constants as _C  # type: ignore[import-not-found]  # the parser `re` compiles with
import re._parser as _parser  # type: ignore[import-not-found]
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
NESTED_REPOS = 8  # how deep repositories inside repositories are listed
FIRST_ROUND = 1.0  # at most, seconds each pattern's Python work gets before slow ones run again


Job = dict[str, Any]  # one unit of the worker's work: {"pattern", "over", "deadline", ...}


class LineMatch(NamedTuple):  # a tuple: a scan makes one per matching line, 100,000 of them cheaply
    path: str  # relative to the scanned root, with forward slashes
    line: int  # 1-based
    text: str


@dataclass(frozen=True)
class Failed:
    """A pattern whose scan did not finish: why (one line)."""

    reason: str


@dataclass
class Listing:
    """What a scan of the tree reads."""

    files: list[str] = field(default_factory=list)  # sorted; links to files inside included
    unreadable: list[str] = field(default_factory=list)  # could not be listed (folders end in /)
    outside: list[str] = field(default_factory=list)  # symlinks leading out of the tree


# ------------------------------------------------------------------ text: one rule for every reader

def decode_text(data: bytes) -> str:
    """Text as the scanner reads it: a UTF-8 or UTF-16 byte-order mark says the encoding (as
    ripgrep sniffs it); anything else is UTF-8 with undecodable bytes replaced."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def line_text(raw: str) -> str:
    """One line without its terminator (`\\n`, or `\\r\\n`)."""
    raw = raw[:-1] if raw.endswith("\n") else raw
    return raw[:-1] if raw.endswith("\r") else raw


def split_lines(text: str) -> list[str]:
    """Lines as ripgrep numbers them: split on `\\n` only (never on `\\r`, `\\f`, `\\x1c`-`\\x1e`,
    `\\x85` or U+2028, which `str.splitlines` also splits on), `\\r\\n` endings dropped."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line_text(x) for x in lines]


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file; OSError for anything else (a FIFO would block forever)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(f"{path}: not a regular file")
    return path.read_bytes()


def read_text(path: Path) -> str:
    return decode_text(read_regular(path))


# ------------------------------------------------------------------ listing

def ripgrep() -> str | None:
    """The ripgrep executable: the one installed beside this Python first, then PATH."""
    beside = Path(sys.executable).parent / "rg"  # a venv's bin/, where the wheel puts it
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")


# Read-only git: no optional index refresh written into the repository, and no command the
# repository's own config names (core.fsmonitor runs one on every status and ls-files).
GIT = ["git", "--no-optional-locks", "-c", "core.fsmonitor=false"]
GIT_LIST = ["ls-files", "-z", "--others", "--exclude-standard"]
_GIT_WARNING = re.compile(r"could not open directory '([^']+)(')?")


def _git_unreadable(stderr: bytes) -> list[str]:
    """The folders git warned it could not open (a warning past 4 KB is cut: its folder is
    taken up to the last whole name)."""
    out = []
    for line in os.fsdecode(stderr).splitlines():
        if m := _GIT_WARNING.search(line):
            path = m.group(1) if m.group(2) else m.group(1).rsplit("/", 1)[0]
            out.append(path.rstrip("/") + "/")
    return out


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run([*GIT, *args], cwd=cwd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _git_names(root: Path) -> tuple[list[str], list[str]] | None:
    """(names, unreadable folders) as git lists them: in a work tree, tracked files and untracked
    ones not ignored by the repository (its .gitignore files, .git/info/exclude; not the
    user's global excludes file); elsewhere (through an empty repository) files .gitignore
    leaves. A work
    tree owned by another user is listed too (git would refuse it as "dubious": listing runs
    nothing of its config, core.fsmonitor being switched off)."""
    inside = _git(["-c", "safe.directory=*", "rev-parse", "--is-inside-work-tree"], root)
    if inside is None:
        return None
    if inside.returncode == 0 and inside.stdout.strip() == b"true":
        proc = _git(["-c", "safe.directory=*", "-c", "core.excludesFile=", *GIT_LIST, "--cached"], root)
    else:
        with tempfile.TemporaryDirectory(prefix="certify-list-") as empty:
            if (made := _git(["init", "-q", "--bare", empty], root)) is None or made.returncode:
                return None
            proc = _git([f"--git-dir={empty}", f"--work-tree={root}", "-c", "core.excludesFile=",
                         *GIT_LIST], root)
    if proc is None or proc.returncode != 0:
        return None
    return [n for n in os.fsdecode(proc.stdout).split("\0") if n], _git_unreadable(proc.stderr)


def _rg_names(root: Path) -> list[str] | None:
    rg = ripgrep()
    if rg is None:
        return None
    proc = subprocess.run([rg, "--files", "--hidden", "--no-require-git", "--no-ignore-dot",
                           "--no-ignore-global", "--no-ignore-parent", "--no-config",
                           "--glob", "!.git", "."], cwd=root, capture_output=True)
    if proc.returncode not in (0, 1, 2):  # 2: some paths could not be read; the rest are listed
        return None
    return [n[2:] if n.startswith("./") else n for n in os.fsdecode(proc.stdout).splitlines()]


def _walk_names(root: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        out += [os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/") for n in filenames]
    return out


def list_files(root: Path) -> Listing:
    """Every file a scan of root reads (see the module's doc), sorted."""
    listing = Listing()
    _list_into(listing, root.resolve(), root, "", NESTED_REPOS)
    listing.files.sort()
    return listing


def _list_into(listing: Listing, top: Path, here: Path, prefix: str, depth: int) -> None:
    got = _git_names(here)
    names, unreadable = got if got is not None else (_rg_names(here) or _walk_names(here), [])
    listing.unreadable += [prefix + u for u in unreadable]
    base = os.path.join(here, "")  # paths as strings: a Path per file costs 20,000 files 0.1 s
    for name in dict.fromkeys(names):  # an unmerged file is listed once per conflict stage
        rel = prefix + name.rstrip("/")
        try:
            mode = os.lstat(base + name.rstrip("/")).st_mode
        except FileNotFoundError:  # tracked but deleted from the tree: nothing there to read
            continue
        except OSError:  # a path past PATH_MAX, a folder on the way that cannot be searched
            listing.unreadable.append(rel)
            continue
        if stat.S_ISREG(mode):
            listing.files.append(rel)
        elif stat.S_ISLNK(mode):
            _link(listing, top, here / name, rel)
        elif stat.S_ISDIR(mode) and depth > 0:  # a repository inside (submodule or nested clone)
            _list_into(listing, top, here / name, rel + "/", depth - 1)


def _link(listing: Listing, top: Path, full: Path, rel: str) -> None:
    """A symlink to a file inside the tree is read under its own name; one leading out of the
    tree is listed as not followed; dangling links and loops name nothing to read."""
    try:
        target = Path(os.path.realpath(full, strict=True))
    except (OSError, RuntimeError):
        return
    if not target.is_relative_to(top):
        listing.outside.append(rel)
    elif target.is_file():
        listing.files.append(rel)


# ------------------------------------------------------------------ scanning

def rg_friendly(pattern: str) -> bool:
    """Constructs ripgrep's default engine lacks: look-around and back-references."""
    return not re.search(r"\(\?<?[=!]|\\[1-9]|\(\?P=", pattern)


# Where ripgrep's engine matches less than Python's `re`, widen it: Python's \s also matches
# \x1c-\x1f, its \w numbers such as ², its \W combining marks and connectors other than _;
# Python's \b and \B (which see those differently too) are left to Python. Python reads lines
# without their \r\n ending, so `$` may stand before a \r for ripgrep (whose --crlf mode
# would make `.` skip every \r).
_WIDER = {"s": r"[\s\x1c-\x1f]", "w": r"[\w\p{No}]", "W": r"[\W\p{M}\p{Pc}]", "b": "", "B": ""}


def rg_pattern(pattern: str) -> str | None:
    r"""The pattern ripgrep searches with so that it proposes at least every line Python's `re`
    matches (ripgrep only proposes; `re` decides), or None when only Python can scan for it:
    look-arounds and back-references, classes the engines read differently (`[[:alpha:]]`,
    `[a&&b]`, `[a~~b]`, `[+--]` are set operations to ripgrep, plain characters to Python), and
    negated classes holding a class escape other than \s, \d, \D (which cannot be widened)."""
    if not rg_friendly(pattern):
        return None
    if re.search(r"\(\?[a-zA-Z]*x", pattern):  # verbose: comments and spaces; leave it as it is
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class, negated, first = False, False, 0  # a `]` at `first` (after `[` or `[^`) is plain
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if in_class and negated and e in "wWSb":
                return None
            keep = in_class and (negated or e in "bB")  # in a class, \b is a backspace
            out.append(pattern[i:i + 2] if keep else _WIDER.get(e, pattern[i:i + 2]))
            i += 2
            continue
        if in_class:
            if c == "]" and i > first:
                in_class = False
            elif c == "[" or pattern.startswith(("&&", "~~", "--"), i):
                return None
            out.append(c)
        elif c == "[":
            in_class, negated = True, pattern.startswith("[^", i)
            first = i + 2 if negated else i + 1
            out.append(pattern[i:first])
            i = first
            continue
        else:
            out.append(r"(?:\r?$)" if c == "$" else c)
        i += 1
    return "".join(out)


# One record per matching line, `path NUL number : text LF`: a path may hold any byte but NUL (a
# newline too), a line any byte but LF, so records parse whatever the tree holds. Far cheaper to
# read than --json (one JSON document per line) when a pattern matches a hundred thousand lines.
RG_SEARCH = ["--no-config", "--text", "--no-ignore", "--null", "--line-number", "--with-filename",
             "--no-heading", "--color=never"]
_RG_RECORD = re.compile("([^\0]*)\0([0-9]+):([^\n]*)\n")
_SURROGATE = re.compile("[\udc80-\udcff]")  # an undecodable byte, as surrogateescape keeps it
_RG_ERROR = re.compile(r"^rg: (?:\./)?(.+?): (?:Permission denied|.*os error \d+)")
ARG_SHARE = 0.75  # of the kernel's limit on a command line and its environment, for paths
READ_BYTES = 1 << 20  # ripgrep's output is read this much at a time


def _rg_records(stream: IO[bytes], lines: list[tuple[str, int, str]]) -> None:
    """Append each record of ripgrep's output (RG_SEARCH) to `lines` as (path, number, text): paths
    decoded as os.walk decodes them (surrogateescape, so they still name the file on disk), text
    as the scanner reads it (undecodable bytes replaced, the line's terminator dropped).

    Records are parsed in bulk up to the last newline read: each match starts where the previous
    one ended, and what follows the last whole record (a path holding a newline, cut short) has
    no NUL, so it cannot match; it waits for the next read."""
    pending: list[bytes] = []  # read, not yet parsed: no newline in it yet (a 50 MB line)
    while chunk := stream.read(READ_BYTES):
        pending.append(chunk)
        if b"\n" not in chunk:
            continue
        buf = b"".join(pending)
        cut = buf.rindex(b"\n") + 1
        text = buf[:cut].decode("utf-8", errors="surrogateescape")
        records = _RG_RECORD.findall(text)
        used = sum(len(path) + len(n) + len(line) + 3 for path, n, line in records)
        pending = [text[used:].encode("utf-8", errors="surrogateescape"), buf[cut:]]
        if _SURROGATE.search(text) is None:  # all of it is UTF-8 (the usual case)
            lines += [(path, int(n), line.removesuffix("\r")) for path, n, line in records]
            continue
        for path, n, line in records:
            if _SURROGATE.search(line):
                line = line.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
            lines.append((path, int(n), line.removesuffix("\r")))


def _rg_rejects(rg: str, pattern: str) -> bool:  # pattern: as ripgrep reads it (rg_pattern)
    proc = subprocess.run([rg, "--quiet", f"--regexp={pattern}", os.devnull], capture_output=True)
    return proc.returncode == 2


def _arg_room(args: Sequence[str]) -> int:
    """Bytes the paths of one ripgrep invocation may take beside `args` and the environment: each
    invocation ends with one thread finishing the last file while the other waits, so as few as
    fit (20,000 paths: one, was four)."""
    try:
        limit = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        limit = 512 * 1024
    taken = sum(len(os.fsencode(a)) + 9 for a in args)
    taken += sum(len(k) + len(v) + 10 for k, v in os.environb.items())
    return max(64 * 1024, int(limit * ARG_SHARE) - taken)


def _batches(files: Sequence[str], room: int) -> Iterable[list[str]]:
    """`files` cut into lists of at most `room` bytes as the kernel counts them (a NUL and a
    pointer each)."""
    batch: list[str] = []
    size = 0
    for name in files:
        need = len(os.fsencode(name)) + 9
        if batch and size + need > room:
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += need
    if batch:
        yield batch


class _Watchdog:
    """Kills a process once the deadline of what it is doing passes or the run is cancelled."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: float,
                 cancelled: threading.Event | None) -> None:
        self.proc = proc
        self.deadline = deadline
        self.cancelled = cancelled
        self.fired = ""  # "timeout" or "cancelled" once it killed the process
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True, name="scan-watchdog").start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            if self.proc.poll() is not None:
                return
            cancelled = self.cancelled is not None and self.cancelled.is_set()
            if cancelled or time.monotonic() > self.deadline:
                self.fired = "cancelled" if cancelled else "timeout"
                with contextlib.suppress(OSError):
                    self.proc.kill()
                return

    def stop(self) -> None:
        self._stop.set()


def _scan_rg(rg: str, root: Path, files: Sequence[str], patterns: list[str],
             lines: list[tuple[str, int, str]], unreadable: list[str], deadline: float,
             cancelled: threading.Event | None) -> tuple[list[str], str]:
    """Every line of `files` matching any pattern, appended to `lines`. Returns the patterns
    ripgrep refused (to be scanned in Python) and, when it was stopped, why."""
    args = [rg, *RG_SEARCH, *(f"--regexp={p}" for p in patterns), "--"]
    before = len(lines)
    for batch in _batches(files, _arg_room(args)):
        proc = subprocess.Popen([*args, *batch], cwd=root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        dog = _Watchdog(proc, deadline, cancelled)
        errors: list[bytes] = []  # drained as it comes: a full stderr pipe would stall ripgrep
        assert proc.stderr is not None
        drain = threading.Thread(target=errors.extend, args=(proc.stderr,), daemon=True)
        drain.start()
        assert proc.stdout is not None
        _rg_records(proc.stdout, lines)
        proc.wait()
        drain.join()
        err = b"".join(errors)
        dog.stop()
        if dog.fired:
            return [], dog.fired
        if proc.returncode == 2 and b"regex" in err.lower():
            rejected = [p for p in patterns if _rg_rejects(rg, p)]
            if rejected:
                del lines[before:]
                keep = [p for p in patterns if p not in rejected]
                if not keep:
                    return rejected, ""
                more, stopped = _scan_rg(rg, root, files, keep, lines, unreadable, deadline, cancelled)
                return rejected + more, stopped
        for line in os.fsdecode(err).splitlines():
            m = _RG_ERROR.match(line)
            if m and m.group(1) not in unreadable:
                unreadable.append(m.group(1))
    return [], ""


def scan(root: Path, files: Sequence[str], deadlines: Mapping[str, float],
         unreadable: list[str] | None = None, cancelled: threading.Event | None = None,
         publish: Callable[[str, list[LineMatch] | Failed], None] | None = None,
         ) -> dict[str, list[LineMatch] | Failed]:
    """Every line of `files` (under root) matching each pattern (Python syntax), in file and line
    order, or why it could not be found (the pattern's deadline, a `time.monotonic()`, passed;
    the run was cancelled). Each result is also given to `publish` as soon as it is known.
    Paths that could not be read are appended to `unreadable` (a match there is unknown)."""
    unreadable = [] if unreadable is None else unreadable
    results: dict[str, list[LineMatch] | Failed] = {}

    def done(pattern: str, result: list[LineMatch] | Failed) -> None:
        if isinstance(result, list):
            result.sort()  # by path, then line
        results[pattern] = result
        if publish is not None:
            publish(pattern, result)

    patterns = list(deadlines)
    rg = ripgrep()
    as_rg = {p: q for p in patterns if rg is not None and (q := rg_pattern(p)) is not None}
    python_only = [p for p in patterns if p not in as_rg]
    with_rg = list(as_rg)
    lines: list[tuple[str, int, str]] = []
    with _spare_worker(rg is not None and bool(with_rg)) as spare:
        if rg is not None and with_rg:
            rejected, stopped = _scan_rg(rg, root, files, list(dict.fromkeys(as_rg.values())), lines,
                                         unreadable, max(deadlines[p] for p in with_rg), cancelled)
            if stopped:
                for p in with_rg:
                    done(p, _failed(stopped, p))
                with_rg = []
            python_only += [p for p in with_rg if as_rg[p] in rejected]
            with_rg = [p for p in with_rg if as_rg[p] not in rejected]
        for p in [*(with_rg if not lines else []), *(python_only if not files else [])]:
            done(p, [])  # nothing to look at: no worker needed
        jobs: list[Job] = [{"pattern": p, "over": "lines", "deadline": deadlines[p]}
                           for p in with_rg if lines] + \
            [{"pattern": p, "over": "files", "deadline": deadlines[p]} for p in python_only if files]
        if jobs:
            payload = {"root": str(root), "files": list(files), "texts": [t for _, _, t in lines]}
            for job, got in _regex_jobs(jobs, payload, cancelled, spare):
                pattern = job["pattern"]
                if isinstance(got, Failed):
                    done(pattern, got)
                elif "hits" in got:
                    done(pattern, [LineMatch(*lines[i]) for i in got["hits"]])
                else:
                    unreadable += [u for u in got["unreadable"] if u not in unreadable]
                    done(pattern, [LineMatch(p, n, t) for p, n, t in got["matches"]])
    return results


@contextlib.contextmanager
def _spare_worker(wanted: bool) -> Iterator[list[subprocess.Popen[bytes]]]:
    """A regex worker started now, beside ripgrep, so that it is ready when ripgrep is done (its
    start costs 0.1 s); _regex_jobs takes it, and it is stopped if nothing did."""
    spare: list[subprocess.Popen[bytes]] = []
    if wanted:
        with contextlib.suppress(OSError):  # _regex_jobs starts one itself and says why it cannot
            spare.append(_start_worker())
    try:
        yield spare
    finally:
        for proc in spare:
            _stop_worker(proc)


def _failed(why: str, pattern: str) -> Failed:
    if why == "cancelled":
        return Failed("interrupted while scanning")
    return Failed(f"regex timed out: /{pattern}/ did not finish within the check's timeout")


def _worker_failed(err: bytes, code: int | None) -> str:
    return (os.fsdecode(err).strip().splitlines() or [f"exit code {code}"])[-1]


def _start_worker() -> subprocess.Popen[bytes]:
    """This file run as a regex worker: it waits for its payload on stdin, and dies with us."""
    return subprocess.Popen([sys.executable, "-I", "-S", __file__, str(os.getpid())], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the thread that started it ends (Linux). A run that
    exits while a check's regex still runs (the check abandoned at its timeout) or that is killed
    would otherwise leave the worker spinning on the regex for ever."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    if os.getppid() != parent:  # the parent was gone before that
        sys.exit(1)


def _stop_worker(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
    proc.communicate()


def _regex_jobs(jobs: list[Job], payload: dict[str, Any], cancelled: threading.Event | None,
                spare: list[subprocess.Popen[bytes]] | None = None,
                ) -> Iterable[tuple[Job, dict[str, Any] | Failed]]:
    """Run the jobs in worker processes (the first one `spare` holds, if any, already started),
    yielding each result as it comes. A job past its deadline (or a cancelled run) kills the
    worker; the rest go on in a new one. So that one runaway pattern does not starve the others,
    a first round gives each job a tenth of the time it has left (FIRST_ROUND seconds at most);
    those that need more run again afterwards, earliest deadline first."""
    pending = sorted(jobs, key=lambda j: float(j["deadline"]))
    deferred: list[Job] = []
    first_round = True
    while pending or deferred:
        if not pending:
            pending, deferred, first_round = deferred, [], False
        stopped = cancelled is not None and cancelled.is_set()
        while pending and (stopped or pending[0]["deadline"] <= time.monotonic()):
            job = pending.pop(0)
            yield job, _failed("cancelled" if stopped else "timeout", job["pattern"])
        if not pending:
            continue
        try:
            proc = spare.pop() if spare else _start_worker()
        except OSError as exc:
            for job in pending:
                yield job, Failed(f"the regex worker could not start: {exc}")
            return
        dog = _Watchdog(proc, float("inf"), cancelled)
        threading.Thread(target=_feed, args=(proc.stdin, {**payload, "jobs": pending}),
                         daemon=True, name="scan-feed").start()
        finished: set[int] = set()
        current = -1
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:  # cut short by the kill
                break
            if "start" in msg:
                current = msg["start"]
                deadline = float(pending[current]["deadline"])
                now = time.monotonic()
                dog.deadline = min(deadline, now + min(FIRST_ROUND, max(0.1, (deadline - now) / 10))) \
                    if first_round else deadline
                continue
            dog.deadline = float("inf")
            current = -1
            finished.add(msg["done"])
            yield pending[msg["done"]], msg
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.wait()
        dog.stop()
        if current >= 0:  # stopped (deadline, cancel) or crashed in the middle of a job
            job = pending[current]
            finished.add(current)
            if dog.fired == "timeout" and first_round and time.monotonic() < job["deadline"]:
                deferred.append(job)
            elif dog.fired:
                yield job, _failed(dog.fired, job["pattern"])
            else:
                yield job, Failed(f"the regex worker failed on /{job['pattern']}/: "
                                             f"{_worker_failed(err, proc.returncode)}")
        elif len(finished) < len(pending) and not dog.fired:  # died between jobs
            for k, job in enumerate(pending):
                if k not in finished:
                    yield job, Failed(
                        f"the regex worker failed: {_worker_failed(err, proc.returncode)}")
            return
        pending = [j for k, j in enumerate(pending) if k not in finished]


def search_texts(root: Path, searches: Sequence[tuple[str, str, str | int | None, int]],
                 timeout: float, cancelled: threading.Event | None = None,
                 ) -> list[list[tuple[int, int, str | None]]]:
    """Each (path, pattern, group, limit): up to `limit` matches of the pattern (multiline) in
    the file's text (`read_text`), as (start, start of the group, the group's text) offsets into
    that text. Run in the worker, bounded by `timeout`: OSError when a file cannot be read,
    ScanStopped when a regex did not finish in time or the run was cancelled."""
    deadline = time.monotonic() + timeout
    jobs: list[Job] = [{"over": "text", "pattern": pattern, "path": path, "group": group,
                        "limit": limit, "deadline": deadline, "id": i}
                       for i, (path, pattern, group, limit) in enumerate(searches)]
    found: dict[int, list[tuple[int, int, str | None]]] = {}
    for job, got in _regex_jobs(jobs, {"root": str(root), "files": [], "texts": []}, cancelled):
        if isinstance(got, Failed):
            raise ScanStopped(got.reason)
        if "error" in got:
            raise OSError(got["error"])
        found[job["id"]] = [(a, b, c) for a, b, c in got["spans"]]
    return [found[i] for i in range(len(searches))]


class ScanStopped(Exception):
    """A regex did not finish within its deadline, or the run was cancelled."""


def _feed(stream: IO[bytes] | None, payload: dict[str, Any]) -> None:
    assert stream is not None
    with contextlib.suppress(OSError):  # the worker was killed: nothing left to feed
        stream.write(json.dumps(payload).encode())
        stream.close()


# ------------------------------------------------------------------ which proposed lines a pattern can match

# ripgrep proposes the lines that match any pattern; each pattern's own lines are then found with
# `re`. Testing every proposed line against every pattern costs patterns x lines (100 x 120,000
# is seconds), so a pattern is only tested on the lines holding a string every match of it holds.
MIN_LITERAL = 3  # shorter required strings are in too many lines to narrow anything
MAX_LITERALS = 16  # alternatives of one required string, at most


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective of several sets of strings a match must hold one of: longest shortest."""
    return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)


def _sequence(items: Any) -> frozenset[str] | None:
    """For a parsed sequence: each run of plain characters, and each item's own set, is a set one
    of which every match holds; the best of them."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        if (inner := _item(op, av)) is not None:
            options.append(inner)
    if run:
        options.append(frozenset(["".join(run)]))
    return _best(options)


def _item(op: Any, av: Any) -> frozenset[str] | None:
    if op is _C.SUBPATTERN:  # a group: its own, unless it switches case-insensitivity on
        return None if av[1] & _C.SRE_FLAG_IGNORECASE else _sequence(av[3])
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
        return _sequence(av[2]) if av[0] >= 1 else None
    if op is _C.ATOMIC_GROUP:
        return _sequence(av)
    if op is _C.BRANCH:  # every alternative must give one
        union: set[str] = set()
        for alternative in av[1]:
            if (inner := _sequence(alternative)) is None:
                return None
            union |= inner
        return frozenset(union) if len(union) <= MAX_LITERALS else None
    return None  # classes, any character, assertions, back-references: nothing required


def required_strings(pattern: str) -> tuple[frozenset[str], bool] | None:
    """Strings one of which every match of `pattern` (Python syntax) holds, and whether to look
    for them regardless of case (the pattern's own (?i)); None when it has none of MIN_LITERAL
    characters or more. A (?i) pattern's strings must be ASCII: under (?i) `re` lets a non-ASCII
    letter match an ASCII one (the Kelvin sign matches k) and the reverse."""
    try:
        parsed = _parser.parse(pattern)
        found = _sequence(parsed.data)
    except (re.error, RecursionError, OverflowError):
        return None
    if found is None or min(map(len, found)) < MIN_LITERAL:
        return None
    ignore_case = bool(parsed.state.flags & _C.SRE_FLAG_IGNORECASE)
    if ignore_case and not all(s.isascii() for s in found):
        return None
    return (frozenset(s.lower() for s in found) if ignore_case else found), ignore_case


class ProposedLines:
    """The lines ripgrep proposed, searched as one text for the strings a pattern requires."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._exact = _Joined(lines, "\n".join(lines) + "\n")
        self._folded: tuple[_Joined, set[int]] | None = None

    def matching(self, rx: re.Pattern[str]) -> list[int]:
        """The indexes of the lines `rx` matches, in order."""
        required = required_strings(rx.pattern)
        if required is None:
            return [k for k, t in enumerate(self.lines) if rx.search(t)]
        strings, ignore_case = required
        if ignore_case:
            folded, not_ascii = self._case_folded()
            candidates = folded.holding(strings) | not_ascii
        else:
            candidates = self._exact.holding(strings)
        return [k for k in sorted(candidates) if rx.search(self.lines[k])]

    def _case_folded(self) -> tuple[_Joined, set[int]]:
        """The lines lower-cased, and the lines that are always tested: those holding anything
        but ASCII (whose case `re` folds in ways lower() does not)."""
        if self._folded is None:
            text = self._exact.text
            low = text.lower()
            if len(low) == len(text):  # every character stayed one: the lines are where they were
                folded = _Joined(low.split("\n")[:-1], low, self._exact.starts)
            else:
                folded = _Joined([t.lower() if t.isascii() else "" for t in self.lines])
            not_ascii = set() if text.isascii() else {k for k, t in enumerate(self.lines) if not t.isascii()}
            self._folded = folded, not_ascii
        return self._folded


class _Joined:
    """Lines joined by newlines (no line holds one), with where each starts."""

    COMMON = 16  # a string in more than one line in COMMON is looked for line by line

    def __init__(self, lines: Sequence[str], text: str | None = None,
                 starts: list[int] | None = None) -> None:
        self.lines = lines
        self.text = "\n".join(lines) + "\n" if text is None else text
        self._starts = starts

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = list(itertools.accumulate(map((1).__add__, map(len, self.lines)), initial=0))
        return self._starts

    def holding(self, strings: Iterable[str]) -> set[int]:
        """The indexes of the lines holding any of `strings`."""
        found: set[int] = set()
        for s in strings:
            found |= self._holding(s)
        return found

    def _holding(self, s: str) -> set[int]:
        """Found where it is in the text, one hit per line; a string in many lines (past one in
        COMMON) is looked for in each line instead, which costs less per line holding it."""
        starts, most = self.starts, len(self.lines) // self.COMMON
        found: set[int] = set()
        at = self.text.find(s)
        while at >= 0:
            if len(found) > most:
                return {k for k, t in enumerate(self.lines) if s in t}
            k = bisect.bisect_right(starts, at) - 1
            found.add(k)
            at = self.text.find(s, starts[k + 1])
        return found


# ------------------------------------------------------------------ the worker (run as a script)

def _scan_files(root: Path, files: Sequence[str], rx: re.Pattern[str],
                ) -> tuple[list[tuple[str, int, str]], list[str]]:
    matches: list[tuple[str, int, str]] = []
    unreadable: list[str] = []
    for rel in files:
        try:
            text = read_text(root / rel)
        except OSError as exc:
            if "not a regular file" not in str(exc):
                unreadable.append(rel)
            continue
        matches += [(rel, n, line) for n, line in enumerate(split_lines(text), 1) if rx.search(line)]
    return matches, unreadable


def _search_text(path: Path, rx: re.Pattern[str], group: str | int | None, limit: int) -> dict[str, Any]:
    try:
        text = read_text(path)
    except OSError as exc:
        return {"error": exc.strerror or str(exc)}
    spans: list[tuple[int, int, str | None]] = []
    for m in rx.finditer(text):
        if group is None:
            spans.append((m.start(), m.start(), None))
        else:
            spans.append((m.start(), m.start(group), m.group(group)))
        if len(spans) >= limit:
            break
    return {"spans": spans}


def worker(stdin: IO[bytes], stdout: IO[str]) -> None:
    """Read a scan's payload, run its jobs in order, say when each starts and what it found."""
    payload = json.load(stdin)
    root = Path(payload["root"])
    proposed: ProposedLines | None = None
    for i, job in enumerate(payload["jobs"]):
        print(json.dumps({"start": i}), file=stdout, flush=True)
        rx = re.compile(job["pattern"], re.MULTILINE if job["over"] == "text" else 0)
        if job["over"] == "lines":
            proposed = proposed or ProposedLines(payload["texts"])
            result: dict[str, Any] = {"hits": proposed.matching(rx)}
        elif job["over"] == "text":
            result = _search_text(root / job["path"], rx, job["group"], job["limit"])
        else:
            matches, unread = _scan_files(root, payload["files"], rx)
            result = {"matches": matches, "unreadable": unread}
        print(json.dumps({"done": i, **result}), file=stdout, flush=True)


if __name__ == "__main__":  # run as `python -I -S textscan.py PID` (-I: this folder is not on sys.path)
    _die_with_parent(int(sys.argv[1]))
    worker(sys.stdin.buffer, sys.stdout)

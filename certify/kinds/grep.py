"""`grep`: a repository invariant, e.g. no `print(` in src, or every route that takes
`{twin_id}` calls `verify_twin_ownership(` within its block."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.spec.values import CountExpr, Regex
from certify.targets.globs import path_filter
from certify.targets.repo import RepoTarget
from certify.targets.textscan import LineMatch, read_regular, rg_friendly


@dataclass(frozen=True)
class GrepFields:
    """Search the repository (honouring .gitignore, skipping binary files) line by line."""

    pattern: Regex = field(metadata=meta("the regular expression to look for, per line"))
    paths: list[str] = field(default_factory=list, metadata=meta(
        "globs or folders to search (default: the whole repository)"))
    exclude: list[str] = field(default_factory=list, metadata=meta("globs or folders to skip"))
    expect: Literal["none", "some"] | CountExpr | None = field(default=None, metadata=meta(
        'how many matching lines: none, some, or a count like ">= 3". Default: none; '
        "with `then`, no default (every match must be followed by `then`)"))
    then: Regex | None = field(default=None, metadata=meta(
        "every match must be followed within its block by a line matching this"))
    window: int = field(default=20, metadata=meta(
        "with `then`: how many lines after the match its block spans (it also ends where the "
        "next match starts)"))

    def __post_init__(self) -> None:
        if self.window < 0:
            raise ValueError("window: expected a number of lines >= 0")


def plan(f: GrepFields, ctx: CheckContext[GrepFields]) -> None:
    ctx.repo.want(f.pattern.source)


def _expectation(f: GrepFields) -> Literal["none", "some"] | CountExpr | None:
    if f.expect is not None:
        return f.expect
    return None if f.then is not None else "none"


def _count_ok(expect: Literal["none", "some"] | CountExpr | None, n: int) -> bool:
    if expect is None:
        return True
    if expect == "none":
        return n == 0
    if expect == "some":
        return n > 0
    assert isinstance(expect, CountExpr)
    return expect.matches(n)


def _describe(expect: Literal["none", "some"] | CountExpr | None) -> str:
    if expect == "none":
        return "none"
    if expect == "some":
        return "at least one"
    return str(expect)


def _violations(repo: RepoTarget, f: GrepFields,
                matches: list[LineMatch]) -> tuple[list[LineMatch], list[str]]:
    """Matches whose block (up to `window` lines, until the next match) lacks `then`, and the
    files that could not be read again to look (gone or changed into something unreadable)."""
    assert f.then is not None
    by_file: dict[str, list[LineMatch]] = {}
    for m in matches:
        by_file.setdefault(m.path, []).append(m)
    bad: list[LineMatch] = []
    unread: list[str] = []
    for path, ms in by_file.items():
        try:
            text = read_regular(repo.root / path).decode("utf-8", errors="replace")
        except OSError:
            unread.append(path)
            continue
        lines = text.splitlines()
        starts = [m.line for m in ms]
        for i, m in enumerate(ms):
            end = m.line + f.window
            if i + 1 < len(starts):
                end = min(end, starts[i + 1] - 1)
            block = lines[m.line - 1:end]
            if not any(f.then.compiled.search(line) for line in block):
                bad.append(m)
    return bad, unread


def _reproduce(repo: RepoTarget, f: GrepFields) -> str:
    if rg_friendly(f.pattern.source):
        args = ["rg", "-n", "--hidden", "--no-require-git", "-g", "!.git", "-e", f.pattern.source]
        for p in f.exclude:
            args += ["-g", f"!{p}"]
    else:  # look-arounds, back-references: ripgrep's default engine refuses them, GNU grep -P does not
        args = ["grep", "-rnIP", "--exclude-dir=.git", "-e", f.pattern.source]
        for p in f.exclude:
            args += [f"--exclude-dir={p.rstrip('/')}", f"--exclude={p}"]
    args += f.paths or ["."]
    cmd = " ".join(shlex.quote(a) for a in args)
    if f.then is not None:
        cmd += f" -A {f.window}"
    return in_dir(repo.root, cmd)


def run(f: GrepFields, ctx: CheckContext[GrepFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    accept = path_filter(f.paths, f.exclude)
    matches = [m for m in repo.matches(f.pattern.source) if accept(m.path)]
    where = ", ".join(f.paths) if f.paths else "the repository"
    out = ctx.outcome(reproduce=_reproduce(repo, f), values={"matches": len(matches)})
    out.ran = f"search {where} for /{f.pattern.source}/" + (
        f" (excluding {', '.join(f.exclude)})" if f.exclude else "") + (
        f", each match followed within {f.window} lines by /{f.then.source}/" if f.then else "")
    listing = [f"{m.path}:{m.line}: {m.text.strip()}" for m in matches]
    if len(listing) > 20:
        out.attachments["matches.txt"] = "\n".join(listing)
    out.output = head(listing) if listing else "(no matches)"
    expect = _expectation(f)
    count_ok = _count_ok(expect, len(matches))
    blind = [p for p in repo.unreadable if accept(p) or accept(p.rstrip("/") + "/_")]
    counted = f"{len(matches)} matching line{'s' if len(matches) != 1 else ''}"
    if f.then is None:
        out.reason = f"{counted}, expected {_describe(expect)}"
        if not count_ok or expect != "none":
            out.findings = [Finding(f"{m.path}:{m.line}", m.text.strip()) for m in matches]
        out.status = "pass" if count_ok else "fail"
        out.inventory = count_ok  # the matches are what was counted, not violations
        _unreadable(out, blind, can_overturn=expect != "some")  # more matches cannot undo "some"
        return out
    bad, unread = _violations(repo, f, matches)
    out.values["violations"] = len(bad)
    out.findings = [Finding(f"{m.path}:{m.line}", f"no /{f.then.source}/ within its block: "
                                                  f"{m.text.strip()}") for m in bad]
    if bad:
        out.output = head([f"{x.where}: {x.what}" for x in out.findings])
        out.status, out.reason = "fail", f"{len(bad)} of {len(matches)} matches lack /{f.then.source}/"
    elif not count_ok:
        out.status, out.reason = "fail", f"{counted}, expected {_describe(expect)}"
    else:
        out.reason = f"all {len(matches)} matches are followed by /{f.then.source}/"
    _unreadable(out, blind + unread, can_overturn=True)
    return out


def _unreadable(out: Outcome, blind: list[str], can_overturn: bool) -> None:
    """Paths in scope that could not be read are listed in the evidence; a pass they could
    overturn is not proven."""
    if not blind:
        return
    out.values["unreadable"] = len(blind)
    out.output += "\n" + head([f"could not read: {p}" for p in blind], 10)
    if can_overturn and out.status == "pass":
        out.status = "error"
        out.reason = (f"{len(blind)} path{'s' if len(blind) != 1 else ''} in scope could not be read "
                      f"({blind[0]}{', ...' if len(blind) > 1 else ''}); {out.reason}")


KIND = KindSpec(
    name="grep",
    summary="a repository invariant holds (pattern absent, present, counted, or always followed by another)",
    fields=GrepFields,
    run=run,
    plan=plan,
    example="""\
- kind: grep
  name: every twin route checks ownership
  pattern: '@router\\.(get|post|put|delete)\\(".*\\{twin_id\\}'
  paths: [app/routes/]
  then: 'verify_twin_ownership\\('
  window: 15
""",
)

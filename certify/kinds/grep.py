"""`grep`: a repository invariant, e.g. no `print(` in src, or every route that takes
`{twin_id}` calls `verify_twin_ownership(` within its block."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.spec.values import CountExpr, Regex
from certify.targets.globs import matches as glob_matches
from certify.targets.globs import normalise, path_filter
from certify.targets.repo import RepoTarget

if TYPE_CHECKING:  # the scanner loads when a check runs, not when a spec is validated
    from certify.targets.textscan import LineMatch


@dataclass(frozen=True)
class GrepFields:
    """Search the repository line by line: in git, every tracked file and every untracked one
    not ignored; elsewhere what .gitignore leaves. Binary files are read as text, BOM'd UTF-16
    decoded, symlinks inside the repository followed."""

    pattern: Regex = field(metadata=meta("the regular expression to look for, per line"))
    paths: list[str] = field(default_factory=list, metadata=meta(
        "globs or folders to search (default, or `.`: the whole repository; `./src`: the folder "
        "at the root). One that matches no file is noted; all of them: UNKNOWN"))
    exclude: list[str] = field(default_factory=list, metadata=meta("globs or folders to skip"))
    expect: Literal["none", "some"] | CountExpr | None = field(default=None, metadata=meta(
        'how many matching lines: none, some, or a count like ">= 3". Default: none; '
        "with `then`, no default: every match must be followed by `then`, and no match at all is "
        'UNKNOWN unless a count such as ">= 0" says none is acceptable'))
    then: Regex | None = field(default=None, metadata=meta(
        "every match must be followed within its block by a line matching this"))
    window: int = field(default=20, metadata=meta(
        "with `then`: how many lines after the match its block spans (it also ends where the "
        "next match starts)"))

    def __post_init__(self) -> None:
        if self.window < 0:
            raise ValueError("window: expected a number of lines >= 0")
        for key, globs in (("paths", self.paths), ("exclude", self.exclude)):
            for g in globs:
                if not g.strip():
                    raise ValueError(f"{key}: an empty path (use . for the whole repository)")
                if ".." in g.strip().split("/"):
                    raise ValueError(f"{key}: {g} leaves the repository (paths are relative to its root)")


def plan(f: GrepFields, ctx: CheckContext[GrepFields]) -> None:
    ctx.repo.want(f.pattern.source, ctx.timeout)
    if f.then is not None:
        ctx.repo.want(f.then.source, ctx.timeout)


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


def _violations(f: GrepFields, matches: list[LineMatch], then: list[LineMatch]) -> list[LineMatch]:
    """Matches whose block (the match's line and up to `window` more, ending before the next
    match) has no line matching `then`. Both come from the same scan, so their line numbers
    are the scanner's."""
    followed: dict[str, list[int]] = {}
    for t in then:
        followed.setdefault(t.path, []).append(t.line)
    bad: list[LineMatch] = []
    for i, m in enumerate(matches):
        end = m.line + f.window
        if i + 1 < len(matches) and matches[i + 1].path == m.path:
            end = min(end, matches[i + 1].line - 1)
        if not any(m.line <= n <= end for n in followed.get(m.path, ())):
            bad.append(m)
    return bad


def _pathspecs(pattern: str, exclude: bool = False) -> list[str]:
    """A path glob as git pathspecs (`:(glob)`: `*` within a name, `**` across folders)."""
    pat, anchored, directory = normalise(pattern)
    magic = ":(glob,exclude)" if exclude else ":(glob)"
    if not pat:
        return [f"{magic}**"]
    base = pat if anchored or "/" in pat else f"**/{pat}"
    return [f"{magic}{base}/**"] if directory else [f"{magic}{base}", f"{magic}{base}/**"]


def _reproduce(repo: RepoTarget, f: GrepFields) -> str:
    """A shell line listing the lines the check found: in git, over the files git lists (the
    tracked ones even where .gitignore matches them); elsewhere, over what .gitignore leaves."""
    from certify.targets.textscan import GIT_LIST, rg_pattern

    rg = rg_pattern(f.pattern.source) is not None  # else GNU grep -P (look-arounds, back-references)
    search = ["rg", "-Hn", "--text"] if rg else ["grep", "-HnaP"]
    search += [*(["-A", str(f.window)] if f.then is not None else []), "-e", f.pattern.source]
    if repo.git_state().is_repo:
        specs = [s for p in f.paths for s in _pathspecs(p)] + \
            [s for p in f.exclude for s in _pathspecs(p, exclude=True)]
        listing = ["git", "-c", "core.excludesFile=", *GIT_LIST, "--cached", "--", *specs]
        cmd = " ".join(shlex.quote(a) for a in listing) + " | xargs -0r " + \
            " ".join(shlex.quote(a) for a in [*search, "--"])
    elif rg:
        args = [*search, "--hidden", "--no-require-git", "--no-ignore-dot", "-g", "!.git"]
        for p in f.exclude:
            args += ["-g", f"!{p}"]
        cmd = " ".join(shlex.quote(a) for a in [*args, *(f.paths or ["."])])
    else:
        args = [*search, "-r", "--exclude-dir=.git"]
        for p in f.exclude:
            args += [f"--exclude-dir={p.rstrip('/')}", f"--exclude={p}"]
        cmd = " ".join(shlex.quote(a) for a in [*args, *(f.paths or ["."])])
    return in_dir(repo.root, cmd)


KEY_LINES = 20  # matches shown in the key output


def _key_output(found: list[Finding], listed: bool) -> str:
    """The first matches; the rest are the check's findings (`listed`), or in matches.txt."""
    if not listed:
        return head([f"{x.where}: {x.what}" for x in found], KEY_LINES)
    lines = [f"{x.where}: {x.what}" for x in found[:KEY_LINES]]
    if len(found) > KEY_LINES:
        lines.append(f"... {len(found) - KEY_LINES} more (each of them is one of the check's findings)")
    return "\n".join(lines)


def _plural(n: int, noun: str, nouns: str = "") -> str:
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def run(f: GrepFields, ctx: CheckContext[GrepFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    where = ", ".join(f.paths) if f.paths else "the repository"
    out = ctx.outcome(reproduce=_reproduce(repo, f))
    out.ran = f"search {where} for /{f.pattern.source}/" + (
        f" (excluding {', '.join(f.exclude)})" if f.exclude else "") + (
        f", each match followed within {f.window} lines by /{f.then.source}/" if f.then else "")
    accept = path_filter(f.paths, f.exclude)
    all_matches = repo.matches(f.pattern.source, ctx.remaining, ctx.cancelled)
    then = repo.matches(f.then.source, ctx.remaining, ctx.cancelled) if f.then is not None else []
    listing = repo.listing()
    blind = [p for p in repo.unreadable if accept(p) or accept(p.rstrip("/") + "/_")]
    reached = [p for p in listing.files if accept(p)] + blind if f.paths or f.exclude \
        else [*listing.files, *blind]
    ctx.scope("paths", f.paths or ["."], lambda g: any(glob_matches(p.rstrip("/"), g) or
                                                        glob_matches(p.rstrip("/") + "/_", g)
                                                        for p in reached), total=len(reached))
    matches = [m for m in all_matches if accept(m.path)] if f.paths or f.exclude else all_matches
    out.values["matches"] = len(matches)
    found = [Finding(f"{m.path}:{m.line}", m.text.strip()) for m in matches]
    out.output = _key_output(found, listed=f.then is None) if found else "(no matches)"
    if f.then is not None and len(found) > KEY_LINES:  # its findings are the violations: list every match
        out.attachments["matches.txt"] = "\n".join(f"{x.where}: {x.what}" for x in found)
    expect = _expectation(f)
    counted = f"{_plural(len(matches), 'matching line')}, expected {_describe(expect)}"
    count_ok = _count_ok(expect, len(matches))
    if f.then is None:
        out.reason = counted
        if not count_ok and not found:  # too few: nothing to point at
            out.status = "fail"
        elif expect == "none" or not count_ok:  # each match is (one of) the violation(s)
            out.findings, out.lead = found, counted
        else:
            out.findings, out.inventory = found, True  # what was counted, not violations
    else:
        if f.expect is None:  # "every match is followed by" over no match proves nothing
            shown_pattern = f"/{f.pattern.source}/"
            ctx.scope("pattern", [shown_pattern], [shown_pattern] if matches else [], total=len(matches),
                      noun="line")
        bad = _violations(f, matches, then)
        out.values["violations"] = len(bad)
        out.findings = [Finding(f"{m.path}:{m.line}", f"no /{f.then.source}/ within its block: "
                                                      f"{m.text.strip()}") for m in bad]
        if bad:
            out.output = head([f"{x.where}: {x.what}" for x in out.findings])
            out.lead = f"{len(bad)} of {_plural(len(matches), 'match', 'matches')} lack /{f.then.source}/"
        elif not count_ok:
            out.status, out.reason = "fail", counted
        if out.status == "pass":
            out.reason = f"all {_plural(len(matches), 'match', 'matches')} are followed by /{f.then.source}/"
    outside = [p for p in listing.outside if accept(p)]
    if outside:
        out.output += "\n" + head([f"not followed (a symlink out of the repository): {p}"
                                   for p in outside], 10)
    if blind:
        out.values["unreadable"] = len(blind)
        out.output += "\n" + head([f"could not read: {p}" for p in blind], 10)
        if expect != "some" or f.then is not None:  # more matches cannot undo "some"
            out.unproven.append(f"{_plural(len(blind), 'path')} in scope could not be read "
                                f"({blind[0]}{', ...' if len(blind) > 1 else ''})")
    return out


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

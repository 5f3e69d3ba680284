"""`git`: repository anchors: clean tree, branch, HEAD, a commit included. HEAD, branch
and the dirty state are always recorded.

certify's own output in the tree (an untracked reports folder of evidence packs and their
ledger) does not make the tree dirty, or a second `certify run` would prove the first one
changed the code. Only files certify wrote count as its output: the ledger, its lock, and the
files a pack's MANIFEST.sha256 lists; anything else there is an untracked change as usual."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome, in_dir
from certify.spec.binder import meta
from certify.targets.repo import RepoTarget


@dataclass(frozen=True)
class GitFields:
    """Anchor the certification to the repository's state."""

    clean: bool | None = field(default=None, metadata=meta(
        "true = no uncommitted or untracked changes"))
    branch: str | None = field(default=None, metadata=meta("the branch that must be checked out"))
    head: str | None = field(default=None, metadata=meta("the commit HEAD must be (a prefix is enough)"))
    contains: str | None = field(default=None, metadata=meta("a commit HEAD must include"))

    def __post_init__(self) -> None:
        for name, what in (("branch", "a branch"), ("head", "a commit"), ("contains", "a commit")):
            value = getattr(self, name)
            if value is None:
                continue
            if not value.strip():  # "${RELEASE_SHA:-}": an empty prefix would match any HEAD
                raise ValueError(f"{name}: expected {what}, got an empty value (an unset variable?)")
            if value.startswith("-"):
                raise ValueError(f"{name}: expected {what}, got an option ({value})")
        if self.branch == "HEAD":
            raise ValueError("branch: HEAD is not a branch (a detached HEAD has none); "
                             "name the branch, or anchor the commit with head:")


_HASH_PREFIX = re.compile(r"^[0-9a-f]{7,64}$")  # shorter than git's own abbreviation: resolved as a name


def run(f: GitFields, ctx: CheckContext[GitFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    state = repo.git_state()
    out = ctx.outcome(ran="git rev-parse HEAD; git rev-parse --abbrev-ref HEAD; "
                                  "git status --porcelain",
                  reproduce=in_dir(repo.root, "git rev-parse HEAD && git rev-parse --abbrev-ref HEAD"
                                              " && git status --porcelain=v1"))
    if not state.is_repo or not state.commit:
        out.status, out.reason = "error", f"{repo.root}: {state.error}"
        return out
    own, changed, dirty = state.own, state.changed, state.dirty
    out.values.update(commit=state.commit, branch=state.branch, dirty=dirty)
    lines = [f"HEAD: {state.commit}", f"branch: {state.branch}",
             f"tree: {'dirty' if dirty else 'clean'}", *changed[:20]]
    if len(changed) > 20:
        lines.append(f"... {len(changed) - 20} more changed files")
    lines += [f"not counted (certify's own evidence packs and ledger): {c[3:]}" for c in own]
    out.output = "\n".join(lines)
    if f.clean is not None and state.status_error:
        out.unproven.append(f"git status failed, so the tree's state is unknown: {state.status_error}")
    elif f.clean is not None and f.clean == dirty:
        if f.clean:
            out.findings += [Finding(c[3:], f"uncommitted change ({c[:2].strip()})")
                             for c in changed]
        else:
            out.findings.append(Finding(str(repo.root), "tree is clean, expected changes"))
    if f.branch is not None and f.branch != state.branch:
        on = "a detached HEAD" if state.branch == "HEAD" else state.branch
        out.findings.append(Finding("branch", f"{on}, expected {f.branch}"))
    if f.head is not None:
        head = f.head.strip().lower()
        if not (_HASH_PREFIX.match(head) and state.commit.startswith(head)) and \
                _resolve(repo, f.head) != state.commit:
            out.findings.append(Finding("HEAD", f"{state.commit}, expected {f.head}"))
    if f.contains is not None:
        commit = _resolve(repo, f.contains)
        probe = repo.git("merge-base", "--is-ancestor", commit, "HEAD") if commit else None
        if probe is not None and probe.returncode == 1:
            out.findings.append(Finding("HEAD", f"does not contain commit {f.contains}"))
        elif probe is None or probe.returncode != 0:
            out.status = "error"
            out.reason = f"cannot tell whether HEAD contains {f.contains}: " + (
                (probe.stderr.strip().splitlines() if probe else []) or ["unknown commit"])[-1]
            return out
        out.reproduce += f" && git merge-base --is-ancestor {f.contains} HEAD; echo $?"
    out.reason = f"HEAD {state.short} on {state.branch}, {'dirty' if dirty else 'clean'}"
    return out


def _resolve(repo: RepoTarget, name: str) -> str:
    """The full hash `name` (a hash, a tag, a branch ...) names, or "" when it names no commit."""
    return repo.git("rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{name}^{{commit}}").stdout.strip()


KIND = KindSpec(
    name="git",
    summary="repository anchors: clean tree, branch, HEAD, a commit included",
    fields=GitFields,
    run=run,
    example="""\
- kind: git
  clean: true
  branch: main
""",
)

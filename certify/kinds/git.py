"""`git`: repository anchors: clean tree, branch, HEAD, a commit included. HEAD, branch
and the dirty state are always recorded."""

from __future__ import annotations

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
    out.values.update(commit=state.commit, branch=state.branch, dirty=state.dirty)
    lines = [f"HEAD: {state.commit}", f"branch: {state.branch}",
             f"tree: {'dirty' if state.dirty else 'clean'}", *state.changed[:20]]
    if len(state.changed) > 20:
        lines.append(f"... {len(state.changed) - 20} more changed files")
    out.output = "\n".join(lines)
    if f.clean is not None and f.clean == state.dirty:
        if f.clean:
            out.findings += [Finding(c[3:], f"uncommitted change ({c[:2].strip()})")
                             for c in state.changed]
        else:
            out.findings.append(Finding(str(repo.root), "tree is clean, expected changes"))
    if f.branch is not None and f.branch != state.branch:
        out.findings.append(Finding("branch", f"on {state.branch}, expected {f.branch}"))
    if f.head is not None and not state.commit.startswith(f.head.lower()):
        resolved = repo.git("rev-parse", "--verify", "--quiet", f"{f.head}^{{commit}}").stdout.strip()
        if resolved != state.commit:
            out.findings.append(Finding("HEAD", f"is {state.commit}, expected {f.head}"))
    if f.contains is not None:
        probe = repo.git("merge-base", "--is-ancestor", f.contains, "HEAD")
        if probe.returncode == 1:
            out.findings.append(Finding("HEAD", f"does not contain commit {f.contains}"))
        elif probe.returncode != 0:
            out.status = "error"
            out.reason = f"cannot tell whether HEAD contains {f.contains}: " + (
                probe.stderr.strip().splitlines() or ["unknown commit"])[-1]
            return out
        out.reproduce += f" && git merge-base --is-ancestor {f.contains} HEAD; echo $?"
    if out.findings:
        out.status = "fail"
        out.reason = "; ".join(f"{x.where} {x.what}" for x in out.findings[:3]) + (
            f" (and {len(out.findings) - 3} more)" if len(out.findings) > 3 else "")
    else:
        out.reason = f"HEAD {state.short} on {state.branch}, {'dirty' if state.dirty else 'clean'}"
    return out


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

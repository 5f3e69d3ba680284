"""`file`: files exist or don't, contain or don't contain, have a hash; or every path
referenced in some files (Dockerfiles named in a compose file...) exists."""

from __future__ import annotations

import glob as globlib
import hashlib
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from certify.kinds.base import CheckContext, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.spec.values import Regex
from certify.targets.globs import translate
from certify.targets.repo import RepoTarget
from certify.targets.textscan import read_regular


@dataclass(frozen=True)
class References:
    """Every path named in some files must exist."""

    in_: str = field(metadata=meta("glob of the files that name paths", key="in"))
    pattern: Regex = field(metadata=meta("regex with a (?P<path>...) group capturing each path"))
    relative_to: Literal["file", "repo"] = field(default="file", metadata=meta(
        "resolve a named path from the naming file's folder (file) or the repository root (repo)"))

    def __post_init__(self) -> None:
        rx = self.pattern.compiled
        if "path" not in rx.groupindex and rx.groups != 1:
            raise ValueError("references.pattern: needs a (?P<path>...) group that captures the path")


@dataclass(frozen=True)
class FileFields:
    """Check files by glob (relative to the repository; not filtered by .gitignore)."""

    path: str | None = field(default=None, metadata=meta("glob of the files, e.g. docs/**/*.md"))
    exists: bool = field(default=True, metadata=meta("whether at least one file must match"))
    contains: list[Regex] = field(default_factory=list, metadata=meta(
        "regexes every matching file must contain"))
    not_contains: list[Regex] = field(default_factory=list, metadata=meta(
        "regexes no matching file may contain"))
    sha256: str | None = field(default=None, metadata=meta("the expected sha256 of the one file"))
    references: References | None = field(default=None, metadata=meta(
        "every path referenced in other files exists"))

    def __post_init__(self) -> None:
        if self.path is None and self.references is None:
            raise ValueError("give `path:` (files to check) or `references:` (paths named in files)")
        if not self.exists and (self.contains or self.not_contains or self.sha256):
            raise ValueError("exists: false cannot be combined with contains, not_contains or sha256")


def _glob(root: Path, pattern: str) -> list[Path]:
    """Paths matching a glob. `**` walks the tree without following symlinked folders (a link
    to a parent would repeat the tree without end); other patterns are plain globs."""
    if "**" not in pattern:
        return sorted(Path(p) for p in globlib.glob(str(root / pattern)))
    rx = re.compile(translate(pattern[2:] if pattern.startswith("./") else pattern))
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in (*dirnames, *filenames):
            full = os.path.join(dirpath, name)
            if rx.fullmatch(os.path.relpath(full, root).replace(os.sep, "/")):
                found.append(Path(full))
    return sorted(found)


def _rel(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read(p: Path) -> str:
    return read_regular(p).decode("utf-8", errors="replace")


def _check_paths(f: FileFields, repo: RepoTarget, out: Outcome) -> None:
    assert f.path is not None
    root = repo.root
    found = _glob(root, f.path)
    names = [_rel(root, p) + ("/" if p.is_dir() else "") for p in found]
    out.values["matched"] = len(found)
    out.output = head(names) if names else f"(nothing matches {f.path})"
    if not f.exists:
        out.findings += [Finding(n, "exists, and must not") for n in names]
        return
    if not found:
        out.findings.append(Finding(f.path, "no such file"))
        return
    files = [p for p in found if p.is_file()]
    others = [p for p in found if not p.is_file() and not p.is_dir()]  # FIFOs, dangling links...
    if f.contains or f.not_contains or f.sha256 is not None:
        out.findings += [Finding(_rel(root, p), "not a regular file: its content cannot be checked")
                         for p in others]
    for p in files:
        rel = _rel(root, p)
        text = _read(p)
        for rx in f.contains:
            if not re.compile(rx.source, re.MULTILINE).search(text):
                out.findings.append(Finding(rel, f"does not contain /{rx.source}/"))
        for rx in f.not_contains:
            for n, m in enumerate(re.compile(rx.source, re.MULTILINE).finditer(text)):
                if n == 1000:
                    out.findings.append(Finding(rel, f"... and more matches of /{rx.source}/"))
                    break
                start = text.rfind("\n", 0, m.start()) + 1
                end = text.find("\n", m.start(), m.start() + 400)
                line = text[start:end if end >= 0 else m.start() + 200].strip()
                out.findings.append(Finding(f"{rel}:{_line_of(text, m.start())}",
                                            f"contains /{rx.source}/: {line[:200]}"))
    if f.sha256 is not None:
        if len(files) != 1:
            out.findings.append(Finding(f.path, f"sha256 needs exactly one file, {len(files)} match"))
        else:
            digest = hashlib.sha256(read_regular(files[0])).hexdigest()
            out.values["sha256"] = digest
            if digest != f.sha256.lower():
                out.findings.append(Finding(_rel(root, files[0]), f"sha256 is {digest}, expected {f.sha256}"))


def _check_references(ref: References, repo: RepoTarget, out: Outcome) -> None:
    root = repo.root
    sources = [p for p in _glob(root, ref.in_) if p.is_file()]
    group: str | int = "path" if "path" in ref.pattern.compiled.groupindex else 1
    named: list[str] = []
    for src in sources:
        text = _read(src)
        for m in re.compile(ref.pattern.source, re.MULTILINE).finditer(text):
            value = (m.group(group) or "").strip().strip("'\"")
            if not value:
                continue
            where = f"{_rel(root, src)}:{_line_of(text, m.start(group))}"
            base = src.parent if ref.relative_to == "file" else root
            try:
                exists = (base / value).exists()
            except (OSError, RuntimeError):  # a symlink loop: it names nothing that can be opened
                exists = False
            named.append(f"{where}: {value} ({'exists' if exists else 'MISSING'})")
            if not exists:
                out.findings.append(Finding(where, f"references {value}, which does not exist",
                                            fix=f"create {_rel(root, Path(os.path.normpath(base / value)))} "
                                                "or correct the reference"))
    out.values["referencing_files"] = len(sources)
    out.values["references"] = len(named)
    if not sources:
        out.findings.append(Finding(ref.in_, "no file matches, so no reference can be checked"))
    out.output = "\n".join(filter(None, [out.output, head(named) if named else ""]))


def _globbing(command: str) -> str:
    """A shell line whose `**` means what it means here: any depth (bash's globstar)."""
    return f"shopt -s globstar; {command}" if "**" in command else command


def run(f: FileFields, ctx: CheckContext[FileFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    parts = []
    if f.path is not None:
        parts.append(f"{'find' if f.exists else 'expect no'} {f.path}")
    if f.references is not None:
        parts.append(f"paths named by /{f.references.pattern.source}/ in {f.references.in_}")
    out = ctx.outcome(ran="; ".join(parts))
    if f.path is not None:
        _check_paths(f, repo, out)
        regexes = [*f.contains, *f.not_contains]
        if f.sha256:
            out.reproduce = in_dir(repo.root, _globbing(f"sha256sum {f.path}"))
        elif regexes:
            args = " ".join(f"-e {shlex.quote(r.source)}" for r in regexes)
            out.reproduce = in_dir(repo.root, _globbing(f"rg -n {args} {f.path}"))
        else:
            out.reproduce = in_dir(repo.root, _globbing(f"ls -ld {f.path}"))
    if f.references is not None:
        _check_references(f.references, repo, out)
        out.reproduce = in_dir(repo.root, _globbing(
            f"rg -n -e {shlex.quote(f.references.pattern.source)} {f.references.in_}"))
    if out.findings:
        out.status = "fail"
        first = out.findings[0]
        more = f" (and {len(out.findings) - 1} more)" if len(out.findings) > 1 else ""
        out.reason = f"{first.where}: {first.what}{more}"
        if len(out.findings) > 20:
            out.attachments["findings.txt"] = "\n".join(f"{x.where}: {x.what}" for x in out.findings)
    else:
        bits = []
        if f.path is not None:
            bits.append(f"{out.values['matched']} match{'es' if out.values['matched'] != 1 else ''}"
                        if f.exists else f"nothing matches {f.path}")
        if f.references is not None:
            bits.append(f"all {out.values['references']} referenced paths exist")
        out.reason = "; ".join(bits)
    return out


KIND = KindSpec(
    name="file",
    summary="files exist or not, contain or not, match a hash; referenced paths exist",
    fields=FileFields,
    run=run,
    example="""\
- kind: file
  name: Dockerfiles named by compose exist
  references:
    in: docker-compose*.yml
    pattern: 'dockerfile:\\s*(?P<path>\\S+)'
""",
)

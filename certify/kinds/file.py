"""`file`: files exist or don't, contain or don't contain, have a hash; or every path
referenced in some files (Dockerfiles named in a compose file...) exists."""

from __future__ import annotations

import glob as globlib
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.spec.values import Regex
from certify.targets.globs import translate
from certify.targets.repo import RepoTarget

REFERENCES_LIMIT = 100_000  # paths named per file


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
    """Check files by glob (relative to the repository; not filtered by .gitignore; hidden files
    included). Text is UTF-8, or UTF-16/UTF-8 as its byte-order mark says. A folder, a FIFO or
    a file that cannot be read has no content to prove: UNKNOWN."""

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


def _glob(root: Path, pattern: str) -> tuple[list[Path], list[str]]:
    """Paths matching a glob, and the folders on its way that could not be listed (what they
    hold is unknown). `**` walks the tree without following symlinked folders (a link to a
    parent would repeat the tree without end); other patterns are plain globs."""
    blind: list[str] = []

    def unlisted(path: str) -> None:
        blind.append(_rel(root, Path(path)).rstrip("/") + "/")

    if "**" not in pattern:  # hidden files too: `config/*` covers config/.env
        found = sorted(Path(p) for p in globlib.glob(str(root / pattern), include_hidden=True))
        parts = pattern.split("/")
        for k in range(len(parts)):  # the root, then each folder the pattern goes through
            prefix = "/".join(parts[:k])
            for d in globlib.glob(str(root / prefix), include_hidden=True) if prefix else [str(root)]:
                try:
                    if os.path.isdir(d):
                        os.scandir(d).close()
                except OSError:
                    unlisted(d)
        return found, blind
    rx = re.compile(translate(pattern[2:] if pattern.startswith("./") else pattern))
    found = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: unlisted(str(e.filename))):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in (*dirnames, *filenames):
            full = os.path.join(dirpath, name)
            if rx.fullmatch(os.path.relpath(full, root).replace(os.sep, "/")):
                found.append(Path(full))
    return sorted(found), blind


def _unlisted(out: Outcome, blind: list[str]) -> None:
    """Folders the glob could not list: listed in the evidence; a pass they could overturn
    (absence, content, the files a claim is about) is not proven."""
    if blind:
        out.output += "\n" + head([f"could not list: {b}" for b in blind], 10)
        out.unproven.append(f"{len(blind)} folder{'s' if len(blind) != 1 else ''} on the glob's way "
                            f"could not be listed ({blind[0]}{', ...' if len(blind) > 1 else ''})")


def _rel(root: Path, p: Path) -> str:
    return p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read(p: Path, rel: str, out: Outcome) -> bytes | None:
    """The file's bytes, or None with why a pass would not be proven."""
    from certify.targets.textscan import read_regular  # loaded when a check runs

    try:
        return read_regular(p)
    except OSError as exc:
        why = "not a regular file" if "not a regular file" in str(exc) else exc.strerror or str(exc)
        out.unproven.append(f"{rel}: could not read it ({why})")
        return None


Search = tuple[str, str, str | int | None, int]  # path, pattern, group, how many matches at most
Span = tuple[int, int, str | None]  # where the match starts, where its group starts, the group


def _search(ctx: CheckContext[FileFields], searches: list[Search]) -> list[list[Span]]:
    """The regex searches, in a worker process stopped at the check's timeout (Python's `re` can
    backtrack for minutes without letting anything else run)."""
    from certify.targets.textscan import ScanStopped, search_texts

    if not searches:
        return []
    try:
        return search_texts(ctx.target.root, searches, ctx.remaining, ctx.cancelled)
    except ScanStopped as exc:
        raise CheckError(str(exc)) from exc
    except OSError as exc:  # changed under us since it was read
        raise CheckError(f"could not read a file again: {exc}") from exc


def _check_paths(f: FileFields, ctx: CheckContext[FileFields], out: Outcome) -> None:
    from certify.targets.textscan import decode_text

    assert f.path is not None
    root = ctx.target.root
    found, blind = _glob(root, f.path)
    names = [_rel(root, p) + ("/" if p.is_dir() else "") for p in found]
    out.values["matched"] = len(found)
    out.output = head(names) if names else f"(nothing matches {f.path})"
    if not f.exists:
        out.findings += [Finding(n, "exists, and must not") for n in names]
        _unlisted(out, blind)
        return
    if not found:
        if not blind:  # otherwise it may be in a folder that could not be listed
            out.findings.append(Finding(f.path, "no such file"))
        _unlisted(out, blind)
        return
    if not (f.contains or f.not_contains or f.sha256 is not None):
        if not any(p.exists() for p in found):  # dangling symlinks, loops: nothing is there
            out.findings.append(Finding(f.path, f"no such file ({names[0]} is a dangling symlink)"))
        return
    _unlisted(out, blind)
    files = [p for p in found if not p.is_dir()]
    folders = [_rel(root, p) + "/" for p in found if p.is_dir()]
    if folders and not files:
        out.unproven.append(f"{folders[0]} is a folder: its content was not checked (give "
                            f"{folders[0]}** for the files in it)")
        return
    if folders:
        out.output += "\n" + head([f"note: a folder, not read: {x}" for x in folders], 10)
    contents = {p: data for p in files if (data := _read(p, _rel(root, p), out)) is not None}
    asks = [(p, rx, limit) for p in contents for rxs, limit in ((f.contains, 1), (f.not_contains, 1001))
            for rx in rxs]
    spans = _search(ctx, [(str(p), rx.source, None, limit) for p, rx, limit in asks])
    texts = {p: decode_text(data) for p, data in contents.items()}
    for (p, rx, limit), hits in zip(asks, spans, strict=True):
        rel, text = _rel(root, p), texts[p]
        if limit == 1:  # contains
            if not hits:
                out.findings.append(Finding(rel, f"does not contain /{rx.source}/"))
            continue
        for n, span in enumerate(hits):
            at = span[0]
            if n == 1000:
                out.findings.append(Finding(rel, f"... and more matches of /{rx.source}/"))
                break
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at, at + 400)
            line = text[start:end if end >= 0 else at + 200].strip()
            out.findings.append(Finding(f"{rel}:{_line_of(text, at)}",
                                        f"contains /{rx.source}/: {line[:200]}"))
    if f.sha256 is not None:
        if len(files) != 1:
            out.findings.append(Finding(f.path, f"sha256 needs exactly one file, {len(files)} match"))
        elif contents:
            import hashlib  # loaded when a digest is compared, not when a spec is validated

            digest = hashlib.sha256(contents[files[0]]).hexdigest()
            out.values["sha256"] = digest
            if digest != f.sha256.lower():
                out.findings.append(Finding(_rel(root, files[0]), f"sha256 is {digest}, expected {f.sha256}"))


def _check_references(ref: References, ctx: CheckContext[FileFields], out: Outcome) -> None:
    from certify.targets.textscan import decode_text

    root = ctx.target.root
    found, blind = _glob(root, ref.in_)
    sources = [p for p in found if not p.is_dir()]
    _unlisted(out, blind)
    ctx.scope("references.in", [ref.in_], lambda _: bool(sources), total=len(sources))
    group: str | int = "path" if "path" in ref.pattern.compiled.groupindex else 1
    named: list[str] = []
    texts = {src: decode_text(data) for src in sources
             if (data := _read(src, _rel(root, src), out)) is not None}
    spans = _search(ctx, [(str(src), ref.pattern.source, group, REFERENCES_LIMIT) for src in texts])
    for (src, text), hits in zip(texts.items(), spans, strict=True):
        for _, at, raw in hits:
            value = (raw or "").strip().strip("'\"")
            if not value:
                continue
            where = f"{_rel(root, src)}:{_line_of(text, at)}"
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
    repo.require_root()
    if f.path is not None:
        regexes = [*f.contains, *f.not_contains]
        if f.sha256:
            out.reproduce = in_dir(repo.root, _globbing(f"sha256sum {f.path}"))
        elif regexes:
            args = " ".join(f"-e {shlex.quote(r.source)}" for r in regexes)
            out.reproduce = in_dir(repo.root, _globbing(f"rg -n {args} {f.path}"))
        else:
            out.reproduce = in_dir(repo.root, _globbing(f"ls -ld {f.path}"))
    if f.references is not None:
        out.reproduce = in_dir(repo.root, _globbing(
            f"rg -n -e {shlex.quote(f.references.pattern.source)} {f.references.in_}"))
    if f.path is not None:
        _check_paths(f, ctx, out)
    if f.references is not None:
        _check_references(f.references, ctx, out)
    if len(out.findings) > 20:
        out.attachments["findings.txt"] = "\n".join(f"{x.where}: {x.what}" for x in out.findings)
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

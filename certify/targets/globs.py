"""Glob patterns over repository-relative paths (`src/**/*.py`, `docs/`, `*.md`).

Rules, as in .gitignore and most CI tools: `*` and `?` stay within one path segment,
`**` spans segments, a pattern ending in `/` (or naming a directory) covers everything
under it, and a pattern without `/` matches the name at any depth. `.` is the whole tree;
`./src` and `src/.` are the folder `src` at the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache


def translate(pat: str) -> str:
    """The regex of a glob's segments: `*` and `?` within a segment, `**` across them."""
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1:end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def normalise(pattern: str) -> tuple[str, bool, bool]:
    """A pattern as (segments joined by `/`, anchored at the root, covers a folder only).
    `.` segments and empty ones are dropped, so `.` and `./` are the whole tree, `./src` and
    `src/.` the folder at the root (a leading `./` or `/` anchors, as `/` does in .gitignore)."""
    pat = pattern.strip()
    segments = pat.split("/")
    kept = [s for s in segments if s not in ("", ".")]
    anchored = (len(segments) > 1 and segments[0] in ("", ".")) or "/" in pat.rstrip("/")
    directory = len(segments) > 1 and segments[-1] in ("", ".")
    return "/".join(kept), anchored, directory


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern[str]:
    pat, anchored, directory = normalise(pattern)
    if not pat:  # `.`, `./`, `/`: everything
        return re.compile("^.*$")
    anywhere = not anchored and "/" not in pat
    body = translate(pat)
    prefix = "(?:.*/)?" if anywhere else ""
    # A pattern also matches everything under a directory it names.
    suffix = "/.*" if directory else "(?:/.*)?"
    return re.compile(f"^{prefix}{body}{suffix}$")


def matches(path: str, pattern: str) -> bool:
    return glob_regex(pattern).match(path) is not None


def path_filter(include: Sequence[str], exclude: Sequence[str] = ()) -> Callable[[str], bool]:
    """A predicate: the path matches one of `include` (all paths when empty) and no `exclude`."""
    inc = [glob_regex(p) for p in include]
    exc = [glob_regex(p) for p in exclude]

    def accept(path: str) -> bool:
        if inc and not any(r.match(path) for r in inc):
            return False
        return not any(r.match(path) for r in exc)

    return accept

"""Portable packs: every path in a pack is relative to the spec's folder, so the pack of a clone
at another path is the same pack. The absolute folder is recorded once, in results.json
(`spec.base`); reproduce lines run from the spec's folder (`cd repo && ...`)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from certify.engine.result import RunResult


def base_of(r: RunResult) -> str:
    """The spec's folder, absolute: recorded by an earlier pack (merge), or the spec's own."""
    return r.base_dir or str(Path(r.spec_path).resolve().parent)


def portable(r: RunResult) -> RunResult:
    """A copy of `r` whose strings name paths under the spec's folder relative to it (the folder
    itself is `.`), with that folder in `base_dir`."""
    base = base_of(r).rstrip("/")
    if not base:
        return dataclasses.replace(r, base_dir="/")
    # the folder, then a path inside it ("/x/y/z" -> "y/z") or the folder alone ("/x/y" -> ".")
    pattern = re.compile(re.escape(base) + r"(?:/(?=[^\s/])|(?![\w.-]))")
    spec_path = Path(r.spec_path)
    out: RunResult = _deep(r, lambda s: pattern.sub(lambda m: "" if m.group(0).endswith("/") else ".", s))
    if spec_path.is_absolute() or r.spec_path.startswith(".."):
        out = dataclasses.replace(out, spec_path=_rel(spec_path.resolve(), Path(base)))
    return dataclasses.replace(out, base_dir=base)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _deep(obj: Any, fix: Any) -> Any:
    if isinstance(obj, str):
        return fix(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = [f.name for f in dataclasses.fields(obj) if f.init and f.name != "base_dir"]
        return dataclasses.replace(obj, **{name: _deep(getattr(obj, name), fix) for name in fields})
    if isinstance(obj, dict):
        return {_deep(k, fix): _deep(v, fix) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_deep(v, fix) for v in obj)
    return obj

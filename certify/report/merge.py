"""`certify merge PACK...`: join the packs of a sharded run (`--shard K/N`) into one pack.

A merge trusts nothing it cannot re-check: every shard pack must still match its manifest,
all shards must come from the same spec (sha256), commit, filters and shard count, each
shard at most once, and every shard that owes hypotheses must be there. The merged pack is
rendered from the shards' results.json (already redacted when they were written) and their
attachment files, with the verdicts and gate computed again by the same rules as a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from certify.engine import verdicts
from certify.engine.result import Baseline, HypothesisResult, RunResult
from certify.report import json_report
from certify.report.verify import NotAPack, verify
from certify.spec.select import shard as deal


class MergeError(Exception):
    """A set of packs that cannot be merged; the message says which pack and why."""


def _read(pack: Path) -> dict[str, Any]:
    try:
        check = verify(pack)
    except NotAPack as exc:
        raise MergeError(str(exc)) from None
    if not check.intact:
        bad = ", ".join(check.changed + check.missing + check.added)
        raise MergeError(f"{pack}: the pack no longer matches its manifest ({bad}); "
                         f"run `certify verify {pack}`")
    try:
        data: dict[str, Any] = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MergeError(f"{pack}/results.json: not readable as JSON ({exc})") from None
    if not data.get("shard"):
        raise MergeError(f"{pack}: not a shard's pack (written by `certify run --shard K/N`)")
    return data


def _same(packs: list[tuple[Path, dict[str, Any]]], what: str, get: Any) -> Any:
    first_path, first = packs[0]
    for path, data in packs[1:]:
        if get(data) != get(first):
            raise MergeError(f"{path}: {what} differs from {first_path} "
                             f"({get(data)!r} vs {get(first)!r}); shards must come from one run")
    return get(first)


def _joined(values: list[str]) -> str:
    return ", ".join(dict.fromkeys(v for v in values if v))


def merge(pack_dirs: list[Path]) -> RunResult:
    """The run the shards make together; raises MergeError when they do not make one."""
    packs = [(p, _read(p)) for p in pack_dirs]
    _same(packs, "the spec (sha256)", lambda d: d["spec"]["sha256"])
    _same(packs, "the commit", lambda d: d["baseline"]["commit"])
    _same(packs, "the filters", lambda d: {k: v for k, v in d["selection"].items() if k != "shard"})
    _same(packs, "--allow-unknown", lambda d: d["gate"]["allow_unknown"])
    of = _same(packs, "the shard count", lambda d: d["shard"]["of"])
    everyone: list[str] = _same(packs, "the hypotheses sharded", lambda d: d["shard"]["hypotheses"])
    by_index: dict[int, tuple[Path, dict[str, Any]]] = {}
    for path, data in packs:
        k = data["shard"]["index"]
        if k in by_index:
            raise MergeError(f"{path}: shard {k}/{of} is also {by_index[k][0]}; give each shard once")
        by_index[k] = (path, data)
    for k in range(1, of + 1):
        owed = deal(everyone, k, of)
        if k not in by_index and owed:
            raise MergeError(f"shard {k}/{of} is missing (it certifies {', '.join(owed)}); "
                             "a merge without it would prove less than the spec claims")
    results: dict[str, HypothesisResult] = {}
    attachments: dict[str, str] = {}
    for k, (path, data) in sorted(by_index.items()):
        try:
            for raw in data["hypotheses"]:
                results[raw["id"]] = json_report.hypothesis_from_dict(raw, path)
            for rel in data.get("attachments", []):
                name = f"shard-{k}-{rel.rsplit('/', 1)[-1]}"
                attachments[name] = json_report.read_attachment(path, rel)
        except ValueError as exc:
            raise MergeError(str(exc)) from None
        except OSError as exc:
            raise MergeError(f"{path}: an attachment its results.json names cannot be read ({exc})") from None
    missing = [i for i in everyone if i not in results]
    if missing:
        raise MergeError(f"the shards do not hold {', '.join(missing)}; they are not one sharded run")
    hypotheses = [results[i] for i in everyone]
    shards = [data for _, (_, data) in sorted(by_index.items())]
    first = shards[0]
    base = [d["baseline"] for d in shards]
    interrupted = any(d.get("interrupted") for d in shards)
    environment: dict[str, str] = {}
    for d in shards:
        for key, value in d.get("environment", {}).items():
            environment[key] = _joined([environment.get(key, ""), value])
    selection = {k: v for k, v in first["selection"].items() if k != "shard"}
    selection["merged"] = f"{len(shards)} of {of} shards"
    return RunResult(
        phase=first["phase"], description=first.get("description"), spec_path=first["spec"]["path"],
        spec_sha256=first["spec"]["sha256"], spec_files=first["spec"].get("files", []),
        tool_version=_joined([d["tool"]["version"] for d in shards]),
        baseline=Baseline(
            commit=first["baseline"]["commit"], branch=_joined([b["branch"] for b in base]),
            dirty=any(b["dirty"] for b in base), started=min(b["started"] for b in base),
            finished=max(b["finished"] for b in base), repo=_joined([b["repo"] for b in base]),
            who=_joined([b["who"] for b in base]), where=_joined([b["where"] for b in base])),
        environment=environment,
        gate=verdicts.gate(hypotheses, first["gate"]["allow_unknown"], interrupted),
        hypotheses=hypotheses, selection=selection, groups=first.get("groups", {}),
        interrupted=interrupted, attachments=attachments, base_dir=first["spec"].get("base", ""))


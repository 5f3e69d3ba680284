"""`certify reproduce PACK ID`: what a pack recorded for one hypothesis, and the recorded verdict
and evidence beside a new run's (the run itself is the engine's; this module only reads the pack
and renders the comparison)."""

from __future__ import annotations

import dataclasses
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certify.engine.result import HypothesisResult, RunResult


class ReproduceError(Exception):
    """The pack cannot be reproduced from; one line saying why."""


@dataclass(frozen=True)
class Recorded:
    spec: Path  # where the pack says its spec was
    spec_sha256: str
    hypothesis: dict[str, Any]  # its entry in results.json


def recorded(pack: Path, hypothesis_id: str) -> Recorded:
    """The spec and the hypothesis an intact pack recorded."""
    from certify.report.verify import NotAPack, verify

    try:
        checked = verify(pack)
    except NotAPack as exc:
        raise ReproduceError(str(exc)) from None
    if not checked.intact:
        raise ReproduceError(f"{pack}: not intact (`certify verify {pack}` says what changed); an altered "
                             "pack's spec and verdicts cannot be trusted")
    try:
        data = json.loads((pack / "results.json").read_text(encoding="utf-8"))
        spec = data["spec"]
        hyps = {h["id"]: h for h in data["hypotheses"]}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ReproduceError(f"{pack}/results.json: does not say what ran ({exc})") from None
    if hypothesis_id not in hyps:
        raise ReproduceError(f"{pack}: no hypothesis {hypothesis_id} in this pack "
                             f"(it has: {', '.join(hyps)})")
    base = Path(spec.get("base") or ".")
    return Recorded(base / spec["path"], spec["sha256"], hyps[hypothesis_id])


def side_by_side(old: dict[str, Any], new: HypothesisResult) -> str:
    """The recorded and the new verdict, then each check's status, result and findings, then and now."""
    same = old["verdict"] == new.verdict
    lines = [f"{new.id}: {new.claim}",
             f"  was {old['verdict']}, now {new.verdict}: "
             + ("same verdict" if same else "THE VERDICT CHANGED"),
             f"  then: {old['reason']}", f"  now:  {new.reason}"]
    before = {c["index"]: c for c in old.get("checks", [])}
    for c in new.checks:
        o = before.get(c.index)
        lines += ["", f"  check {c.index}: {c.name} ({c.kind})"]
        if o is not None:
            lines.append(f"    then: {o['status'].upper()} — {o['reason']}")
            lines += [f"          {f['where']}: {f['what']}" for f in o.get("findings", [])[:10]]
        else:
            lines.append("    then: (not in the pack: the spec has a new check)")
        lines.append(f"    now:  {c.status.upper()} — {c.reason}")
        lines += [f"          {f.where}: {f.what}" for f in c.findings[:10]]
        if c.reproduce:
            lines.append(f"    reproduce: {c.reproduce}")
    return "\n".join(lines) + "\n"


_THROWAWAY_DB = ("certify-pg-", "ephemeral database")
REPRODUCE = "certify reproduce "


def point_to_reproduce(r: RunResult, pack: str) -> RunResult:
    """A check that reached a throwaway target (a database certify built and removed, a service it
    started and stopped) has a reproduce line naming something gone: its line becomes the
    `certify reproduce` that brings the target back, followed by what the check ran."""
    started = {key.removeprefix("http ") for key, value in r.environment.items()
               if key.startswith("http ") and "started by certify" in value}
    hypotheses = []
    for h in r.hypotheses:
        checks = []
        for c in h.checks:
            database = any(m in c.reproduce for m in _THROWAWAY_DB)
            if c.reproduce and (database or (c.target is not None and c.target in started)):
                what = "database" if database else "service"
                ran = c.reproduce
                if ran.startswith(REPRODUCE):  # a shard's pack, merged: this pack is the one to name
                    ran = ran.partition("\n")[2]
                c = dataclasses.replace(c, reproduce=(
                    f"{REPRODUCE}{shlex.quote(pack)} {h.id}  # brings the throwaway {what} back "
                    f"and re-runs the check; what it ran against the one now gone:\n{ran}"))
            checks.append(c)
        hypotheses.append(dataclasses.replace(h, checks=checks))
    return dataclasses.replace(r, hypotheses=hypotheses)

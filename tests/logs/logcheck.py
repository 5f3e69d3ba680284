"""Run one log_proof check through the CLI against a source written into a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import certify, write


def run_check(tmp_path: Path, check: dict[str, Any], source: dict[str, Any] | None = None,
              files: dict[str, str] | None = None) -> dict[str, Any]:
    """The hypothesis of one log_proof `check` over `source` (default: files logs/*), with
    `files` (name -> text) written under tmp_path first."""
    for name, text in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    logs = {"src": source or {"files": ["logs/*"]}}
    spec = {"certify": 1, "phase": "log proof", "targets": {"logs": logs}, "hypotheses": [
        {"id": "L", "claim": "c", "check": {"kind": "log_proof", "source": "src", **check}}]}
    write(tmp_path / "checks.yaml", yaml.safe_dump(spec, sort_keys=False))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code in (0, 1, 3), res.stderr
    hyp: dict[str, Any] = res.results["hypotheses"][0]
    assert "\n" not in hyp["reason"]
    return hyp


def jsonl(entries: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(e) + "\n" for e in entries)


def request(ts: Any, status: int, url: str = "https://a.run.app/x", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"insertId": f"id-{status}-{ts}", "logName": "projects/p/logs/requests",
                             "httpRequest": {"status": status, "requestUrl": url, "requestMethod": "POST"},
                             **extra}
    if ts is not None:
        entry["timestamp"] = ts
    return entry

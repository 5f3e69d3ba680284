"""Operations of an OpenAPI 3 (or Swagger 2) document, YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from certify.targets.routes.model import METHODS, Route


def contract_routes(path: Path, rel: str, prefix: str = "") -> list[Route]:
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise ValueError(f"{rel}: no `paths` mapping: not an OpenAPI document")
    base = prefix + str(data.get("basePath", "") or "")
    out = []
    for p, ops in data["paths"].items():
        if not isinstance(ops, dict):
            continue
        for method in ops:
            if str(method).lower() in (*METHODS, "trace"):
                out.append(Route(str(method).upper(), base + str(p), f"{rel} paths.{p}.{method}"))
    return out

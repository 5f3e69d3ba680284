"""Operations of an OpenAPI 3 (or Swagger 2) document, YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from certify.targets.routes.model import METHODS, Route


def _load(path: Path) -> Any:
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _pointer(doc: Any, fragment: str, ref: str) -> Any:
    node = doc
    for part in [p for p in fragment.lstrip("/").split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"$ref {ref} points at nothing")
        node = node[part]
    return node


def _path_item(doc: Any, item: Any, base: Path, root: Path, seen: frozenset[str] = frozenset()) -> Any:
    """A path item, its `$ref` followed (in the document, or in a file beside it)."""
    if not isinstance(item, dict) or "$ref" not in item:
        return item
    ref = str(item["$ref"])
    if ref in seen:
        raise ValueError(f"$ref {ref} refers to itself")
    file, _, fragment = ref.partition("#")
    target_doc, target_base = doc, base
    if file:
        target = (base / file).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"$ref {ref} leaves the repository")
        if not target.is_file():
            raise ValueError(f"$ref {ref}: {file} is not there")
        try:
            target_doc, target_base = _load(target), target.parent
        except (ValueError, yaml.YAMLError, UnicodeDecodeError):  # its text is not repeated
            raise ValueError(f"$ref {ref}: {file} is not YAML/JSON") from None
    return _path_item(target_doc, _pointer(target_doc, fragment, ref), target_base, root, seen | {ref})


def contract_routes(path: Path, rel: str, prefix: str = "") -> list[Route]:
    data = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise ValueError(f"{rel}: no `paths` mapping: not an OpenAPI document")
    base = prefix + str(data.get("basePath", "") or "")
    root = path.resolve().parents[len(Path(rel).parts) - 1]  # the repository `rel` is relative to
    out = []
    for p, item in data["paths"].items():
        try:
            ops = _path_item(data, item, path.parent, root)
        except ValueError as exc:
            raise ValueError(f"{rel} paths.{p}: {exc}") from None
        if not isinstance(ops, dict):
            continue
        for method in ops:
            if str(method).lower() in (*METHODS, "trace"):
                out.append(Route(str(method).upper(), base + str(p), f"{rel} paths.{p}.{method}"))
    return out

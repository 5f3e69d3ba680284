"""Acceptance: route trees and OpenAPI contracts written by someone else (fixtures/routes, with
its ground truth in ROUTES.md and expected.json). Every undocumented and unimplemented route is
found, and nothing else; every route in code is extracted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, certify, write

TREES = FIXTURES / "routes"
TRUTH = json.loads((TREES / "expected.json").read_text())


def shape(where: str) -> list[str]:
    """'GET /a/{id}/:x/<int:y>' -> ['GET', '/a/{}/{}/{}'], as the ground truth writes routes."""
    method, _, path = where.partition(" ")
    path = re.sub(r"\{[^}]*\}|:\w+|<[^>]*>", "{}", path)
    return [method, path.rstrip("/") or "/"]


@pytest.mark.parametrize("tree", sorted(TRUTH))
def test_routes_match_the_ground_truth(tmp_path: Path, tree: str) -> None:
    truth = TRUTH[tree]
    spec = {"certify": 1, "phase": f"routes {tree}", "targets": {"repo": {"path": str(TREES)}},
            "hypotheses": [
                {"id": "CONTRACT", "claim": "code and contract agree",
                 "check": {"kind": "routes", "code": {"paths": [tree]}, "contract": [f"contracts/{tree}/*"]}},
                {"id": "EXTRACTED", "claim": "every route in code is found",
                 "check": {"kind": "routes", "code": {"paths": [tree]},
                           "routes": [f"{m} {p.replace('{}', '{x}')}" for m, p in truth["code"]]}}]}
    write(tmp_path / "checks.yaml", yaml.safe_dump(spec, sort_keys=False))
    res = certify("run", "-q", cwd=tmp_path)
    hyps = {h["id"]: h for h in res.results["hypotheses"]}
    assert hyps["EXTRACTED"]["verdict"] == "TRUE", hyps["EXTRACTED"]["reason"]
    check = hyps["CONTRACT"]["checks"][0]
    assert check["values"]["implemented"] == len(truth["code"])  # nothing extra (tests, comments, clients)
    assert check["values"]["framework"] == tree
    found: dict[str, list[list[str]]] = {"undocumented": [], "unimplemented": []}
    for f in check["findings"]:
        side = "undocumented" if "not in the contract" in f["what"] else "unimplemented"
        found[side].append(shape(f["where"]))
    assert sorted(found["undocumented"]) == truth["undocumented"]
    assert sorted(found["unimplemented"]) == truth["unimplemented"]
    assert hyps["CONTRACT"]["verdict"] == "FALSE"

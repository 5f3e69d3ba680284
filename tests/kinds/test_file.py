from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import certify, spec_text, write


def run_spec(tmp_path: Path, hypotheses: str) -> dict:
    write(tmp_path / "checks.yaml", spec_text(hypotheses, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    return {h["id"]: h for h in res.results["hypotheses"]}


def test_references_list_every_missing_path(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "docker-compose.yml", """
        services:
          api: {build: {dockerfile: docker/api.Dockerfile}}
          worker: {build: {dockerfile: docker/worker.Dockerfile}}
          beat:
            build:
              dockerfile: docker/beat.Dockerfile
    """)
    write(root / "docker" / "api.Dockerfile", "FROM scratch\n")
    hyps = run_spec(tmp_path, r"""
        - id: H-B1
          claim: Dockerfiles exist
          check:
            kind: file
            references: {in: 'docker-compose*.yml', pattern: 'dockerfile:\s*(?P<path>[^\s}]+)'}
        - id: NO-SOURCE
          claim: the compose file exists to be checked
          check:
            kind: file
            references: {in: 'compose.prod.yml', pattern: 'dockerfile:\s*(?P<path>\S+)'}
    """)
    check = hyps["H-B1"]["checks"][0]
    assert hyps["H-B1"]["verdict"] == "FALSE"
    assert [(f["where"], f["what"]) for f in check["findings"]] == [
        ("docker-compose.yml:3", "references docker/worker.Dockerfile, which does not exist"),
        ("docker-compose.yml:6", "references docker/beat.Dockerfile, which does not exist"),
    ]
    assert check["values"]["references"] == 3
    assert hyps["NO-SOURCE"]["verdict"] == "UNKNOWN"  # no source: nothing could be checked


def test_exists_contains_and_hash(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "docs" / "INDEX.md", "# Ledger\nB0.5.6 closure\n")
    write(root / "docs" / "a.md", "password = hunter2\n")
    digest = hashlib.sha256((root / "docs" / "INDEX.md").read_bytes()).hexdigest()
    hyps = run_spec(tmp_path, f"""
        - id: EXISTS
          claim: c
          check: {{kind: file, path: docs/INDEX.md, contains: ['B0\\.5\\.6']}}
        - id: GONE
          claim: no .env committed
          check: {{kind: file, path: '**/.env', exists: false}}
        - id: PRESENT-BUT-MUST-NOT
          claim: no markdown
          check: {{kind: file, path: 'docs/*.md', exists: false}}
        - id: NOT-CONTAINS
          claim: no passwords in docs
          check: {{kind: file, path: 'docs/**/*.md', not_contains: ['password\\s*=']}}
        - id: HASH
          claim: the ledger is the one reviewed
          check: {{kind: file, path: docs/INDEX.md, sha256: {digest}}}
        - id: HASH-WRONG
          claim: c
          check: {{kind: file, path: docs/INDEX.md, sha256: {"0" * 64}}}
        - id: MISSING
          claim: c
          check: {{kind: file, path: docs/NOPE.md}}
    """)
    assert {k: v["verdict"] for k, v in hyps.items()} == {
        "EXISTS": "TRUE", "GONE": "TRUE", "PRESENT-BUT-MUST-NOT": "FALSE",
        "NOT-CONTAINS": "FALSE", "HASH": "TRUE", "HASH-WRONG": "FALSE", "MISSING": "FALSE"}
    (finding,) = hyps["NOT-CONTAINS"]["checks"][0]["findings"]
    assert finding["where"] == "docs/a.md:1"

"""`certify run --shard K/N` and `certify merge`: N CI jobs make the pack one run would make."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import certify, git, spec_text, write

HYPOTHESES = """
- {id: H-1, group: A, claim: readme exists, check: {kind: file, path: README.md, exists: true}}
- {id: H-2, group: A, claim: no TODO, check: {kind: grep, pattern: TODO, expect: none}}
- {id: H-3, group: B, claim: tests pass, check: {kind: command, run: "seq 1 3000", expect: {exit: 0}}}
- {id: H-4, group: B, claim: a missing file, check: {kind: file, path: MISSING.md, exists: true}}
- {id: H-5, group: B, claim: unknown, check: {kind: command, run: no-such-tool-xyz}}
- {id: H-6, group: A, claim: on main, gate: false, check: {kind: git}}
- {id: H-7, group: A, claim: app exists, check: {kind: file, path: app.py, contains: "def main"}}
"""
IDS = [f"H-{i}" for i in range(1, 8)]


@pytest.fixture
def repo(git_repo: Path) -> Path:
    write(git_repo / "app.py", "def main():\n    # TODO: remove\n    return 1\n")
    write(git_repo / "checks.yaml", spec_text(HYPOTHESES, header="groups: {A: Anchors, B: Build}\n"))
    (git_repo / ".gitignore").write_text("reports/\nshards/\nmerged/\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "spec")
    return git_repo


def _shards(repo: Path, n: int) -> list[Path]:
    packs = []
    for k in range(1, n + 1):
        res = certify("run", "--shard", f"{k}/{n}", "-q", "-o", "shards", cwd=repo)
        assert res.exit_code in (0, 1, 3), res.stderr
        packs.append(res.pack)
    return packs


def _comparable(results: dict[str, Any]) -> list[dict[str, Any]]:
    hyps = json.loads(re.sub(r"\d+\.\d+s\b", "<T>", json.dumps(results["hypotheses"])))
    for h in hyps:
        for c in h["checks"]:
            c["seconds"] = 0
            c["values"].pop("seconds", None)
    return list(hyps)


def test_shards_split_deterministically_and_merge_into_the_unsharded_pack(repo: Path) -> None:
    whole = certify("run", "-q", cwd=repo)
    assert whole.exit_code == 1
    packs = _shards(repo, 3)
    owned = [[h["id"] for h in json.loads((p / "results.json").read_text())["hypotheses"]] for p in packs]
    assert owned == [["H-1", "H-4", "H-7"], ["H-2", "H-5"], ["H-3", "H-6"]]
    assert sorted(sum(owned, [])) == sorted(IDS)

    merged = certify("merge", *map(str, packs), "-o", "merged", "--junit", "merged/junit.xml", cwd=repo)
    merged.out_dir = repo / "merged"
    assert merged.exit_code == whole.exit_code == 1
    assert merged.verdicts == whole.verdicts
    assert [h["id"] for h in merged.results["hypotheses"]] == IDS  # spec order, not shard order
    assert _comparable(merged.results) == _comparable(whole.results)
    assert merged.results["gate"] == whole.results["gate"]
    assert merged.results["selection"] == {"merged": "3 of 3 shards"}
    # The long command output is attached in the merged pack as in the shard's.
    attached = merged.results["hypotheses"][2]["checks"][0]["attachments"]
    assert attached and (merged.pack / attached[0]).read_text() == (whole.pack / attached[0]).read_text()

    def verdict_and_evidence(pack: Path) -> str:
        text = (pack / "EVIDENCE.md").read_text()
        return re.sub(r"\d+\.\d+s\b|seconds=`[\d.]+`", "<T>", text[text.index("## 3. Verdict"):])

    assert verdict_and_evidence(merged.pack) == verdict_and_evidence(whole.pack)
    assert certify("verify", str(merged.pack), cwd=repo).exit_code == 0
    assert (repo / "merged/junit.xml").read_bytes() == (merged.pack / "junit.xml").read_bytes()
    ledger = (repo / "merged/INDEX.md").read_text().splitlines()
    rows = [line for line in ledger if line.startswith("| 20")]
    assert len(rows) == 1 and "(merged: 3 of 3 shards)" in rows[0] and "| 4 | 2 | 1 | 0 |" in rows[0]
    shard_rows = [line for line in (repo / "shards/INDEX.md").read_text().splitlines() if "(shard " in line]
    assert len(shard_rows) == 3


def test_merge_refuses_what_is_not_one_whole_sharded_run(repo: Path) -> None:
    packs = _shards(repo, 3)

    def refused(*paths: Path) -> str:
        res = certify("merge", *map(str, paths), "-o", "merged", cwd=repo)
        assert res.exit_code == 2 and not (repo / "merged").exists(), res.stdout
        return res.stderr.strip()

    assert "shard 2/3 is missing (it certifies H-2, H-5)" in refused(packs[0], packs[2])
    assert "shard 1/3 is also" in refused(packs[0], packs[0], packs[1], packs[2])

    whole = certify("run", "-q", cwd=repo).pack
    assert "not a shard's pack" in refused(whole, *packs)

    other = _shards(repo, 2)[0]
    assert "the shard count differs" in refused(packs[0], packs[1], other)

    tampered = repo / "shards" / "tampered"
    shutil.copytree(packs[1], tampered)
    results = tampered / "results.json"
    results.write_text(results.read_text().replace('"verdict": "FALSE"', '"verdict": "TRUE"'))
    message = refused(packs[0], tampered, packs[2])
    assert "no longer matches its manifest (results.json)" in message and "certify verify" in message

    write(repo / "checks.yaml", (repo / "checks.yaml").read_text().replace("readme exists", "readme!"))
    changed = certify("run", "--shard", "2/3", "-q", "-o", "shards", cwd=repo).pack
    assert "the spec (sha256) differs" in refused(packs[0], changed, packs[2])


def test_an_empty_shard_has_nothing_to_certify_and_merge_does_not_need_it(repo: Path) -> None:
    res = certify("run", "--only", "H-1", "--only", "H-2", "--shard", "3/3", cwd=repo)
    assert res.exit_code == 0 and "no hypothesis falls in this shard (2 over 3 shards)" in res.stdout
    assert not (repo / "reports").exists()
    packs = [certify("run", "--only", "H-1", "--only", "H-2", "--shard", f"{k}/3", "-q", cwd=repo).pack
             for k in (1, 2)]
    merged = certify("merge", *map(str, packs), "-o", "merged", cwd=repo)
    merged.out_dir = repo / "merged"
    assert merged.verdicts == {"H-1": "TRUE", "H-2": "FALSE"}
    assert merged.results["selection"] == {"only": ["H-1", "H-2"], "merged": "2 of 3 shards"}


@pytest.mark.parametrize("value", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(repo: Path, value: str) -> None:
    res = certify("run", "--shard", value, cwd=repo)
    assert res.exit_code == 2 and "expected K/N with 1 <= K <= N" in res.stderr

"""Golden packs: a pack's EVIDENCE.md and results.json with the volatile parts normalised,
compared with a committed copy, so any change to what a user sees is a reviewed change
(regenerate with CERTIFY_UPDATE_GOLDEN=1 and read the diff)."""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


def normalise_text(text: str, work: Path) -> str:
    text = text.replace(str(work), "<WORK>")
    text = re.sub(r"host=\S*certify-pg-\w+ port=\d+", "host=<EPHEMERAL>", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>", text)
    text = re.sub(r"\b[0-9a-f]{40}\b", "<COMMIT>", text)
    text = re.sub(r"\b\d{8}T\d{6}Z-[0-9a-f]{7}\b", "<PACK>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "<TIME>", text)
    text = re.sub(r"\b\d+\.\d+s\b", "<SECS>s", text)
    text = re.sub(r"seconds=`[\d.]+`", "seconds=`<SECS>`", text)
    text = re.sub(r"\b\d+ ms\b", "<MS> ms", text)
    text = re.sub(r"ms=`[\d.]+`", "ms=`<MS>`", text)
    text = re.sub(r"`[0-9a-f]{7,12}`", "<COMMIT>", text)
    text = re.sub(r"HEAD [0-9a-f]{7}\b", "HEAD <COMMIT>", text)
    text = re.sub(r"Ran (\d+) tests? in [\d.]+s", r"Ran \1 tests in <SECS>s", text)
    text = re.sub(r"certify \d+\.\d+\.\d+", "certify <VERSION>", text)
    # Tool versions and npm's complaints about this machine's ~/.npmrc (the phase3 example).
    text = re.sub(r"^v?\d+\.\d+\.\d+$", "<VERSION>", text, flags=re.M)
    text = re.sub(r"^npm warn .*\n?", "", text, flags=re.M)
    # ...and the stderr header they leave behind: whether npm warns depends on the machine.
    text = re.sub(r"\n--- stderr \(last lines\)(?=\n```|\n?$)", "", text)
    return text


def normalise_markdown(text: str, work: Path) -> str:
    text = normalise_text(text, work)
    # Sections 1 and 2 describe the machine and the moment; keep their shape, not their values.
    text = re.sub(r"^\| (Run by|Spec sha256) \|.*$", r"| \1 | <VOLATILE> |", text, flags=re.M)
    start, end = text.index("## 2. Environment facts"), text.index("## 3. Verdict")
    return text[:start] + "## 2. Environment facts\n\n<VOLATILE>\n\n" + text[end:]


def normalise_json(data: Any, work: Path) -> Any:
    volatile = {"seconds", "started", "finished", "environment", "sha256", "commit", "ms", "version"}
    if isinstance(data, dict):
        if "who" in data:  # the baseline: who ran it where
            data = {**data, "who": "<VOLATILE>", "where": "<VOLATILE>"}
        return {k: ("<VOLATILE>" if k in volatile else normalise_json(v, work)) for k, v in data.items()}
    if isinstance(data, list):
        return [normalise_json(v, work) for v in data]
    if isinstance(data, str):
        return normalise_text(data, work)
    return data


def assert_matches_golden(pack: Path, name: str, golden_name: str, work: Path) -> None:
    """Compare the pack's `name` (EVIDENCE.md or results.json), normalised, with GOLDEN/golden_name."""
    raw = (pack / name).read_text()
    if name.endswith(".json"):
        got = json.dumps(normalise_json(json.loads(raw), work), indent=2, ensure_ascii=False) + "\n"
    else:
        got = normalise_markdown(raw, work)
    golden = GOLDEN / golden_name
    if os.environ.get("CERTIFY_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got)
    assert golden.exists(), f"no golden file {golden}; run with CERTIFY_UPDATE_GOLDEN=1"
    want = golden.read_text()
    if got != want:
        lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "got")
        diff = "".join(list(lines)[:60])
        raise AssertionError(f"{name} differs from {golden}; review, then update:\n{diff}")

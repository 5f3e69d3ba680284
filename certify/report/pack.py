"""Write an evidence pack: a new folder, complete or not at all, plus a ledger row.

The pack is assembled in a hidden temporary folder beside its final place and renamed
into place in one step, so a crash leaves no half pack; an existing pack is never
overwritten (a clash of names gets a suffix). The ledger (INDEX.md) is appended to
under a lock, so concurrent runs into one reports folder both land.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from certify.engine.result import RunResult
from certify.redact import Redactor
from certify.report import json_report, junit_report, markdown
from certify.report.naming import attachment_path, run_attachment_path, slug

MANIFEST = "MANIFEST.sha256"
LEDGER = "INDEX.md"
LEDGER_HEADER = (
    "# Evidence ledger\n\n"
    "One row per `certify run`. Each pack can be re-checked with `certify verify <pack>`.\n\n"
    "| Finished (UTC) | Phase | Commit | Gate | TRUE | FALSE | UNKNOWN | WAIVED | Runtime proof | Pack |\n"
    "|---|---|---|---|---|---|---|---|---|---|\n"
)


def pack_files(result: RunResult, redactor: Redactor) -> dict[str, bytes]:
    """Every file of the pack but the manifest, redacted, by relative path."""
    r = redactor.deep(result)
    files: dict[str, str] = {}
    for h in r.hypotheses:
        for c in h.checks:
            for name, text in c.attachments.items():
                files[attachment_path(h, c, name)] = text
    for name, text in r.attachments.items():
        files[run_attachment_path(name)] = text
    files["EVIDENCE.md"] = markdown.render(r)
    files["junit.xml"] = junit_report.render(r)
    files["results.json"] = json_report.render(r)
    structured = ("results.json", "junit.xml")
    return {path: redactor.text(text, shapes=path not in structured).encode("utf-8")
            for path, text in files.items()}


def manifest(files: dict[str, bytes]) -> bytes:
    """`sha256sum` format, so `sha256sum -c MANIFEST.sha256` works too."""
    lines = [f"{hashlib.sha256(data).hexdigest()}  {path}" for path, data in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode()


def pack_name(result: RunResult) -> str:
    stamp = result.baseline.finished.replace("-", "").replace(":", "")
    commit = result.baseline.commit[:7] if result.baseline.commit else "nogit"
    dirty = "-dirty" if result.baseline.commit and result.baseline.dirty else ""
    return f"{stamp}-{commit}{dirty}"


def write_pack(result: RunResult, out_dir: Path, redactor: Redactor) -> Path:
    """Write the pack under out_dir/<phase-slug>/ and append its ledger row; return its folder."""
    files = pack_files(result, redactor)
    files[MANIFEST] = manifest(files)
    parent = out_dir / slug(result.phase)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=parent))
    try:
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)
        final = _claim(tmp, parent, pack_name(result))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    append_ledger(out_dir, result, final, redactor)
    return final


def _claim(tmp: Path, parent: Path, name: str) -> Path:
    """Rename tmp to parent/name, or name-2, name-3... never over an existing pack."""
    for n in range(1, 1000):
        candidate = parent / (name if n == 1 else f"{name}-{n}")
        if candidate.exists():
            continue
        try:
            os.rename(tmp, candidate)
        except OSError:
            continue  # taken meanwhile by a concurrent run
        return candidate
    raise RuntimeError(f"cannot find a free pack name under {parent}")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def append_ledger(out_dir: Path, result: RunResult, pack: Path, redactor: Redactor) -> None:
    g = result.gate
    commit = (result.baseline.commit[:12] or "-") + (" (dirty)" if result.baseline.dirty else "")
    rel = pack.relative_to(out_dir).as_posix()
    row = (f"| {result.baseline.finished} | {markdown.cell(result.label)} | `{commit}` | "
           f"{markdown.cell(g.summary)} | {g.counts['TRUE']} | {g.counts['FALSE']} | "
           f"{g.counts['UNKNOWN']} | {g.counts['WAIVED']} | "
           f"{'claimed' if g.runtime_proof_claimed else 'not claimed'} | "
           f"[{rel}]({rel}/EVIDENCE.md) |\n")
    ledger = out_dir / LEDGER
    with _locked(out_dir / ".INDEX.lock"):
        fresh = not ledger.exists() or ledger.stat().st_size == 0
        with ledger.open("a", encoding="utf-8") as fh:
            if fresh:
                fh.write(LEDGER_HEADER)
            fh.write(redactor.text(row))
            fh.flush()
            os.fsync(fh.fileno())

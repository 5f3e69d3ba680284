"""Write an evidence pack: a new folder, complete or not at all, plus a ledger row.

The pack is assembled in a hidden temporary folder beside its final place and renamed
into place in one step, so a crash leaves no half pack; an existing pack is never
overwritten (a clash of names gets a suffix). The ledger (INDEX.md) is appended to
under a lock, so concurrent runs into one reports folder both land. A row that could not
be written (a full disk after the pack was in place) is added from the pack's own
results.json by the next run into the same folder, or by `certify verify PACK`.

The ledger is a hash chain: each row records the sha256 of its pack's MANIFEST.sha256 and the
sha256 of the previous row's line (`-` for the first row), so a pack edited with its manifest
regenerated no longer matches its row, and an edited or deleted row breaks the chain
(certify/report/verify.py checks both).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from certify.engine.result import RunResult
from certify.names import LEDGER, LEDGER_LOCK, LEDGER_TITLE, MANIFEST, SIGNATURE
from certify.redact import Redactor
from certify.report import json_report, markdown
from certify.report.naming import slug

LEDGER_HEADER = (
    f"{LEDGER_TITLE}\n\n"
    "One row per `certify run`. Each pack can be re-checked with `certify verify <pack>`.\n\n"
    "| Finished (UTC) | Phase | Commit | Gate | TRUE | FALSE | UNKNOWN | WAIVED | Runtime proof "
    "| Manifest sha256 | Previous row sha256 | Pack |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)
FIRST_ROW = "-"  # the previous-row digest of the chain's first row
RESTORED = "(restored)"  # a row added after the fact by `certify verify` or a later run


def manifest(files: dict[str, bytes]) -> bytes:
    """`sha256sum` format, so `sha256sum -c MANIFEST.sha256` works too."""
    lines = [f"{hashlib.sha256(data).hexdigest()}  {path}" for path, data in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode()


def pack_name(result: RunResult) -> str:
    stamp = result.baseline.finished.replace("-", "").replace(":", "")
    commit = result.baseline.commit[:7] if result.baseline.commit else "nogit"
    dirty = "-dirty" if result.baseline.commit and result.baseline.dirty else ""
    return f"{stamp}-{commit}{dirty}"


def write_pack(r: RunResult, files: dict[str, bytes], out_dir: Path,
               sign: Callable[[dict[str, bytes]], bytes] | None = None) -> Path:
    """Write `files` and their manifest (and, with `sign`, the signature of them all: sign.py) as a
    new pack under out_dir/<phase-slug>/; return its folder.

    All or nothing: an OSError leaves no pack behind (and no ledger row: see add_ledger_rows)."""
    files = {**files, MANIFEST: manifest(files)}
    if sign is not None:
        files[SIGNATURE] = sign(files)
    parent = out_dir / slug(r.phase)
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
        return _claim(tmp, parent, pack_name(r))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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


def row_digest(line: str) -> str:
    """The digest the next ledger row records for this row (its line, without the newline)."""
    return hashlib.sha256(line.rstrip("\n").encode("utf-8")).hexdigest()


def manifest_digest(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def ledger_rows(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every row of a ledger's table, header and separator excluded."""
    return [(n, line) for n, line in enumerate(text.splitlines(), 1)
            if line.startswith("| ") and not line.startswith("| Finished (UTC) |")]


def row_cells(line: str) -> list[str]:
    """A row's cells: a chained row has 12, the digests before the pack's link."""
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


def _row(r: RunResult) -> str:
    """The row's cells up to its digests (they and the pack's link are added when it is chained)."""
    g = r.gate
    commit = (r.baseline.commit[:12] or "-") + (" (dirty)" if r.baseline.dirty else "")
    return (f"| {markdown.cell(r.baseline.finished)} | {markdown.cell(r.label)} | "
            f"{markdown.code(commit, True)} | {markdown.cell(g.summary)} | {g.counts['TRUE']} | "
            f"{g.counts['FALSE']} | {g.counts['UNKNOWN']} | {g.counts['WAIVED']} | "
            f"{'claimed' if g.runtime_proof_claimed else 'not claimed'} |")


def _link(rel: str) -> str:
    return f"[{rel}]({rel}/EVIDENCE.md)"


_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\1/EVIDENCE\.md\)")  # _link(rel), rel without brackets or line breaks


def _listed(ledger_text: str) -> Callable[[str], bool]:
    """Whether the ledger links a pack folder (relative to its reports folder): its links are read
    once, so that a reports folder of thousands of packs is not searched once per pack."""
    linked = set(_LINK.findall(ledger_text))
    return lambda rel: rel in linked if _LINK.fullmatch(_link(rel)) else _link(rel) in ledger_text


def _packs_without_row(out_dir: Path, ledger_text: str, skip: Path) -> list[tuple[Path, RunResult]]:
    """Intact packs under out_dir that the ledger does not list (a run whose ledger write failed),
    with what their results.json says, oldest first. A pack that is not intact gets no row."""
    from certify.report.verify import NotAPack, verify

    listed = _listed(ledger_text)
    found = []
    for manifest_file in out_dir.glob(f"*/*/{MANIFEST}"):
        folder = manifest_file.parent
        if folder.name.startswith(".") or folder == skip or listed(_rel(out_dir, folder)):
            continue
        try:
            if verify(folder).intact:
                found.append((folder, _header(folder)))
        except (NotAPack, OSError, ValueError):
            continue  # not a pack certify can vouch for: `certify verify` says why
    return sorted(found, key=lambda pr: pr[1].baseline.finished)


def _header(folder: Path) -> RunResult:
    """What a written pack's results.json says its run was (ValueError when it cannot say)."""
    try:
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        return json_report.run_header_from_dict(data)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{folder}/results.json does not say what its ledger row needs ({exc!r})") from None


def _rel(out_dir: Path, folder: Path) -> str:
    return folder.relative_to(out_dir).as_posix()


@contextlib.contextmanager
def ledger_lock(out_dir: Path) -> Iterator[None]:
    """The ledger's lock. A run holds it from putting its pack in place until its row is written,
    so no other run ever sees the pack without its row and "restores" one (OSError if out_dir
    cannot be made)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / LEDGER_LOCK).open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def add_ledger_rows(out_dir: Path, r: RunResult | None, folder: Path, redactor: Redactor) -> bool:
    """Append the row of the pack `folder` (r: its result, or None to read it from its
    results.json) to out_dir/INDEX.md, after the rows of any other pack the ledger misses; only
    rows not already there. The caller holds the ledger's lock (ledger_lock). True when a row was
    added. Raises OSError."""
    ledger = out_dir / LEDGER
    text = ledger.read_text(encoding="utf-8", errors="replace") if ledger.exists() else ""
    missing = _packs_without_row(out_dir, text, folder)
    existing = ledger_rows(text)
    link = _link(_rel(out_dir, folder))
    own_row = any(link in line and not line.rstrip(" |").endswith(RESTORED) for _, line in existing)
    if link not in text or (r is not None and not own_row):
        # its own run writes its row even when another run restored one meanwhile (a race)
        missing.append((folder, r or _header(folder)))
    if not missing:
        return False
    prev = row_digest(existing[-1][1]) if existing else FIRST_ROW
    rows = []
    for pack_folder, run in missing:
        # A row not written by the pack's own run is restored from the pack as it is now: it
        # says so, and vouches for nothing (certify/report/verify.py).
        restored = f" {RESTORED}" if r is None or pack_folder != folder else ""
        # the digests are hex: only the rest of the row goes through the redactor
        line = (f"{redactor.text(_row(run))} {manifest_digest(pack_folder)} | {prev} | "
                f"{redactor.text(_link(_rel(out_dir, pack_folder)))}{restored} |")
        rows.append(line + "\n")
        prev = row_digest(line)
    with ledger.open("a", encoding="utf-8") as fh:
        if not text.strip():
            fh.write(LEDGER_HEADER)
        elif not text.endswith("\n"):
            fh.write("\n")  # a row cut short by a failed write stays a line of its own
        fh.write("".join(rows))
        fh.flush()
        os.fsync(fh.fileno())
    return True


def restore_ledger_row(folder: Path) -> Path | None:
    """`certify verify`: give an intact pack its ledger row if the ledger misses it (and any other
    pack's it misses). The ledger is <out_dir>/INDEX.md, when out_dir has (or had) one; it is
    returned when rows were added. Raises OSError, and ValueError for a results.json that cannot
    say what the row needs."""
    folder = folder.resolve()
    out_dir = folder.parent.parent
    if not ((out_dir / LEDGER).is_file() or (out_dir / LEDGER_LOCK).exists()):
        return None
    with ledger_lock(out_dir):
        added = add_ledger_rows(out_dir, None, folder, Redactor())
    return out_dir / LEDGER if added else None

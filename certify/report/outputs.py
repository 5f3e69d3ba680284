"""Every output of a run, in one registry, and the one sequence that writes them.

Each output declares its renderer and its redaction. All are rendered from the result redacted
once (`Redactor.deep`); afterwards structured formats (JSON, XML, SARIF) get the value pass
only, since a shape pattern could cut through their escaping, and text (Markdown, attachments,
annotations, the step summary) gets values and shapes (certify/redact.py).

`certify run`, `certify merge` and `pytest --certify` all finish with deliver(): the pack
(atomic, see pack.py), its ledger row, the copies and CI outputs asked for. The pack itself is
all or nothing (PackNotWritten); anything after it that cannot be written is reported as a
problem naming what was written and what was not, and the pack is kept.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from certify.engine.result import RunResult
from certify.names import LEDGER
from certify.redact import Redactor
from certify.report import ci, json_report, junit_report, markdown, pack, sign
from certify.report.naming import attachment_path, run_attachment_path, slug
from certify.report.portable import portable
from certify.report.reproduce import point_to_reproduce

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True)
class Output:
    name: str
    render: Callable[[RunResult, Path], str]  # (the redacted result, the working directory) -> text
    structured: bool  # True: the value pass only; False: values and shapes

    def text(self, r: RunResult, cwd: Path, redactor: Redactor) -> str:
        return redactor.text(self.render(r, cwd), shapes=not self.structured)


EVIDENCE = Output("EVIDENCE.md", lambda r, cwd: markdown.render(r), structured=False)
JUNIT = Output("junit.xml", lambda r, cwd: junit_report.render(r), structured=True)
RESULTS = Output("results.json", lambda r, cwd: json_report.render(r), structured=True)
SARIF = Output("SARIF", lambda r, cwd: json.dumps(ci.sarif(r, cwd), indent=2, ensure_ascii=False) + "\n",
               structured=True)
STEP_SUMMARY = Output("the GitHub step summary", lambda r, cwd: ci.github_summary(r) + "\n", structured=False)
ANNOTATIONS = Output("GitHub annotations", lambda r, cwd: "\n".join(ci.github_annotations(r, cwd)),
                     structured=False)

PACK_FILES = (EVIDENCE, JUNIT, RESULTS)  # rendered into every pack, beside the attachments (text)
OUTPUTS = (*PACK_FILES, SARIF, STEP_SUMMARY, ANNOTATIONS)


def pack_files(r: RunResult, redactor: Redactor, cwd: Path) -> dict[str, bytes]:
    """Every file of the pack but the manifest, by relative path, from the result `deliver`
    redacted."""
    files: dict[str, str] = {}
    for h in r.hypotheses:
        for c in h.checks:
            for name, text in c.attachments.items():
                files[attachment_path(h, c, name)] = text
    for name, text in r.attachments.items():
        files[run_attachment_path(name)] = text
    # the attachments were redacted with the result, values and shapes (Redactor.deep): a second
    # pass over a findings file of 100,000 lines cost a third of a second and changed nothing
    out = {path: text.encode("utf-8") for path, text in files.items()}
    for output in PACK_FILES:
        out[output.name] = output.text(r, cwd, redactor).encode("utf-8")
    return out


@dataclass(frozen=True)
class Destinations:
    """Where a run's outputs go besides the pack (None: not asked for)."""

    out_dir: Path
    junit: Path | None = None  # a copy of the pack's junit.xml
    json: Path | None = None  # a copy of the pack's results.json
    sarif: Path | None = None
    annotations: bool = False  # GitHub Actions annotations (printed by the caller)
    step_summary: Path | None = None  # $GITHUB_STEP_SUMMARY, appended to
    sign_with: Ed25519PrivateKey | None = None  # `--sign KEY`: the pack gets its signature (sign.py)


@dataclass
class Delivery:
    result: RunResult  # redacted: safe to print
    pack: Path
    annotations: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be written, one line each

    @property
    def complete(self) -> bool:
        return not self.problems


class PackNotWritten(Exception):
    """The evidence pack could not be written; nothing of it is left on disk."""


def _why(exc: OSError, path: Path) -> str:
    """The error in a few words, naming the file it concerns when that is not `path` itself."""
    if not exc.strerror:
        return str(exc)
    other = exc.filename is not None and Path(os.fsdecode(exc.filename)) != path
    return f"{os.fsdecode(exc.filename)}: {exc.strerror}" if other else exc.strerror


def deliver(result: RunResult, redactor: Redactor, to: Destinations, cwd: Path | None = None) -> Delivery:
    """Redact the result once, write its pack and ledger row, then the copies and CI outputs."""
    cwd = cwd or Path.cwd()
    r = redactor.deep(result)
    in_pack = portable(r)  # paths relative to the spec's folder (CI outputs keep theirs, from cwd)
    # where the pack will be, from the spec's folder: the `certify reproduce` of throwaway targets
    folder_from_base = Path(os.path.relpath(to.out_dir.resolve() / slug(r.phase) / pack.pack_name(r),
                                            in_pack.base_dir)).as_posix()
    if folder_from_base.startswith("../"):  # outside the spec's folder: no machine path in the pack
        folder_from_base = "THIS_PACK"  # the folder the reader has the pack in
    in_pack = point_to_reproduce(in_pack, folder_from_base)
    files = pack_files(in_pack, redactor, cwd)
    key = to.sign_with
    # The pack goes into place and gets its row under the ledger's lock: another run never sees
    # it without its row (and so never "restores" one).
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(pack.ledger_lock(to.out_dir))
            folder = pack.write_pack(in_pack, files, to.out_dir,
                                     sign=(lambda files: sign.envelope(files, key)) if key else None)
        except OSError as exc:
            raise PackNotWritten(f"cannot write the evidence pack under {to.out_dir}: {exc}") from None
        done = Delivery(r, folder)
        written = f"the evidence pack {folder} was written"
        try:
            pack.add_ledger_rows(to.out_dir, in_pack, folder, redactor)
        except OSError as exc:
            ledger = to.out_dir / LEDGER
            done.problems.append(f"{written}; its ledger row could not be added to {ledger}: "
                                 f"{_why(exc, ledger)}; `certify verify {folder}` adds it")
    for wanted, output in ((to.junit, JUNIT), (to.json, RESULTS)):
        if wanted:
            _write(done, written, output.name, wanted, files[output.name])  # as in the pack
    if to.sarif:
        _write(done, written, SARIF.name, to.sarif, SARIF.text(r, cwd, redactor).encode("utf-8"))
    if to.annotations:
        done.annotations = ANNOTATIONS.text(r, cwd, redactor).splitlines()
    if to.step_summary:
        _write(done, written, STEP_SUMMARY.name, to.step_summary,
               STEP_SUMMARY.text(r, cwd, redactor).encode("utf-8"), append=True)
    return done


def _write(done: Delivery, written: str, what: str, path: Path, data: bytes, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab" if append else "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        done.problems.append(f"{written}; {what} could not be written to {path}: {_why(exc, path)}")

"""The command line: parse flags, call the stages, map results to exit codes.

Heavy modules are imported inside the commands that need them, so `certify --help`
stays fast.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from certify import __version__

if TYPE_CHECKING:
    from certify.engine.result import HypothesisResult, RunResult
    from certify.redact import Redactor
    from certify.spec.errors import SpecErrors
    from certify.spec.model import Spec

EXIT_USAGE = 2
EXIT_INCOMPLETE = 2  # the run finished but some of its evidence could not be written
EXIT_NOT_VOUCHED = 3  # `verify`: the files match the manifest, but no ledger row or signature vouches for it
DEFAULT_SPEC = "checks.yaml"


def _fail(message: str) -> NoReturn:
    click.echo(f"certify: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _load(spec_path: str) -> Spec:
    from certify.kinds.registry import REGISTRY
    from certify.spec.errors import SpecErrors
    from certify.spec.loader import load_spec

    try:
        return load_spec(Path(spec_path), REGISTRY)
    except SpecErrors as exc:
        _print_errors(exc)


def _print_errors(exc: SpecErrors) -> NoReturn:
    for err in exc.errors:  # one line each, and nothing else: editors and CI parse these
        click.echo(str(err), err=True)
    sys.exit(EXIT_USAGE)


def _shard_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """`--shard K/N` -> (K, N), 1 <= K <= N."""
    if value is None:
        return None
    k, sep, n = value.partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise click.BadParameter(f"expected K/N with 1 <= K <= N (e.g. 2/4), got {value!r}")


def _options(*options: Any) -> Callable[[Any], Any]:
    """One decorator applying several click options, in the order given."""
    def apply(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f
    return apply


_FILE = click.Path(dir_okay=False)
_outputs = _options(  # the outputs beside the pack, shared by `run` and `merge`
    click.option("--junit", "junit_path", type=_FILE, help="Also write JUnit XML here."),
    click.option("--json", "json_path", type=_FILE, help="Also write results.json here."),
    click.option("--github/--no-github", "github", default=None, help="GitHub Actions: annotations and "
                 "the step summary (default: when GITHUB_ACTIONS=true)."),
    click.option("--sarif", "sarif_path", type=_FILE, help="Also write SARIF 2.1.0 (findings with a "
                 "file and line) here, for code scanning."),
    click.option("--sign", "sign_key", type=_FILE, metavar="KEY", help="Sign the pack with this Ed25519 "
                 "private key (PEM): an in-toto statement in a DSSE envelope, SIGNATURE.dsse.json."),
)


SPEC_ARG = click.argument("spec", default=DEFAULT_SPEC, required=False,
                          type=click.Path(dir_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="certify")
def cli() -> None:
    """Prove claims about a running system and leave evidence an auditor can re-check.

    A spec (checks.yaml) lists hypotheses backed by checks against the repository, a
    database, HTTP services or logs. `certify run` gives each a verdict (TRUE, FALSE,
    UNKNOWN) and writes an evidence pack: Markdown, JUnit XML and JSON.
    """


@cli.command()
@SPEC_ARG
@click.option("-o", "--output", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False), help="Folder the evidence pack goes under.")
@click.option("--only", multiple=True, metavar="ID-GLOB", help="Hypotheses whose id matches.")
@click.option("--group", "groups", multiple=True, metavar="G", help="Hypotheses of this group.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="Hypotheses with this tag.")
@click.option("--proof", type=click.Choice(["local", "runtime"]), help="Only local or runtime proof.")
@click.option("--control", "controls", multiple=True, metavar="CONTROL-GLOB",
              help="Hypotheses that are evidence for a matching control (SOC2:CC6.1, 'ISO27001:*').")
@click.option("--shard", callback=_shard_option, metavar="K/N",
              help="Only shard K of N (a deterministic split for CI matrices); join with `certify merge`.")
@_outputs
@click.option("--allow-unknown", is_flag=True, help="UNKNOWN does not fail the gate (exit 0).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=64, show_default=True,
              help="Checks in flight at once. HTTP checks may use all of them; the others run at "
              "most 32 at once, commands one per CPU.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Every check's result on stderr.")
def run(spec: str, out_dir: str, only: tuple[str, ...], groups: tuple[str, ...],
        tags: tuple[str, ...], proof: str | None, controls: tuple[str, ...],
        shard: tuple[int, int] | None, junit_path: str | None, json_path: str | None,
        allow_unknown: bool, github: bool | None, sarif_path: str | None, sign_key: str | None,
        jobs: int, quiet: bool, verbose: bool) -> None:
    """Run the checks of SPEC (default ./checks.yaml) and write an evidence pack.

    Exit codes: 0 every gating hypothesis TRUE or waived; 1 some FALSE; 3 some UNKNOWN
    and none FALSE (0 with --allow-unknown); 2 bad usage or an invalid spec, or evidence that
    could not all be written (the pack, once written, is kept; the message says what is missing).
    """
    from certify.console import ProgressPrinter
    from certify.engine import facts
    from certify.engine import run as engine
    from certify.kinds.registry import REGISTRY
    from certify.spec.errors import SpecErrors
    from certify.spec.loader import require_vars
    from certify.spec.select import select
    from certify.spec.select import shard as deal
    from certify.targets import redactor_for

    loaded = _load(spec)
    facts.start()  # the tool versions are found out beside the checks
    key = _signing_key(sign_key)
    chosen = select(loaded, only, groups, tags, proof)
    if controls:
        import fnmatch

        chosen = [h for h in chosen
                  if any(fnmatch.fnmatchcase(c, pat) for c in h.controls for pat in controls)]
    if not chosen:
        _fail(f"{spec}: no hypothesis matches the filters; nothing to certify")
    sharding: dict[str, Any] | None = None
    if shard:
        sharding = {"index": shard[0], "of": shard[1], "hypotheses": [h.id for h in chosen]}
        chosen = deal(chosen, *shard)
        if not chosen:
            click.echo(f"shard {shard[0]}/{shard[1]}: no hypothesis falls in this shard "
                       f"({len(sharding['hypotheses'])} over {shard[1]} shards); nothing to certify")
            sys.exit(0)
    try:
        require_vars(loaded, chosen, REGISTRY)
    except SpecErrors as exc:
        _print_errors(exc)
    selection = {k: list(v) if isinstance(v, tuple) else v for k, v in
                 {"only": only, "group": groups, "tag": tags, "proof": proof, "control": controls,
                  "shard": shard and f"{shard[0]}/{shard[1]}"}.items() if v}
    redactor = redactor_for(loaded)
    _terminate_like_interrupt()
    printer = ProgressPrinter(redactor, sum(len(h.checks) for h in chosen),
                              verbosity=0 if quiet else (2 if verbose else 1))
    preparing = threading.Thread(target=_prepare_outputs, daemon=True, name="report-prepare")
    preparing.start()
    result = engine.run(loaded, chosen, jobs=jobs, allow_unknown=allow_unknown, progress=printer,
                        selection=selection)
    result.shard = sharding
    printer.finish()
    preparing.join()  # this run's pack is written with what it prepared
    _finish_run(result, out_dir, redactor, junit_path, json_path, github, sarif_path, key)


def _prepare_outputs() -> None:
    """Import what writes the pack and load EVIDENCE.md's template while the checks run (the main
    thread only waits for them meanwhile): 0.05 s less between the last check and the verdict. A
    failure here is not kept: writing the pack meets it again and says so."""
    with contextlib.suppress(Exception):
        from certify.report import markdown, outputs  # noqa: F401 - imported for their cost

        markdown.prepare()


def _signing_key(path: str | None) -> Any:
    """The Ed25519 private key of `--sign KEY`, read before anything runs (None without --sign)."""
    if path is None:
        return None
    from certify.report.sign import SigningKeyError, private_key

    try:
        return private_key(Path(path))
    except SigningKeyError as exc:
        _fail(str(exc))


def _finish_run(result: RunResult, out_dir: str, redactor: Redactor, junit_path: str | None,
                json_path: str | None, github: bool | None, sarif_path: str | None,
                key: Any = None) -> NoReturn:
    """Deliver the outputs (report/outputs.py), print the verdict, exit with the gate's code, or 2
    when some evidence could not be written (the message says what was and what was not)."""
    import os

    from certify.console import summary
    from certify.report.outputs import Destinations, PackNotWritten, deliver

    on_github = github if github is not None else os.environ.get("GITHUB_ACTIONS") == "true"
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY") if on_github else None
    to = Destinations(Path(out_dir), junit=_path(junit_path), json=_path(json_path), sarif=_path(sarif_path),
                      annotations=on_github, step_summary=_path(step_summary), sign_with=key)
    try:
        done = deliver(result, redactor, to)
    except PackNotWritten as exc:
        _fail(str(exc))
    click.echo(summary(done.result, redactor, sys.stdout))
    click.echo(f"Evidence: {done.pack / 'EVIDENCE.md'}")
    click.echo(f"Evidence pack: {done.pack}")
    for line in done.annotations:
        click.echo(line)
    for problem in done.problems:
        click.echo(f"certify: {problem}", err=True)
    sys.exit(result.gate.exit_code if done.complete else EXIT_INCOMPLETE)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


@cli.command()
@click.argument("packs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False), help="Folder the merged pack goes under.")
@_outputs
def merge(packs: tuple[str, ...], out_dir: str, junit_path: str | None, json_path: str | None,
          github: bool | None, sarif_path: str | None, sign_key: str | None) -> None:
    """Join the packs of `certify run --shard K/N` into one pack and one ledger row.

    Every shard pack must be intact (as `certify verify` checks), from the same spec, commit
    and filters, and every shard that has hypotheses must be given. Exit codes as for `run`.
    """
    from certify.redact import Redactor
    from certify.report.merge import MergeError
    from certify.report.merge import merge as join

    key = _signing_key(sign_key)
    try:
        result = join([Path(p) for p in packs])
    except MergeError as exc:
        _fail(str(exc))
    _finish_run(result, out_dir, Redactor(), junit_path, json_path, github, sarif_path, key)


def _terminate_like_interrupt() -> None:
    """SIGTERM (CI cancelling a job) ends the run like Ctrl-C: targets torn down, pack written."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    # Also when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)


@cli.command()
@SPEC_ARG
def validate(spec: str) -> None:
    """Load and check SPEC without touching anything."""
    from certify.kinds.registry import REGISTRY
    from certify.spec.errors import SpecErrors
    from certify.spec.loader import require_vars

    loaded = _load(spec)
    try:
        require_vars(loaded, list(loaded.hypotheses), REGISTRY)
    except SpecErrors as exc:
        _print_errors(exc)
    checks = sum(len(h.checks) for h in loaded.hypotheses)
    click.echo(f"{spec}: valid — {_count(len(loaded.hypotheses), 'hypothesis', 'hypotheses')}, "
               f"{_count(checks, 'check')}, {_count(len(loaded.targets), 'target')}")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@cli.command("list")
@SPEC_ARG
def list_(spec: str) -> None:
    """List the hypotheses and checks of SPEC as a table."""
    from certify.targets import redactor_for

    loaded = _load(spec)
    redactor = redactor_for(loaded)  # a claim may quote a secret variable
    rows = [("ID", "GROUP", "PROOF", "GATE", "CHECKS", "CLAIM")]
    for h in loaded.hypotheses:
        checks = ", ".join(c.kind if c.name == c.kind else f"{c.kind}:{c.name}" for c in h.checks)
        rows.append((h.id, h.group, h.proof, "yes" if h.gate else "no", checks, h.claim))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        line = "  ".join(f"{c:{w}}" for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
        click.echo(redactor.text(line))


@cli.command()
@click.argument("kind", required=False)
def explain(kind: str | None) -> None:
    """What a check KIND proves, its fields and an example (without KIND: every kind)."""
    from certify.kinds import registry
    from certify.kinds.explain import explain as explain_kind
    from certify.kinds.registry import KINDS
    from certify.spec.errors import did_you_mean

    if kind is None:
        width = max(len(k) for k in KINDS)
        for name in sorted(KINDS):
            click.echo(f"{name:{width}}  {registry.get(name).summary}")
        click.echo("\n`certify explain KIND` prints a kind's fields and an example.")
        return
    if kind not in KINDS:
        _fail(f'unknown kind "{kind}"{did_you_mean(kind, KINDS)}; known kinds: '
              f"{', '.join(sorted(KINDS))}")
    click.echo(explain_kind(kind))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the spec format (for editors)."""
    import json

    from certify.kinds.registry import REGISTRY
    from certify.spec.schema import spec_schema

    click.echo(json.dumps(spec_schema(REGISTRY), indent=2))


@cli.command()
@click.argument("pack", type=click.Path(file_okay=False))
@click.option("--ledger", type=click.Path(dir_okay=False, exists=True),
              help="The ledger (INDEX.md) to check the pack against (default: the one two folders up).")
@click.option("--key", type=click.Path(dir_okay=False), metavar="PUB",
              help="Also check the pack's signature with this Ed25519 public key (PEM).")
def verify(pack: str, ledger: str | None, key: str | None) -> None:
    """Re-hash PACK against its MANIFEST.sha256, and the manifest against its ledger row and the
    ledger's hash chain (exit 1 if anything changed; 3 if the files match but neither a ledger row
    written by the run nor a signature (--key) vouches for the manifest).

    An intact pack that its folder's ledger (INDEX.md) does not list gets its row there."""
    from certify.names import LEDGER
    from certify.report.pack import restore_ledger_row
    from certify.report.verify import NotAPack, check_ledger, default_ledger
    from certify.report.verify import verify as verify_pack

    try:
        result = verify_pack(Path(pack))
    except NotAPack as exc:
        _fail(str(exc))
    for label, paths in (("CHANGED", result.changed), ("MISSING", result.missing),
                         ("ADDED", result.added)):
        for p in paths:
            click.echo(f"{label:8} {p}")
    if not result.intact:
        click.echo(f"{pack}: NOT intact ({len(result.changed)} changed, {len(result.missing)} missing, "
                   f"{len(result.added)} added)")
        sys.exit(1)
    signature = _signature(Path(pack), key)  # only once every file is known to be the pack's own
    if signature is not None and not signature.ok:
        click.echo(f"{pack}: NOT intact (its files match the manifest, but not the signature)")
        sys.exit(1)
    if ledger is None:
        try:
            restored = restore_ledger_row(Path(pack))
        except (OSError, ValueError) as exc:
            _fail(f"{pack} is intact, but its ledger row could not be added to "
                  f"{Path(pack).resolve().parent.parent / LEDGER}: {getattr(exc, 'strerror', None) or exc}")
        if restored:
            click.echo(f"its missing ledger row was added to {restored}")
    chain = check_ledger(Path(pack), Path(ledger) if ledger else default_ledger(Path(pack)))
    for problem in chain.problems:
        click.echo(f"LEDGER   {problem}")
    if not chain.ok:
        click.echo(f"{pack}: NOT intact ({len(result.ok)} files match the manifest, but the ledger "
                   "does not vouch for it)")
        sys.exit(1)
    click.echo(f"{pack}: intact ({len(result.ok)} files match the manifest)")
    if signature is not None:
        click.echo(f"the signature is valid: key {signature.keyid[:16]} signed every file of the pack")
    if chain.ledger is None:
        click.echo("no ledger (INDEX.md) beside the pack: nothing vouches for the manifest but itself; "
                   "give --ledger PATH, or --key PUB for a signed pack")
    elif chain.restored:
        click.echo(f"its ledger row ({chain.ledger}:{chain.row}) was restored after the fact, from the pack "
                   "as it is now: it does not vouch for the pack; give --key PUB for a signed pack")
    else:
        click.echo(f"the manifest matches its ledger row ({chain.ledger}:{chain.row}); the chain of "
                   f"{chain.rows} row{'s' if chain.rows != 1 else ''} is unbroken")
    sys.exit(0 if chain.vouched or signature is not None else EXIT_NOT_VOUCHED)


def _signature(pack: Path, key_path: str | None) -> Any:
    """`verify --key PUB`: the signature check, its problems printed (None without --key)."""
    if key_path is None:
        return None
    from certify.report.sign import SigningKeyError, check_signature, public_key

    try:
        checked = check_signature(pack, public_key(Path(key_path)))
    except SigningKeyError as exc:
        _fail(str(exc))
    for problem in checked.problems:
        click.echo(f"SIGNATURE {problem}")
    return checked


@cli.command()
@click.argument("pack", type=click.Path(file_okay=False, exists=True))
@click.option("--key", required=True, type=click.Path(dir_okay=False), metavar="KEY",
              help="The Ed25519 private key (PEM) to sign with.")
def sign(pack: str, key: str) -> None:
    """Sign PACK: an in-toto statement of every file (with its sha256) and the gate, in a DSSE
    envelope, written to PACK/SIGNATURE.dsse.json. Only an intact pack is signed."""
    from certify.report.sign import sign_pack
    from certify.report.verify import NotAPack
    from certify.report.verify import verify as verify_pack

    private = _signing_key(key)
    try:
        checked = verify_pack(Path(pack))
    except NotAPack as exc:
        _fail(str(exc))
    if not checked.intact:
        _fail(f"{pack}: not intact (`certify verify {pack}` says what changed); an altered pack is not "
              "signed")
    try:
        out = sign_pack(Path(pack), private)
    except OSError as exc:
        _fail(f"{pack}: the signature could not be written ({exc.strerror or exc})")
    click.echo(f"signed: {out}")


@cli.command()
@click.argument("pack", type=click.Path(file_okay=False, exists=True))
@click.argument("ids", metavar="ID...", nargs=-1, required=True)
@click.option("--spec", "spec_path", type=_FILE, help="Run this spec instead of the one the pack recorded "
              "(needed when that one changed or moved).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=64, show_default=True,
              help="Checks in flight at once (as for run).")
@click.option("--keep", is_flag=True, help="Leave the throwaway targets up, print how to connect, and "
              "stop them when Enter or Ctrl-C is pressed.")
def reproduce(pack: str, ids: tuple[str, ...], spec_path: str | None, jobs: int, keep: bool) -> None:
    """Re-run hypotheses ID... of PACK from the pack's own recorded spec, bringing up the same
    throwaway targets (a database built from its migrations, a started service), and print the
    recorded and the new verdict and evidence side by side. No pack is written.

    Exit codes: 0 the same verdicts; 1 some verdict changed; 2 the pack or the spec cannot be used
    (an altered pack, a spec whose sha256 differs from the recorded one without --spec)."""
    from certify.engine import run as engine
    from certify.kinds.registry import REGISTRY
    from certify.report.portable import portable
    from certify.report.reproduce import ReproduceError, recorded, side_by_side
    from certify.spec.errors import SpecErrors
    from certify.spec.loader import require_vars
    from certify.targets import redactor_for

    try:
        was = [recorded(Path(pack), i) for i in dict.fromkeys(ids)]
    except ReproduceError as exc:
        _fail(str(exc))
    spec = Path(spec_path) if spec_path else was[0].spec
    if not spec.is_file():
        _fail(f"{spec}: the spec this pack recorded is not there (moved, or another clone); give --spec PATH")
    loaded = _load(str(spec))
    if not spec_path and loaded.sha256 != was[0].spec_sha256:
        _fail(f"{spec}: its sha256 is {loaded.sha256[:12]}, the pack recorded {was[0].spec_sha256[:12]}: "
              "the spec changed since the pack was made; give --spec PATH to run it anyway")
    by_id = {h.id: h for h in loaded.hypotheses}
    gone = [w.hypothesis["id"] for w in was if w.hypothesis["id"] not in by_id]
    if gone:
        _fail(f"{spec}: has no hypothesis {', '.join(gone)} any more")
    chosen = [by_id[w.hypothesis["id"]] for w in was]
    try:
        require_vars(loaded, chosen, REGISTRY)
    except SpecErrors as exc:
        _print_errors(exc)
    redactor = redactor_for(loaded)
    _terminate_like_interrupt()
    shown: list[int] = []

    def show(results: list[HypothesisResult]) -> int:
        new = {h.id: h for h in results}
        changed = 0
        for w in was:
            h = new[w.hypothesis["id"]]
            changed += h.verdict != w.hypothesis["verdict"]
            click.echo(redactor.text(side_by_side(w.hypothesis, h)))
        click.echo(f"{len(was) - changed} of {len(was)} verdicts reproduced"
                   + (f"; {changed} changed" if changed else ""))
        shown.append(changed)
        return changed

    def wait_here(results: list[HypothesisResult], connections: list[str]) -> None:
        show(redactor.deep(results))  # on this terminal: the paths of this machine
        click.echo("The targets are up:" if connections else "No target to keep up.")
        for line in connections:
            click.echo(f"  {redactor.command(line)}")
        if connections:
            click.echo("Press Enter or Ctrl-C to stop them.")
            sys.stdin.readline()

    ran = engine.run(loaded, chosen, jobs=jobs, selection={"reproduce": list(ids)},
                     hold=wait_here if keep else None)
    changed = shown[0] if shown else show(portable(redactor.deep(ran)).hypotheses)
    sys.exit(1 if changed else 0)


@cli.command()
@click.argument("pack_a", type=click.Path())
@click.argument("pack_b", type=click.Path())
def diff(pack_a: str, pack_b: str) -> None:
    """Verdicts that changed from PACK_A to PACK_B (exit 1 if any)."""
    from certify.report.diff import diff as diff_packs
    from certify.report.verify import NotAPack

    try:
        changes = diff_packs(Path(pack_a), Path(pack_b))
    except NotAPack as exc:
        _fail(str(exc))
    if not changes:
        click.echo("no verdict changed")
        sys.exit(0)
    width = max(len(c.id) for c in changes)
    for c in changes:
        click.echo(f"{c.id:{width}}  {c.before:>7} -> {c.after:<7}  {c.claim}")
    sys.exit(1)


def _logs_target(files: tuple[str, ...], command: str | None, logs: str | None, spec: str) -> Any:
    """A logs target from --file/--command, or the spec's `targets.logs.NAME`."""
    from certify.spec.errors import Mark
    from certify.spec.model import TargetSpec
    from certify.targets.logs import LogsConfig, LogsTarget

    if logs:
        loaded = _load(spec)
        target = loaded.targets.get(("logs", logs))
        if target is None:
            names = [n for (t, n) in loaded.targets if t == "logs"]
            _fail(f"{spec}: no logs target named {logs!r} (it has: {', '.join(names) or 'none'})")
        return LogsTarget(target)
    if bool(files) == bool(command):
        _fail("give --file (one or more) or --command, or --logs NAME of the spec's targets.logs")
    config = LogsConfig(files=list(files), command=command)
    return LogsTarget(TargetSpec("logs", "command line", config, Path.cwd(), Mark("<command line>", 1, 1)))


def _since(text: str) -> int:
    import time

    from certify.kinds.log_proof import since_ns

    value = since_ns(text, time.time())
    if value is None:
        _fail(f"--since {text!r}: expected 24h, 7d, 30m or a timestamp like 2026-11-20T00:00:00Z")
    return value


_log_source = _options(  # where `logs` and `diagnose` read entries from
    click.option("--file", "files", multiple=True, metavar="F", help="A log export (JSON array, JSON Lines, "
                 "text; gzip too). Repeat for several."),
    click.option("--command", metavar="CMD", help="A command printing log entries."),
    click.option("--logs", metavar="NAME", help="The spec's targets.logs NAME (Cloud Logging, files, "
                 "command)."),
    click.option("--spec", default="checks.yaml", show_default=True, help="The spec that declares --logs."),
)


@cli.command()
@click.argument("filter_text", metavar="FILTER")
@_log_source
@click.option("--since", help="Only entries from then on: 24h, 7d, or a timestamp.")
@click.option("--limit", type=click.IntRange(0), default=20, show_default=True, help="Matches to print.")
def logs(filter_text: str, files: tuple[str, ...], command: str | None, logs: str | None, spec: str,
         since: str | None, limit: int) -> None:
    """Entries matching a Cloud Logging FILTER, read the way log_proof reads them."""
    import time

    from certify.errors import CheckError
    from certify.kinds.log_proof import LogProofFields, build_query, entry_line

    try:
        fields = LogProofFields(filter=filter_text, since=since)
    except ValueError as exc:
        _fail(f"FILTER: {exc}")
    q = build_query(fields, time.time())
    target = _logs_target(files, command, logs, spec)
    try:
        scan = target.scan(q, keep=max(limit, 1))
    except CheckError as exc:
        _fail(str(exc))
    shown = scan.matches.last()[-limit:] if limit else []
    cut = (f", the last {len(shown)} of {scan.matched} shown (--limit {limit})"
           if shown and len(shown) < scan.matched else "")
    click.echo(f"{scan.matched} of {_count(scan.scanned, 'entry', 'entries')} match{cut}: {q.text}")
    for s in shown:
        click.echo(f"  {entry_line(s)}")


@cli.group()
def diagnose() -> None:
    """On-call diagnoses from logs."""


@diagnose.command("invoker-403")
@_log_source
@click.option("--service", metavar="S", help="Only this Cloud Run service (resource.labels.service_name).")
@click.option("--since", help="The window: 24h, 7d, or a timestamp (default: 24h on Cloud Logging, "
              "everything files and commands hold).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write Markdown here.")
@click.option("--project", metavar="P", help="Also read --service's deployed configuration from this Google "
              "Cloud project (its allowlist and audience variables, who holds roles/run.invoker, the "
              "scheduler jobs that call it); without --file, --command or --logs, its Cloud Logging too.")
@click.option("--region", metavar="R", help="The region of --service and of its scheduler jobs (with "
              "--project).")
@click.option("--gcp", "gcp_name", metavar="NAME", help="Read the configuration through the spec's "
              "targets.gcp NAME instead of --project/--region.")
@click.option("--api-endpoint", metavar="URL", help="Another endpoint for the Google APIs --project reads "
              "(a local fake; no credentials are sent).")
def invoker_403(files: tuple[str, ...], command: str | None, logs: str | None, spec: str,
                service: str | None, since: str | None, out: str | None, project: str | None,
                region: str | None, gcp_name: str | None, api_endpoint: str | None) -> None:
    """Why calls to an invoker endpoint get 401/403: causes, fixes, and the last 200.

    Without --file, --command or --logs, it reads the spec's logs targets (files and commands), or
    with --project the project's Cloud Logging. With --project or --gcp, the fixes use the deployed
    configuration, and its own mismatches are listed."""
    from certify.diagnose.invoker403 import apply_config, entries_of, render
    from certify.diagnose.invoker403 import diagnose as run_diagnosis
    from certify.diagnose.invoker_config import project_logs, read_configuration
    from certify.errors import CheckError
    from certify.redact import Redactor
    from certify.targets.logread import LogReadError

    if (project or gcp_name) and not service:
        _fail("--project and --gcp read one service's configuration: give --service S")
    if project and not region:
        _fail("--project needs --region R, the region of the service (e.g. us-central1)")
    config, config_error = None, ""
    if project or gcp_name:
        spec_target = _load(spec).targets.get(("gcp", gcp_name)) if gcp_name else None
        if gcp_name and spec_target is None:
            _fail(f"{spec}: no gcp target named {gcp_name!r}")
        assert service is not None
        config, config_error = read_configuration(service, project=project, region=region,
                                                  api_endpoint=api_endpoint, spec_target=spec_target)
    if project and not (files or command or logs):
        targets = [project_logs(project, api_endpoint)]
    else:
        targets = _diagnose_targets(files, command, logs, spec)
    cloud = any(t.config.cloud_logging for t in targets)
    start = _since(since) if since else (_since("24h") if cloud else 0)
    sources = list(files) or [t.describe() for t in targets]

    def entries(since_ns: int) -> Iterator[dict[str, Any]]:
        for t in targets:
            yield from entries_of(t, since_ns, service)

    try:
        result = run_diagnosis(entries(start), start, service, sources)
        older = None
        if not result.causes and start and not cloud:  # the window is empty: is the source?
            older = run_diagnosis(entries(0), 0, service, sources)
    except (CheckError, LogReadError) as exc:
        _fail(str(exc))
    if config is not None:
        apply_config(result, config)
    result.config_error = config_error
    redactor = Redactor()
    click.echo(redactor.text(render(result, markdown=False)), nl=False)
    if older is not None and older.causes:
        stamps = sorted(r.timestamp for c in older.causes for r in c.items if r.timestamp)
        first = stamps[0] if stamps else ""
        click.echo(f"the source holds {older.rejections} older rejection(s) (from {first} to "
                   f"{stamps[-1] if stamps else ''}); to see them: --since {first[:10]}T00:00:00Z, or "
                   "leave --since out to read everything")
    if out:
        Path(out).write_text(redactor.text(render(result, markdown=True)))
        click.echo(f"Markdown: {out}")


def _diagnose_targets(files: tuple[str, ...], command: str | None, logs: str | None, spec: str) -> list[Any]:
    """The sources `diagnose` reads: --file/--command/--logs, or else every files/command logs
    target of the spec (Cloud Logging ones only when named with --logs)."""
    from certify.targets.logs import LogsTarget

    if files or command or logs or not Path(spec).is_file():
        return [_logs_target(files, command, logs, spec)]
    loaded = _load(spec)
    local = [LogsTarget(t) for (type_, _), t in loaded.targets.items()
             if type_ == "logs" and not t.config.cloud_logging]
    if not local:
        _fail(f"{spec} has no logs target of files or a command; give --file, --command or --logs NAME")
    return local


def main() -> None:
    cli(prog_name="certify")

"""Load a spec file (and what it includes) into a typed `Spec`, reporting every mistake.

Mistakes are collected, not raised one by one, so a user fixes them all in one pass.
Unset `${VAR}`s inside a hypothesis or a target are not mistakes yet: `require_vars`
raises them only for what a run actually selected (SPEC §2).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import glob as globlib
import os
import re
import stat
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certify.names import slug
from certify.spec.binder import INVALID, bind, bind_dataclass, meta, yaml_key
from certify.spec.errors import Mark, SpecError, SpecErrors, did_you_mean
from certify.spec.model import (
    ID_PATTERN,
    Catalog,
    CheckCommon,
    CheckSpec,
    Hypothesis,
    HypothesisFields,
    Spec,
    TargetSpec,
)
from certify.spec.yamlnodes import Env, Node, build, compose

FORMAT_VERSION = 1
DEFAULT_GROUP = "Other"
MAX_SPEC_BYTES = 4 * 1024 * 1024  # a spec file larger than this is refused, not read
MAX_GLOB_ENTRIES = 20_000  # directory entries one glob include may look at
MAX_GLOB_FILES = 200  # files one glob include may match


Vars = dict[str, str | list[str]]


@dataclass(frozen=True)
class IncludeFields:
    """An included spec file with values for its parameters."""

    path: str = field(metadata=meta("the spec file (or a glob) to include, relative to this one"))
    vars: Vars = field(default_factory=dict, metadata=meta(
        "values for the included file's ${VAR}s (its parameters), for this include only"))


@dataclass(frozen=True)
class SpecFields:
    """A check spec (checks.yaml): what is being certified, how to reach it, and the claims."""

    certify: int | None = field(default=None, metadata=meta("format version; must be 1"))
    phase: str | None = field(default=None, metadata=meta("what is being certified"))
    description: str | None = field(default=None, metadata=meta("a sentence on scope"))
    include: list[str | IncludeFields] = field(default_factory=list, metadata=meta(
        "other spec files (check packs) whose targets, groups, secrets and hypotheses are merged in: "
        "a path, or {path, vars}"))
    vars: Vars = field(default_factory=dict, metadata=meta(
        "values for ${VAR}s in this file and the files it includes; they win over the environment "
        "(a value that is exactly ${VAR} may be a list)"))
    secrets: list[str] = field(default_factory=list, metadata=meta(
        "environment variables whose values must never be written"))
    groups: dict[str, str] = field(default_factory=dict, metadata=meta(
        "the truth table's sections: key -> title"))


_RAW_KEYS = frozenset({"targets", "hypotheses"})
_CHECK_KEYS = frozenset({"check", "checks"})
_COMMON_KEYS = frozenset(yaml_key(f) for f in dataclasses.fields(CheckCommon))


class _Loader:
    def __init__(self, catalog: Catalog, env: Env) -> None:
        self.catalog = catalog
        self.env = env
        self.errors: list[SpecError] = []
        self.files: list[Path] = []
        self.groups: dict[str, str] = {}
        self.secrets: list[str] = []
        self.substituted: list[tuple[str, str]] = []  # (VAR, value) for every ${VAR} expanded
        self.var_defs: list[tuple[str, Node]] = []  # every `vars:` entry (a file's or an include's)
        self.root_data = b""  # the bytes of the spec named to certify (its sha256 names the run)
        self.targets: dict[tuple[str, str], TargetSpec] = {}
        self.hyp_nodes: list[tuple[Node, Path]] = []
        self.unset: UnsetVars | None = None  # made for the first file read: the one named to certify
        self.group_nodes: list[Node] = []

    # ------------------------------------------------------------ files

    def read_file(self, path: Path, included_from: Mark | None,
                  given: Mapping[str, str | Sequence[str]], label: str | None = None) -> SpecFields | None:
        """Read one spec file. `given`: the vars its includers set (nearest first), which win
        over the file's own `vars:`, which win over the environment. `label`: the file as the
        spec wrote it (`${PACKS}/x.yaml`), for error messages."""
        label = label or str(path)
        try:
            resolved = path.resolve()
        except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
            self.errors.append(SpecError(included_from or Mark(str(path), 1, 1),
                                         f"{label!r}: not a usable path: {exc}"))
            return None
        if resolved in self.files:
            self.errors.append(SpecError(included_from, f"{label} is included twice (or includes itself)"))
            return None
        try:
            data = read_regular(path)
            text = data.decode("utf-8")
        except FileNotFoundError:
            self.errors.append(SpecError(included_from, f"{label}: no such spec file"))
            return None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.errors.append(SpecError(Mark(str(path), line, col), f"not UTF-8 text: byte 0x"
                                         f"{data[exc.start]:02x} cannot be decoded; save the spec as UTF-8"))
            return None
        except (OSError, Unreadable) as exc:
            where = included_from or Mark(str(path), 1, 1)
            reason = exc if isinstance(exc, Unreadable) else f"cannot read: {exc.strerror or exc}"
            self.errors.append(SpecError(where, f"{label}: {reason}"))
            return None
        if not self.files:
            self.root_data = data
        self.files.append(resolved)
        self.unset = self.unset or UnsetVars(str(path))
        try:
            documents = compose(text, str(path))
            root = build(documents, text, str(path), ChainMap(dict(given), dict(self.env)))
            own = self.own_vars(root)
            scope: ChainMap[str, str | Sequence[str]] = ChainMap(dict(given), dict(own))
            if own:  # built again, with the file's own vars in force
                root = build(documents, text, str(path), ChainMap(dict(scope), dict(self.env)))
        except SpecError as exc:
            self.errors.append(exc)
            return None
        self.substituted += root.substituted_anywhere()
        self.var_defs += _var_defs(root)
        if not root.is_map():
            self.errors.append(SpecError(root.mark, "expected a mapping with `certify: 1`, "
                                                    "`phase` and `hypotheses`"))
            return None
        top = bind_dataclass(SpecFields, root, self.errors, extra_keys=_RAW_KEYS)
        for key in ("certify", "phase", "description", "include", "vars", "secrets", "groups"):
            child = root.get(key)
            if child is not None:
                self.report_unset(child)
        base = path.parent
        targets = root.get("targets")
        if targets is not None:
            self.read_targets(targets, base)
        hyps = root.get("hypotheses")
        if hyps is not None:
            if not hyps.is_list():
                self.errors.append(SpecError(hyps.mark, "hypotheses: expected a list of hypotheses"))
            else:
                self.hyp_nodes += [(h, base) for h in hyps.value]
        if top is INVALID:  # its mistakes are recorded; the hypotheses are still checked
            self.secrets += [n.value for n in _items(root.get("secrets"))  # to scrub the errors
                             if isinstance(n.value, str) and n.value not in self.secrets]
            return None
        if top.certify is not None and top.certify != FORMAT_VERSION:
            node = root.get("certify")
            assert node is not None
            self.errors.append(SpecError(node.mark, f"unsupported format version {top.certify}; "
                                                    f"this certify reads `certify: {FORMAT_VERSION}`"))
        for name in top.secrets:
            if name not in self.secrets:
                self.secrets.append(name)
        for key, title in top.groups.items():
            self.groups.setdefault(key, title)
        include_node = root.get("include")
        for entry, node in zip(top.include, _items(include_node), strict=True):
            path_node = node.get("path") or node
            written = str(path_node.shown())
            if isinstance(entry, str):
                self.read_include(base, entry, written, node.mark, scope)
            else:
                self.read_include(base, entry.path, written, node.mark,
                                  ChainMap(dict(entry.vars), dict(scope)))
        return top

    def secret_values(self) -> tuple[tuple[str, str], ...]:
        """(NAME, value) for every value a secret variable took, wherever it came from (the
        environment, a `vars:` block, an include's `vars`, a default), and for every variable
        whose value was made from a secret one (`vars: {PACK_TOKEN: "${CI_TOKEN}"}`)."""
        secret = set(self.secrets)
        grew = True
        while grew:
            grew = False
            for name, node in self.var_defs:
                if name not in secret and any(var in secret for var, _ in node.substituted_anywhere()):
                    secret.add(name)
                    grew = True
        found = {(name, value) for name, value in self.substituted if name in secret and value}
        found |= {(name, str(leaf.value)) for name, node in self.var_defs if name in secret
                  for leaf in node.walk() if not leaf.unset_vars and isinstance(leaf.value, str | int | float)
                  and not isinstance(leaf.value, bool) and str(leaf.value)}
        return tuple(sorted(found))

    def own_vars(self, root: Node) -> Vars:
        """The file's `vars:` block (expanded with what is already known)."""
        node = root.get("vars")
        if node is None:
            return {}
        trial: list[SpecError] = []
        own = bind(Vars, node, trial, "vars")
        if own is INVALID:
            return {}  # its mistakes are reported when the whole file is bound
        # A value that still holds an unset ${VAR} sets nothing: the variable stays unset, and is
        # reported where it is used.
        return {k: v for k, v in own.items() if not node.value[k].unset_anywhere()}

    def read_include(self, base: Path, pattern: str, written: str, mark: Mark | None,
                     given: Mapping[str, str | Sequence[str]]) -> None:
        """`pattern`: the include's path (expanded); `written`: as the spec wrote it."""
        full = base / pattern
        if not globlib.has_magic(pattern):
            self.read_file(full, mark, given, written)
            return
        try:
            matches = bounded_glob(full)
        except Unreadable as exc:
            self.errors.append(SpecError(mark, f'include "{written}": {exc}'))
            return
        if not matches:
            self.errors.append(SpecError(mark, f'include: no file matches "{written}"'))
        for p in matches:
            self.read_file(p, mark, given)

    def report_unset(self, node: Node) -> None:
        for name, mark in node.unset_anywhere():
            self.unset_error(name, mark)

    def unset_error(self, name: str, mark: Mark, where: str = "") -> None:
        """An unset ${NAME} that must be set now."""
        assert self.unset is not None
        error = self.unset.error(name, mark, where)
        if error is not None:
            self.errors.append(error)

    # ------------------------------------------------------------ targets

    def read_targets(self, node: Node, base: Path) -> None:
        if not node.is_map():
            self.errors.append(SpecError(node.mark, "targets: expected a mapping of target types "
                                                    f"({', '.join(self.catalog.target_types())})"))
            return
        for type_, child in node.value.items():
            config_cls = self.catalog.target_config(type_)
            if config_cls is None:
                hint = did_you_mean(type_, self.catalog.target_types())
                self.errors.append(SpecError(node.key_mark(type_), f'unknown target type "{type_}"{hint}; '
                                             f"expected one of: {', '.join(self.catalog.target_types())}"))
                continue
            if self.catalog.target_is_single(type_):
                self.add_target(type_, type_, config_cls, child, base)
                continue
            if not child.is_map() or not child.value:
                self.errors.append(SpecError(child.mark, f"targets.{type_}: expected a mapping of "
                                                         f"target names to {type_} targets"))
                continue
            for name, tnode in child.value.items():
                self.add_target(type_, name, config_cls, tnode, base)

    def add_target(self, type_: str, name: str, config_cls: type, node: Node, base: Path) -> None:
        where = f"targets.{type_}" if type_ == name else f"targets.{type_}.{name}"
        config = bind(config_cls, node, self.errors, where)
        if config is INVALID:
            return
        if (type_, name) in self.targets:
            first = self.targets[(type_, name)].mark
            self.errors.append(SpecError(node.mark, f"{where} is declared twice "
                                                    f"(first at {first})"))
            return
        unset = tuple(node.unset_anywhere())
        substituted = tuple((path, var, value) for path, child in _field_paths(node)
                            for var, value in child.substituted)
        self.targets[(type_, name)] = TargetSpec(type_, name, config, base, node.mark, unset, substituted)

    # ------------------------------------------------------------ hypotheses

    def read_hypotheses(self) -> list[Hypothesis]:
        """The hypotheses, each with its own id and its own evidence file: ids that differ only in
        case or punctuation (`H-1`, `h_1`) would share one attachment file and one anchor."""
        out: list[Hypothesis] = []
        seen: dict[str, Mark] = {}
        slugs: dict[str, Hypothesis] = {}
        for node, base in self.hyp_nodes:
            hyp = self.read_hypothesis(node, base)
            if hyp is None:
                continue
            if hyp.id in seen:
                self.errors.append(SpecError(hyp.mark, f'duplicate hypothesis id "{hyp.id}" '
                                                       f"(first at {seen[hyp.id]})"))
                continue
            seen[hyp.id] = hyp.mark
            same = slugs.setdefault(slug(hyp.id, 40), hyp)
            if same is not hyp:
                self.errors.append(SpecError(hyp.mark, f'hypothesis id "{hyp.id}" names the same evidence '
                                             f'file and anchor as "{same.id}" (at {same.mark}): ids must '
                                             "differ by more than case and punctuation, within their "
                                             "first 40 characters"))
                continue
            out.append(hyp)
        return out

    def read_hypothesis(self, node: Node, base: Path) -> Hypothesis | None:
        where = "hypothesis"
        id_node = node.get("id")
        if id_node is not None and isinstance(id_node.value, str) and ID_PATTERN.fullmatch(id_node.value):
            where = f"hypothesis {id_node.shown()}"
        fields = bind_dataclass(HypothesisFields, node, self.errors, where, extra_keys=_CHECK_KEYS)
        check_nodes = self.check_nodes(node, where)
        checks = [self.read_check(c, i + 1, where) for i, c in enumerate(check_nodes)]
        gnode = node.get("group")
        if (gnode is not None and isinstance(gnode.value, str) and self.groups
                and gnode.value not in self.groups):
            hint = did_you_mean(gnode.value, self.groups)
            self.errors.append(SpecError(gnode.mark, f'{where}: unknown group "{gnode.shown()}"{hint}; '
                                                     f"declared groups: {', '.join(self.groups)}"))
            return None
        if fields is INVALID or not check_nodes or any(c is None for c in checks):
            return None
        group = fields.group or DEFAULT_GROUP
        valid = [c for c in checks if c is not None]
        observed = any(self.catalog.kind_proof(c.kind) == "runtime" for c in valid)
        if fields.proof == "runtime" and not observed:
            # A claim about a deployed system read from the machine certify runs on (env, files,
            # commands) is local proof, however it is labelled: it must not claim runtime proof.
            kinds = ", ".join(dict.fromkeys(c.kind for c in valid))
            self.errors.append(SpecError(node.key_mark("proof"), f"{where}: proof: runtime, but none of its "
                                         f"checks ({kinds}) observes the running system: they read the "
                                         "machine certify runs on; remove `proof: runtime` or add a check "
                                         "of a runtime kind (http, sql, log_proof...)"))
            return None
        proof = fields.proof or ("runtime" if observed else "local")
        return Hypothesis(
            id=fields.id, claim=fields.claim, group=group, proof=proof, gate=fields.gate,
            tags=tuple(fields.tags), question=fields.question, waiver=fields.waiver,
            waive=tuple(fields.waive), controls=tuple(dict.fromkeys(fields.controls)),
            checks=tuple(valid), mark=node.mark, unset_vars=tuple(node.unset_anywhere()),
        )

    def check_nodes(self, node: Node, where: str) -> list[Node]:
        if not node.is_map():
            return []
        one, many = node.get("check"), node.get("checks")
        if one is not None and many is not None:
            self.errors.append(SpecError(node.key_mark("checks"),
                                         f"{where}: give either `check:` or `checks:`, not both"))
            return []
        if one is not None:
            return [one]
        if many is not None:
            if not many.is_list() or not many.value:
                self.errors.append(SpecError(many.mark, f"{where}: checks: expected a non-empty list "
                                                        "of checks"))
                return []
            return list(many.value)
        self.errors.append(SpecError(node.mark, f"{where}: missing `check:` (one check) or "
                                                "`checks:` (a list); every claim needs evidence"))
        return []

    def read_check(self, node: Node, index: int, where: str) -> CheckSpec | None:
        where = f"{where}, check {index}"
        if not node.is_map():
            self.errors.append(SpecError(node.mark, f"{where}: expected a mapping with `kind:`"))
            return None
        kind_node = node.get("kind")
        if kind_node is None or not isinstance(kind_node.value, str):
            self.errors.append(SpecError(node.mark, f"{where}: missing `kind:`; expected one of: "
                                                    f"{', '.join(self.catalog.kind_names())}"))
            return None
        kind = kind_node.value
        fields_cls = self.catalog.kind_fields(kind)
        if fields_cls is None:
            hint = did_you_mean(kind, self.catalog.kind_names())
            self.errors.append(SpecError(kind_node.mark, f'{where}: unknown kind "{kind_node.shown()}"'
                                         f"{hint}; expected one of: {', '.join(self.catalog.kind_names())}"))
            return None
        where = f"{where} ({kind})"
        kind_keys = {yaml_key(f) for f in dataclasses.fields(fields_cls)}
        common_part = {k: v for k, v in node.value.items() if k in _COMMON_KEYS}
        kind_part = {k: v for k, v in node.value.items() if k not in _COMMON_KEYS}
        common = bind_dataclass(CheckCommon, Node(common_part, node.mark, node.key_marks),
                                self.errors, where)
        before = len(self.errors)
        fields: Any = bind_dataclass(fields_cls, Node(kind_part, node.mark, node.key_marks), self.errors,
                                where, extra_keys=frozenset())
        # Unknown-key messages should offer every key a check accepts, not only the kind's own.
        for err in self.errors[before:]:
            m = re.match(r'(?:[^"]*: )?unknown field "((?:[^"\\]|\\.)*)"', err.message)
            if m and err.mark == node.key_marks.get(m.group(1), err.mark):
                key = m.group(1)
                known = sorted(kind_keys | _COMMON_KEYS)
                err.message = (f'{where}: unknown field "{key}"{did_you_mean(key, known)}; '
                               f"expected one of: {', '.join(known)}")
        if common is INVALID or fields is INVALID:
            return None
        if common.target and common.source and common.target != common.source:
            self.errors.append(SpecError(node.mark, f"{where}: `target` and `source` name different targets; "
                                                    "give one"))
            return None
        target = self.resolve_target(kind, common.target or common.source, node, where)
        if target is INVALID:
            return None
        return CheckSpec(kind=kind, name=common.name or kind, target=target, timeout=common.timeout,
                         retry=common.retry, fields=fields, mark=node.mark, index=index,
                         allow_empty=common.allow_empty, authored=common.authored)

    def resolve_target(self, kind: str, name: str | None, node: Node, where: str) -> str | None:
        type_ = self.catalog.kind_target_type(kind)
        if type_ is None:
            return None
        if self.catalog.target_is_single(type_):
            return type_
        names = [n for (t, n) in self.targets if t == type_]
        named = node.get("target") or node.get("source")
        mark = named.mark if named else node.mark
        if name is None:
            if len(names) == 1:
                return names[0]
            if not names:
                self.errors.append(SpecError(mark, f"{where}: needs a `targets.{type_}` entry, "
                                                   "and the spec declares none"))
            else:
                self.errors.append(SpecError(mark, f"{where}: several {type_} targets "
                                                   f"({', '.join(names)}); say which with `target:`"))
            return INVALID  # type: ignore[no-any-return]
        if name not in names:
            if named is not None and named.unset_vars:  # `target: ${PG_TARGET}`, not set
                for var in named.unset_vars:
                    self.unset_error(var, mark, where)
                return INVALID  # type: ignore[no-any-return]
            hint = did_you_mean(name, names)
            shown = named.shown() if named is not None else name
            self.errors.append(SpecError(mark, f'{where}: no {type_} target named "{shown}"{hint}'))
            return INVALID  # type: ignore[no-any-return]
        return name


class UnsetVars:
    """Errors for unset ${VAR}s. In an included file (a check pack) a variable is a parameter of
    the pack: it is named once, with how to set it, however often the pack uses it."""

    def __init__(self, root: str) -> None:
        self.root = root  # the spec file named on the command line
        self.said: set[tuple[str, str]] = set()

    def error(self, name: str, mark: Mark, where: str = "") -> SpecError | None:
        if mark.file != self.root:
            if (mark.file, name) in self.said:
                return None
            self.said.add((mark.file, name))
            return SpecError(mark, f"parameter {name} of the pack {mark.file} is not set; set it where "
                                   f"the pack is included (`include: [{{path: {mark.file}, vars: {{{name}: "
                                   f"...}}}}]` or a `vars:` block), or export {name}")
        return SpecError(mark, f"{where + ': ' if where else ''}environment variable {name} is not set; "
                               f"set it, or give a default with ${{{name}:-value}}")


def load_spec(path: Path, catalog: Catalog, env: Env | None = None) -> Spec:
    """Read and validate a spec. Raises SpecErrors listing every mistake."""
    env = os.environ if env is None else env
    loader = _Loader(catalog, env)
    top = loader.read_file(path, None, {})
    if top is not None:
        if top.certify is None:
            loader.errors.append(SpecError(Mark(str(path), 1, 1), 'missing required field "certify" '
                                                                  "(the format version: `certify: 1`)"))
        if top.phase is None:
            loader.errors.append(SpecError(Mark(str(path), 1, 1), 'missing required field "phase" '
                                                                  "(what is being certified)"))
    if ("repo", "repo") not in loader.targets and loader.catalog.target_config("repo") is not None:
        loader.add_target("repo", "repo", loader.catalog.target_config("repo"),  # type: ignore[arg-type]
                          Node({}, Mark(str(path), 1, 1)), path.parent)
    hypotheses = loader.read_hypotheses()
    if top is not None and not loader.hyp_nodes:
        loader.errors.append(SpecError(Mark(str(path), 1, 1), "no hypotheses: expected a "
                                                              "`hypotheses:` list with at least one claim"))
    secret_values = loader.secret_values()
    if loader.errors:
        raise SpecErrors(_scrubbed(loader.errors, secret_values))
    assert top is not None and top.phase is not None
    return Spec(
        path=path, source=loader.root_data, version=FORMAT_VERSION,
        phase=top.phase, description=top.description, groups=loader.groups,
        secrets=tuple(loader.secrets), targets=loader.targets, hypotheses=tuple(hypotheses),
        files=tuple(loader.files), secret_values=secret_values,
    )


def _scrubbed(errors: list[SpecError], secrets: Sequence[tuple[str, str]]) -> list[SpecError]:
    """The errors with the value of every secret variable written back as `${NAME}` (a message
    quotes the spec's text where it can; this is the net under it)."""
    import json  # only a spec with errors gets here

    forms = sorted({(form, name) for name, value in secrets
                    for form in (value, json.dumps(value)[1:-1], repr(value)[1:-1]) if form},
                   key=lambda fn: -len(fn[0]))
    for err in errors:
        for form, name in forms:
            if form in err.message:
                err.message = err.message.replace(form, f"${{{name}}}")
    return errors


class Unreadable(Exception):
    """A spec file (or glob include) that is refused before anything is read from it."""


_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_SPEC_BYTES. A FIFO, a device, a directory or
    a file past the cap is refused (Unreadable) without waiting on it or reading it whole."""
    def check(mode: int) -> None:
        if not stat.S_ISREG(mode):
            what = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
            raise Unreadable(f"not a regular file ({what}); a spec must be a regular file")

    check(os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        check(os.fstat(fd).st_mode)  # the same file that was looked at, not a swapped one
        chunks, size = [], 0
        while size <= MAX_SPEC_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_SPEC_BYTES:
        raise Unreadable(f"larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB; a spec file may be at most "
                         f"{MAX_SPEC_BYTES // (1024 * 1024)} MiB")
    return b"".join(chunks)


def bounded_glob(pattern: Path) -> list[Path]:
    """The files (not folders) a glob matches, as `glob.glob(recursive=True)` would, but bounded:
    at most MAX_GLOB_ENTRIES directory entries looked at and MAX_GLOB_FILES files matched
    (Unreadable past either), and wildcards never follow a symlinked folder or enter another
    filesystem, so `/proc/self/**` or a link cycle cannot keep it walking."""
    parts = pattern.parts
    fixed = 0
    while fixed < len(parts) and not globlib.has_magic(parts[fixed]):
        fixed += 1
    base = Path(*parts[:fixed]) if fixed else Path(".")
    found: set[Path] = set()
    budget = [MAX_GLOB_ENTRIES]
    try:
        device = base.stat().st_dev
    except (OSError, ValueError):
        return []

    def entries(folder: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as it:
                out = []
                for entry in it:
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise Unreadable(f"the pattern looks at more than {MAX_GLOB_ENTRIES} folder entries; "
                                         "narrow it")
                    out.append(entry)
                return out
        except OSError:
            return []

    def is_folder(entry: os.DirEntry[str]) -> bool:
        try:
            return entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_dev == device
        except OSError:
            return False

    def hidden(name: str, part: str) -> bool:
        return name.startswith(".") and not part.startswith(".")

    def add(path: Path) -> None:
        if not path.is_dir():
            found.add(path)
            if len(found) > MAX_GLOB_FILES:
                raise Unreadable(f"matches more than {MAX_GLOB_FILES} files; narrow it")

    def walk(folder: Path, rest: tuple[str, ...]) -> None:
        part, more = rest[0], rest[1:]
        if part == "**":
            if more:
                walk(folder, more)
            for entry in entries(folder):
                if is_folder(entry) and not hidden(entry.name, part):
                    walk(folder / entry.name, rest)
                elif not more and not hidden(entry.name, part):
                    add(folder / entry.name)
        elif globlib.has_magic(part):
            for entry in entries(folder):
                if hidden(entry.name, part) or not fnmatch.fnmatch(entry.name, part):
                    continue
                if not more:
                    add(folder / entry.name)
                elif is_folder(entry):
                    walk(folder / entry.name, more)
        elif more:
            walk(folder / part, more)
        elif os.path.lexists(folder / part):
            add(folder / part)

    if fixed < len(parts):
        walk(base, parts[fixed:])
    return sorted(found)


def _items(node: Node | None) -> list[Node]:
    """The items of a list node; a single value is a one-item list, as the binder reads it."""
    if node is None:
        return []
    return list(node.value) if node.is_list() else [node]


def _var_defs(root: Node) -> list[tuple[str, Node]]:
    """Every `NAME: value` of a file's `vars:` block and of its includes' `vars`."""
    blocks = [root.get("vars")] + [entry.get("vars") for entry in _items(root.get("include"))]
    return [(name, node) for block in blocks if block is not None and block.is_map()
            for name, node in block.value.items()]


def _field_paths(node: Node, prefix: str = "") -> list[tuple[str, Node]]:
    """(dotted path, node) for every value under a mapping node: `ephemeral.admin_dsn`."""
    if node.is_map():
        return [pair for key, child in node.value.items()
                for pair in _field_paths(child, f"{prefix}.{key}" if prefix else key)]
    if node.is_list():
        return [pair for child in node.value for pair in _field_paths(child, prefix)]
    return [(prefix, node)]


def require_vars(spec: Spec, hypotheses: list[Hypothesis], type_of_kind: Catalog) -> None:
    """Raise SpecErrors for unset variables used by the selected hypotheses or their targets."""
    unset = UnsetVars(str(spec.path))
    found: list[SpecError | None] = []
    used_targets: set[tuple[str, str]] = set()
    for hyp in hypotheses:
        found += [unset.error(name, mark, hyp.id) for name, mark in hyp.unset_vars]
        for check in hyp.checks:
            type_ = type_of_kind.kind_target_type(check.kind)
            if type_ is not None and check.target is not None:
                used_targets.add((type_, check.target))
    for key in sorted(used_targets):
        target = spec.targets.get(key)
        if target is not None:
            found += [unset.error(name, mark) for name, mark in target.unset_vars]
    errors = [e for e in found if e is not None]
    if errors:
        raise SpecErrors(errors)

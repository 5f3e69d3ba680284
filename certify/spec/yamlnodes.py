"""YAML read into nodes that remember where they came from.

PyYAML's composer gives every node a position; we keep it on a small `Node` tree so
that validation, much later, can still say `checks.yaml:12:7: ...`. Plain scalars are
converted with PyYAML's safe constructor (ints, bools, dates...), and `${VAR}` /
`${VAR:-default}` in strings are expanded here, from the spec's `vars:` and the
environment; `$${` writes a literal `${`, and every other `$` stays as written (`DO $$`,
`$1`). A value that is exactly `${VAR}` where VAR holds a list (from `vars:`)
becomes that list. An unset
variable does not fail at once: the node remembers it, and the loader decides whether
the field is used by anything that will run. An expanded node keeps the text it was
written as (`source`, for error messages) and what each variable put in (`substituted`,
so that the values of secret variables can be redacted whatever their origin).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from certify.spec.errors import Mark, SpecError

MAX_NODES = 200_000
_STR = "tag:yaml.org,2002:str"
_VAR = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
Env = Mapping[str, "str | Sequence[str]"]  # the environment, with `vars:` (strings or lists) over it


@dataclass
class Node:
    """A YAML value with its position. Mappings hold `dict[str, Node]`, sequences `list[Node]`."""

    value: Any
    mark: Mark
    key_marks: dict[str, Mark] = field(default_factory=dict)
    unset_vars: tuple[str, ...] = ()  # ${VAR}s without default that were not set
    expanded: bool = False  # the text came (partly) from the environment
    source: str | None = None  # the text as written, when expansion changed it
    substituted: tuple[tuple[str, str], ...] = ()  # (VAR, the text it put in) for each ${VAR} expanded

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def key_mark(self, key: str) -> Mark:
        return self.key_marks.get(key, self.mark)

    def walk(self) -> Iterator[Node]:
        """This node and every node under it, depth first (a stack, not nested generators: those
        pass every node up through each level above it)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node.value, dict):
                stack.extend(reversed(node.value.values()))
            elif isinstance(node.value, list):
                stack.extend(reversed(node.value))

    def substituted_anywhere(self) -> list[tuple[str, str]]:
        """Every (VAR, value) a `${VAR}` under this node was expanded to (defaults included)."""
        return [s for n in self.walk() for s in n.substituted]

    def shown(self) -> Any:
        """The value as the spec wrote it (`${API_TOKEN}`, not what it expands to): what an error
        message may quote."""
        return self.source if self.source is not None else self.value

    def unexpand(self, message: str) -> str:
        """`message` with the expanded text of every node under this one put back as written
        (a value under 4 characters only where it is quoted: "30", not every 3 and 0)."""
        for n in self.walk():
            if n.source is None or not isinstance(n.value, str) or not n.value or n.value not in message:
                continue
            if len(n.value) >= 4:
                message = message.replace(n.value, n.source)
            else:
                for q in ('"', "'"):
                    message = message.replace(f"{q}{n.value}{q}", f"{q}{n.source}{q}")
        return message

    def unset_anywhere(self) -> list[tuple[str, Mark]]:
        """Every unset variable under this node, with where it is used."""
        return [(name, n.mark) for n in self.walk() for name in n.unset_vars]

    def plain(self) -> Any:
        """The value as plain Python data (positions dropped)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


@dataclass(frozen=True)
class Expansion:
    text: str
    unset: tuple[str, ...]  # ${VAR}s without a default that were not set
    used: bool  # the text came (partly) from the environment or a default
    substituted: tuple[tuple[str, str], ...]  # (VAR, text put in), defaults included


def expand_vars(text: str, env: Env) -> Expansion:
    """Expand `${VAR}` and `${VAR:-default}` (a list value inside text: comma-joined); `$${` is a
    literal `${`. Any other `$` is text (`DO $$ ... $$`, `$1`)."""
    unset: list[str] = []
    substituted: list[tuple[str, str]] = []
    used = False

    def sub(m: re.Match[str]) -> str:
        nonlocal used
        if m.group(0) == "$${":
            return "${"
        name, default = m.group(1), m.group(2)
        used = True
        value = env.get(name)
        if value:  # an empty variable counts as unset, like the shell's :-
            if not isinstance(value, str):
                substituted.extend((name, item) for item in value)
                value = ",".join(value)
            substituted.append((name, value))
            return value
        if default is not None:
            substituted.append((name, default))
            return default
        unset.append(name)
        return m.group(0)

    expanded = _VAR.sub(sub, text)
    return Expansion(expanded, tuple(unset), used, tuple(substituted))


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str, env: Env) -> None:
        self.file = file
        self.env = env
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used
        self.path: set[int] = set()  # nodes being built: an alias back to one is a cycle
        self.count = 0

    def build(self, node: yaml.Node) -> Node:
        mark = _mark(self.file, node)
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(mark, f"the document expands to more than {MAX_NODES} values "
                                  "(aliases nested too deep?)")
        if id(node) in self.path:
            raise SpecError(mark, "an alias refers to a node that contains it (a cycle)")
        self.path.add(id(node))
        try:
            return self._build(node, mark)
        finally:
            self.path.discard(id(node))

    def _build(self, node: yaml.Node, mark: Mark) -> Node:
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)  # YAML merge keys (<<)
            out: dict[str, Node] = {}
            key_marks: dict[str, Mark] = {}
            for key_node, value_node in node.value:
                kmark = _mark(self.file, key_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SpecError(kmark, "a mapping key must be a plain word")
                # Keys are names: `on:` is the word "on", not YAML 1.1's boolean true.
                key = str(key_node.value)
                if key in out:
                    raise SpecError(kmark, f'duplicate key "{key}" (first at line {key_marks[key].line})')
                out[key] = self.build(value_node)
                key_marks[key] = kmark
            return Node(out, mark, key_marks)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.build(item) for item in node.value], mark)
        if node.tag == _STR:  # what the constructor would return, without its bookkeeping
            return self._text(node.value, mark) if "$" in node.value else Node(node.value, mark)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # noqa: BLE001 - PyYAML's constructors fail oddly: `!!int ` (empty)
            tag = node.tag.rsplit(":", 1)[-1]
            raise SpecError(mark, f"invalid YAML value {node.value!r} for the tag !!{tag}: "
                                  f"{type(exc).__name__}") from None
        return self._text(value, mark) if isinstance(value, str) else Node(value, mark)

    def _text(self, value: str, mark: Mark) -> Node:
        """A string, its `${VAR}`s expanded (a value that is exactly `${VAR}` of a list: the list)."""
        whole = _VAR.fullmatch(value)
        name = whole.group(1) if whole else None
        listed = self.env.get(name) if name else None
        if name and listed and not isinstance(listed, str):
            return Node([Node(item, mark, expanded=True, source=value,
                              substituted=((name, item),)) for item in listed],
                        mark, expanded=True, source=value)
        ex = expand_vars(value, self.env)
        return Node(ex.text, mark, unset_vars=ex.unset, expanded=ex.used,
                    source=value if ex.text != value else None, substituted=ex.substituted)


def _deepest(text: str, file: str, limit: int = 100) -> Mark:
    """Where flow brackets first nest `limit` deep (quotes ignored: it is only a pointer)."""
    depth, line, col = 0, 1, 0
    for c in text:
        col += 1
        if c == "\n":
            line, col = line + 1, 0
        elif c in "[{":
            depth += 1
            if depth >= limit:
                return Mark(file, line, col)
        elif c in "]}":
            depth -= 1
    return Mark(file, 1, 1)


# What libyaml reads differently from PyYAML's own parser although both accept it: a byte order
# mark (the columns after it), a bare `!` tag (a string, not null), and where an empty value is in
# a flow collection, after an explicit `?` key or in an empty document. A text holding any of them
# is read by PyYAML's parser (tests/spec/test_yaml_reading.py compares the two).
_PURE_ONLY = re.compile(r"\ufeff|(?:^|[\s\[\]{},])!(?=[\s\[\]{},]|$)|:\s*[,}\]]"
                        r"|(?:^|[\s\[{,])\?(?=\s|$)|(?:^|[\r\x85\u2028\u2029])(?:---|\.\.\.)(?=\s|$)", re.M)
_FAST: type | None = getattr(yaml, "CSafeLoader", None)  # None: PyYAML without libyaml


def compose(text: str, file: str) -> list[yaml.Node]:
    """The YAML documents of `text` as PyYAML nodes (with their positions); malformed YAML is a
    positioned SpecError.

    libyaml composes ten times faster than PyYAML's parser. A text it refuses is read again by
    PyYAML's parser, whose messages (and limits) are the ones reported and which reads a few texts
    libyaml refuses (`{path:}`): every spec PyYAML's parser reads loads as it did. libyaml also
    reads valid YAML that PyYAML's parser refuses (a `?` inside a flow value: `{pattern: (?i)x}`;
    a tab after a value)."""
    if _FAST is not None and not _PURE_ONLY.search(text):
        try:
            return list(yaml.compose_all(text, Loader=_FAST))
        except (yaml.YAMLError, RecursionError):
            pass  # read again below: PyYAML's message, or its reading
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except RecursionError:
        raise SpecError(_deepest(text, file), "the document nests too deeply to be read") from None
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        mark = Mark(file, where.line + 1, where.column + 1) if where else Mark(file, 1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise SpecError(mark, f"invalid YAML: {problem}{context}") from None
    except yaml.YAMLError as exc:
        raise SpecError(Mark(file, 1, 1), f"invalid YAML: {exc}") from None


def build(documents: list[yaml.Node], text: str, file: str, env: Env) -> Node:
    """The one document of `documents` (composed from `text`) as nodes, with `${VAR}`s expanded
    from `env`."""
    if not documents or documents[0] is None:
        raise SpecError(Mark(file, 1, 1), "the file is empty: expected a mapping with `certify: 1`")
    if len(documents) > 1:
        raise SpecError(_mark(file, documents[1]), "expected one YAML document, found several")
    try:
        return _Builder(file, env).build(documents[0])
    except RecursionError:
        raise SpecError(_deepest(text, file), "the document nests too deeply to be read") from None
    except yaml.constructor.ConstructorError as exc:
        where = exc.problem_mark
        mark = Mark(file, where.line + 1, where.column + 1) if where else Mark(file, 1, 1)
        raise SpecError(mark, f"invalid YAML value: {exc.problem}") from None


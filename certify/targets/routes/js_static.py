"""Express routes (JavaScript and TypeScript) read from the source without running it.

A tokenizer (strings, template literals, regular expressions and comments told apart) with
bracket matching feeds a small evaluator of call chains: `app.use('/api', auth, router)`,
`Router().use('/x', a).use('/y', b)`, `router.route('/x').get(...).post(...)`, path arrays,
receivers that are properties (`this.app`) or function parameters (`function init(app)`, found
through the calls that pass a router), routers imported across files (ES modules and CommonJS,
default and named exports, `index` folders), string constants, `+` and template literals.
Whatever it cannot work out is `Unresolved` (file:line and what), never a guessed path."""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certify.targets.jsfiles import JS_SUFFIXES as JS_SUFFIXES  # re-exported
from certify.targets.routes.model import (
    METHODS,
    Extraction,
    Graph,
    Mount,
    RawRoute,
    Router,
    RouterKey,
    Unresolved,
    Value,
)

VERBS = (*METHODS, "all")
KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "typeof", "return", "await", "new", "case",
            "in", "of", "instanceof", "delete", "void", "throw", "else", "do", "yield", "export", "import",
            "const", "let", "var", "class", "extends", "default", "async", "from", "as", "type", "interface"}
DECORATORS = {"Controller", "JsonController", "Get", "Post", "Put", "Patch", "Delete", "All", "Head",
              "Options"}  # NestJS, routing-controllers
ROUTERISH = re.compile(r"(?i)app|router|routes|api|server|^r$")
RECEIVERS = re.compile(r"^(?:this\.)?(?:app|router|server)$|Router$")  # an unknown `app.get('/x', h)`
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"=>", "return", "typeof", "case", "in", "of", "&&", "||", "??"}


@dataclass
class Tok:
    kind: str  # id, str, tpl, num, p (punctuation), re
    text: str
    line: int
    parts: list[str | list[Tok]] = field(default_factory=list)  # tpl: text and ${...} tokens


def tokenize(text: str, line: int = 1) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f\v\ufeff":
            i += 1
        elif text.startswith("//", i) or text.startswith("#!", i) and i == 0:
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif c in "'\"":
            j, chars = i + 1, []
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    chars.append(text[j + 1])
                    j += 2
                else:
                    chars.append(text[j])
                    j += 1
            toks.append(Tok("str", "".join(chars), line))
            i = j + 1
        elif c == "`":
            start_line, j = line, i + 1
            parts: list[str | list[Tok]] = []
            buf: list[str] = []
            while j < n and text[j] != "`":
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1])
                    j += 2
                elif text.startswith("${", j):
                    k, depth = j + 2, 1
                    while k < n and depth:
                        depth += {"{": 1, "}": -1}.get(text[k], 0)
                        k += 1
                    parts.append("".join(buf))
                    buf = []
                    parts.append(tokenize(text[j + 2: k - 1], line))
                    line += text.count("\n", j, k)
                    j = k
                else:
                    line += text[j] == "\n"
                    buf.append(text[j])
                    j += 1
            parts.append("".join(buf))
            toks.append(Tok("tpl", "".join(p for p in parts if isinstance(p, str)), start_line, parts))
            i = j + 1
        elif c.isalpha() or c in "_$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            toks.append(Tok("id", text[i:j], line))
            i = j
        elif c.isdigit():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            toks.append(Tok("num", text[i:j], line))
            i = j
        elif c == "/" and (not toks or toks[-1].text in REGEX_AFTER and toks[-1].kind in ("p", "id")):
            j, in_class = i + 1, False
            while j < n and text[j] != "\n" and (in_class or text[j] != "/"):
                if text[j] == "\\":
                    j += 1
                elif text[j] == "[":
                    in_class = True
                elif text[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and text[j].isalpha():
                j += 1
            toks.append(Tok("re", text[i:j], line))
            i = j
        else:
            three, two = text[i:i + 3], text[i:i + 2]
            op = three if three in ("...", "===", "!==") else two if two in (
                "=>", "?.", "&&", "||", "??", "==", "!=", "<=", ">=", "+=", "-=") else c
            toks.append(Tok("p", op, line))
            i += len(op)
    return toks


def brackets(toks: list[Tok]) -> dict[int, int]:
    """Each opening bracket's index -> its closing bracket's index."""
    match, stack = {}, []
    for i, t in enumerate(toks):
        if t.kind != "p":
            continue
        if t.text in "([{":
            stack.append(i)
        elif t.text in ")]}" and stack:
            match[stack.pop()] = i
    return match


def split_args(toks: list[Tok], match: dict[int, int], a: int, b: int) -> list[tuple[int, int]]:
    """The top-level comma-separated ranges of toks[a:b]."""
    out, start, i = [], a, a
    while i < b:
        if i in match:
            i = match[i] + 1
            continue
        if toks[i].kind == "p" and toks[i].text == ",":
            out.append((start, i))
            start = i + 1
        i += 1
    if start < b:
        out.append((start, b))
    return out


# -- values --------------------------------------------------------------------------------

class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


EXPRESS, ROUTER_FN, REQUIRE, UNKNOWN = _Marker("express"), _Marker("Router"), _Marker("require"), _Marker("?")
INTEROP = _Marker("__importDefault")


@dataclass(frozen=True)
class RouterRef:
    key: RouterKey


@dataclass(frozen=True)
class RouteObj:  # router.route('/x')
    key: RouterKey
    paths: tuple[str, ...] | Unresolved


@dataclass(frozen=True)
class BoundMethod:
    obj: Any
    name: str


@dataclass(frozen=True)
class ModuleObj:
    file: str


@dataclass(frozen=True)
class Func:
    file: str
    index: int  # into the file's functions


@dataclass(frozen=True)
class ObjLit:
    file: str
    start: int  # the `{` token
    end: int


@dataclass(frozen=True)
class ClassObj:  # a class of the scanned files; `new X()` is an instance whose this.* are its fields
    file: str
    instance: bool = False


@dataclass(frozen=True)
class External:
    spec: str


@dataclass
class Function:
    name: str
    params: list[str]
    start: int  # body's first token
    end: int  # body's last token
    line: int


@dataclass
class JsFile:
    rel: str
    toks: list[Tok]
    match: dict[int, int]
    bindings: dict[str, int] = field(default_factory=dict)  # name -> first token of its value
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (spec, exported name)
    exports: dict[str, int | str] = field(default_factory=dict)  # exported -> token index or local name
    star_exports: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    branches: list[tuple[int, int, int, int]] = field(default_factory=list)  # if: cond start/end, body lines
    functions: list[Function] = field(default_factory=list)
    by_param: dict[str, list[Function]] = field(default_factory=dict)  # parameter name -> functions
    param_starts: dict[str, list[int]] = field(default_factory=dict)  # ... and where their bodies start
    function_starts: list[int] = field(default_factory=list)  # every function's body start, sorted
    function_order: list[int] = field(default_factory=list)  # ... and its index in `functions`


class JsProject:
    def __init__(self, files: dict[str, JsFile]) -> None:
        self.files = files
        self.graph = Graph("express")
        self.memo: dict[tuple[str, int], Any] = {}
        self.params: dict[RouterKey, str] = {}  # parameters that may be routers -> where
        self.env: dict[str, Any] = {}  # a loop variable's value while its body runs
        self.expanded: dict[str, list[tuple[int, int]]] = {}  # loop bodies run once per element
        self.seen: set[tuple[Any, ...]] = set()  # routes and mounts recorded (a chain may be met twice)
        self.busy: set[tuple[str, int]] = set()
        stems: dict[str, list[str]] = {}
        for rel in files:
            stem = re.sub(r"\.(?:[cm]?[jt]sx?)$", "", rel)
            stems.setdefault(stem, []).append(rel)
            if stem.endswith("/index"):
                stems.setdefault(stem[: -len("/index")], []).append(rel)
        self.stems = stems

    # -- modules ---------------------------------------------------------------------------

    def module_file(self, base: str, spec: str) -> str | None:
        if spec.startswith("."):
            parts = base.split("/")[:-1]
            for piece in spec.split("/"):
                if piece == "..":
                    parts = parts[:-1]
                elif piece not in (".", ""):
                    parts.append(piece)
            stem = re.sub(r"\.(?:[cm]?[jt]sx?)$", "", "/".join(parts))
            found = self.stems.get(stem)
            return sorted(found)[0] if found else None
        m = re.match(r"[@~#]/(.+)", spec)  # a path alias such as @/routes/users
        if m:
            tail = re.sub(r"\.(?:[cm]?[jt]sx?)$", "", m.group(1))
            found = sorted(s for s in self.stems if s == tail or s.endswith("/" + tail))
            return sorted(self.stems[found[0]])[0] if found else None
        return None

    def export(self, rel: str, name: str, where: str, seen: frozenset[tuple[str, str]] = frozenset()) -> Any:
        f = self.files[rel]
        if (rel, name) in seen:
            raise Unresolved(f"{where}: `{name}` of {rel} is exported in a cycle")
        seen = seen | {(rel, name)}
        target = f.exports.get(name)
        if target is None and name == "default":
            target = f.exports.get("module.exports")
        if target is None and name == "module.exports":
            target = f.exports.get("default")
        if target is None and name != "default" and "module.exports" in f.exports:
            whole = self.expr_value(rel, f.exports["module.exports"], where)  # type: ignore[arg-type]
            if isinstance(whole, ObjLit):
                return self.member(whole, name, where)
        if isinstance(target, int):
            return self.expr_at(rel, target, where)
        if isinstance(target, str):
            if "\0" in target:  # re-export: spec \0 name
                spec, _, other = target.partition("\0")
                file = self.module_file(rel, spec)
                if file is None:
                    raise Unresolved(f"{where}: '{spec}' (re-exported by {rel}) is not in the scanned files")
                return self.export(file, other, where, seen) if other != "*" else ModuleObj(file)
            return self.name(rel, target, None, where)
        for spec in f.star_exports:
            file = self.module_file(rel, spec)
            if file and (name in self.files[file].exports):
                return self.export(file, name, where, seen)
        raise Unresolved(f"{where}: {rel} exports no `{name}`")

    # -- names -----------------------------------------------------------------------------

    def statements(self, rel: str, start: int, end: int, env: dict[str, Any] | None = None) -> None:
        """Evaluate every call chain in toks[start:end] (routes and mounts are recorded as met);
        with `env`, a loop body once per element, unmemoised."""
        f = self.files[rel]
        toks, n = f.toks, len(f.toks)
        i = start
        while i < end:
            skip = next((e for s, e in self.expanded.get(rel, ()) if s <= i <= e), None)
            if skip is not None and env is None:  # a loop body already run once per element
                i = skip + 1
                continue
            t = toks[i]
            i += 1
            if t.kind != "id" or t.text in KEYWORDS and t.text != "this":
                continue
            j = i - 1
            if j and toks[j - 1].kind == "p" and toks[j - 1].text in (".", "?."):
                continue
            if j and toks[j - 1].kind == "id" and toks[j - 1].text in ("function", "class"):
                continue
            nxt = toks[i] if i < n else None
            if nxt is None or nxt.text not in (".", "(", "?.", "["):
                continue
            if nxt.text == "(" and i in f.match and f.match[i] + 1 < n \
                    and toks[f.match[i] + 1].text == "{":  # a method definition `init(app) {`
                continue
            with contextlib.suppress(Unresolved):
                if env is None:
                    self.expr_at(rel, j, f"{rel}:{t.line}")
                else:
                    saved, self.env = self.env, env
                    try:
                        self.expr(rel, toks, f.match, j, self.expr_end(f, j), f"{rel}:{t.line}")
                    finally:
                        self.env = saved

    def for_each(self, rel: str, items: list[Any], args: list[tuple[int, int]], where: str) -> Any:
        """`ROUTES.forEach((r) => router.use(r.path, r.route))` over a literal array: the body
        once per element."""
        f = self.files[rel]
        if not args:
            return UNKNOWN
        a, b = args[0]
        fn = next((g for g in f.functions if a <= g.start <= b), None)
        if fn is None or not fn.params or "\0" in fn.params[:1]:
            raise Unresolved(f"{where}: forEach over a list with a callback static reading does not follow")
        self.expanded.setdefault(rel, []).append((fn.start, fn.end))
        for item in items:
            self.statements(rel, fn.start, fn.end + 1, {**self.env, fn.params[0]: item})
        return UNKNOWN

    def function_at(self, rel: str, i: int, name: str) -> Function | None:
        """The innermost function around token i that has a parameter `name`."""
        fns = self.files[rel].by_param.get(name)
        if not fns:
            return None
        starts = self.files[rel].param_starts[name]
        for k in range(bisect.bisect_right(starts, i) - 1, -1, -1):  # innermost first
            if fns[k].end >= i:
                return fns[k]
        return None

    def name(self, rel: str, name: str, at: int | None, where: str) -> Any:
        f = self.files[rel]
        if name in self.env:
            return self.env[name]
        if name in ("__importDefault", "__importStar", "_interopRequireDefault", "_interopRequireWildcard"):
            return INTEROP  # the helpers TypeScript and Babel compile imports to
        if at is not None:
            fn = self.function_at(rel, at, name)
            if fn is not None:
                key = (rel, f"{fn.name}.{name}")
                if ROUTERISH.search(name):
                    self.params[key] = f"{rel}:{fn.line}"
                return RouterRef(key)
        if name in f.bindings:
            return self.expr_at(rel, f.bindings[name], where)
        if name in f.imports:
            spec, exported = f.imports[name]
            if spec == "express":
                return EXPRESS if exported in ("default", "*", "module.exports") else \
                    ROUTER_FN if exported == "Router" else UNKNOWN
            if exported == "Router" or name == "express" and exported in ("default", "*"):
                return ROUTER_FN if exported == "Router" else EXPRESS  # a wrapper with express's surface
            file = self.module_file(rel, spec)
            if file is None:
                if spec.startswith((".", "@/", "~/", "#/")):
                    raise Unresolved(f"{where}: `{name}` is imported from '{spec}', which is not in the "
                                     "scanned files")
                return External(spec)
            if exported == "*":
                return ModuleObj(file)
            return self.export(file, exported, where)
        for i, fn in enumerate(f.functions):
            if fn.name == name:
                return Func(rel, i)
        if name in f.classes:
            return ClassObj(rel)
        if name == "express":
            return EXPRESS
        if name == "Router":
            return ROUTER_FN
        if name == "require":
            return REQUIRE
        return UNKNOWN

    # -- expressions -----------------------------------------------------------------------

    def expr_at(self, rel: str, start: int, where: str) -> Any:
        """The value of the expression that starts at token `start` (memoised: chains register
        routes and mounts once)."""
        key = (rel, start)
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            raise Unresolved(f"{where}: a value refers to itself")
        self.busy.add(key)
        try:
            f = self.files[rel]
            end = self.expr_end(f, start)
            value = self.expr(rel, f.toks, f.match, start, end, where)
        except Unresolved as exc:
            value = exc
        finally:
            self.busy.discard(key)
        self.memo[key] = value
        if isinstance(value, Unresolved):
            raise value
        return value

    def expr_value(self, rel: str, start: int, where: str) -> Any:
        return self.expr_at(rel, start, where)

    @staticmethod
    def expr_end(f: JsFile, start: int) -> int:
        i, toks = start, f.toks
        while i < len(toks):
            if i in f.match:
                i = f.match[i] + 1
                continue
            t = toks[i]
            if t.kind == "p" and t.text in (";", ",", ")", "]", "}"):
                break
            if i > start and t.line != toks[i - 1].line and t.kind == "id" and toks[i - 1].kind != "p" \
                    and t.text not in ("as",):  # ASI: a new statement on a new line
                break
            i += 1
        return i

    def expr(self, rel: str, toks: list[Tok], match: dict[int, int], a: int, b: int, where: str) -> Any:
        while a < b and toks[a].kind == "p" and toks[a].text == "(" and match.get(a) == b - 1:
            a, b = a + 1, b - 1
            parts = split_args(toks, match, a, b)
            if len(parts) > 1:  # `(0, express_1.default)`: the comma operator's last operand
                a, b = parts[-1]
        if a >= b:
            raise Unresolved(f"{where}: an empty expression")
        where = f"{rel}:{toks[a].line}"
        # `x as Type`, `x satisfies T`, `x!`: TypeScript, dropped
        for i in range(a, b):
            if i in match:
                continue
            if toks[i].kind == "id" and toks[i].text in ("as", "satisfies") and i > a:
                b = i
                break
        parts, start, i = [], a, a
        while i < b:
            if i in match:
                i = match[i] + 1
                continue
            t = toks[i]
            if t.kind == "p" and t.text in ("===", "==", "!=", "!==") and not parts:  # `config.env === 'dev'`
                left = self.expr(rel, toks, match, a, i, where)
                right = self.expr(rel, toks, match, i + 1, b, where)
                if all(isinstance(v, str | int | bool) or v is None for v in (left, right)):
                    return (left == right) == (t.text in ("===", "=="))
            if t.kind == "p" and t.text in ("||", "??", "&&", "?", "===", "==", "!=", "!==", ">", "<"):
                if any(x.kind == "id" and x.text == "process" for x in toks[a:b]):
                    raise Unresolved(f"{where}: `{_src(toks, a, b)}` comes from the environment")
                raise Unresolved(f"{where}: `{_src(toks, a, b)}` is not a constant")
            if t.kind == "p" and t.text == "+":
                parts.append((start, i))
                start = i + 1
            i += 1
        if parts:
            parts.append((start, b))
            values = [self.expr(rel, toks, match, x, y, where) for x, y in parts]
            if all(isinstance(v, str | int) for v in values):
                return "".join(str(v) for v in values)
            raise Unresolved(f"{where}: `{_src(toks, a, b)}` is not a constant")
        t = toks[a]
        if b - a == 1 and t.kind == "str":
            return t.text
        if b - a == 1 and t.kind == "num":
            return t.text
        if b - a == 1 and t.kind == "re":
            raise Unresolved(f"{where}: a regular expression path ({t.text}) cannot be listed statically")
        if b - a == 1 and t.kind == "tpl":
            out = []
            for p in t.parts:
                if isinstance(p, str):
                    out.append(p)
                else:
                    v = self.expr(rel, p, brackets(p), 0, len(p), where)
                    if not isinstance(v, str | int):
                        inner = _src(p, 0, len(p))
                        raise Unresolved(f"{where}: `${{{inner}}}` in a template is not a constant")
                    out.append(str(v))
            return "".join(out)
        if t.kind == "p" and t.text == "[" and match.get(a) == b - 1:
            items = split_args(toks, match, a + 1, b - 1)
            return [self.expr(rel, toks, match, x, y, where) for x, y in items]
        if t.kind == "p" and t.text == "{" and match.get(a) == b - 1:
            return ObjLit(rel, a, b - 1) if toks is self.files[rel].toks else UNKNOWN
        if t.kind == "id" and t.text in ("function", "async", "class") \
                or a + 1 < b and toks[a + 1].text == "=>" \
                or t.text == "(" and a in match and match[a] + 1 < b and toks[match[a] + 1].text == "=>":
            if toks is self.files[rel].toks and t.text != "class":  # a function: callable with routers
                f = self.files[rel]
                k = bisect.bisect_left(f.function_starts, a)  # the outermost function that starts here
                if k < len(f.function_starts) and f.function_starts[k] < b:
                    return Func(rel, f.function_order[k])
            return UNKNOWN  # a handler
        if t.kind == "id" and t.text == "new":
            a += 1
        if a < b and toks[a].kind == "id":
            return self.chain(rel, toks, match, a, b, where)
        if a < b and toks[a].text == "(" and a in match:  # `(0, express_1.default)()`
            return self.chain(rel, toks, match, a, b, where,
                              base=(self.expr(rel, toks, match, a, match[a] + 1, where), match[a] + 1))
        raise Unresolved(f"{where}: `{_src(toks, a, b)}` is not a constant")

    def chain(self, rel: str, toks: list[Tok], match: dict[int, int], a: int, b: int, where: str,
              base: tuple[Any, int] | None = None) -> Any:
        """`base.prop(args).prop...` evaluated left to right; routes and mounts are recorded as
        the calls are met. `base`: the value of a parenthesised start and where it ends."""
        own = toks is self.files[rel].toks
        name = toks[a].text
        obj: Any
        if base is not None:
            obj, i = base
        elif name == "this" and a + 2 < b and toks[a + 1].text == ".":
            obj = self.name(rel, "this." + toks[a + 2].text, None, where)
            i = a + 3
            self.unknown_receiver(rel, toks, match, obj, f"this.{toks[a + 2].text}", i, b, where)
        elif name == "module" and a + 2 < b and toks[a + 2].text == "exports":
            return UNKNOWN
        elif name == "process" and a + 2 < b and toks[a + 2].text == "env":
            raise Unresolved(f"{where}: `{_src(toks, a, b)}` comes from the environment")
        else:
            try:
                obj = self.name(rel, name, a if own else None, where)
            except Unresolved as exc:  # a route or mount on something that is not resolved
                if a + 3 < b and toks[a + 1].text == "." and toks[a + 3].text == "(":
                    verb = toks[a + 2].text
                    if verb == "use":
                        self.graph.pending.append(f"{where}: {name}.use(...) not resolved: "
                                                  f"{exc.what.split(': ', 1)[-1]}")
                    elif verb in (*VERBS, "route"):
                        self.graph.routes.append(RawRoute((rel, name), ["?"], exc, where))
                raise
            i = a + 1
            self.unknown_receiver(rel, toks, match, obj, name, i, b, where)
        while i < b:
            t = toks[i]
            if t.kind == "p" and t.text in (".", "?.") and i + 1 < b and toks[i + 1].kind in ("id", "p"):
                if toks[i + 1].kind == "p":  # `?.(` or `?.[`
                    i += 1
                    continue
                obj = self.member(obj, toks[i + 1].text, where)
                i += 2
            elif t.kind == "p" and t.text == "(" and i in match:
                args = split_args(toks, match, i + 1, match[i])
                obj = self.call(rel, toks, match, obj, args, f"{rel}:{t.line}", i if own else -1)
                i = match[i] + 1
            elif t.kind == "p" and t.text == "[" and i in match:
                if isinstance(obj, RouterRef) and match[i] + 1 < b and toks[match[i] + 1].text == "(":
                    self.graph.routes.append(RawRoute(obj.key, ["?"], Unresolved(
                        f"{where}: `{_src(toks, a, match[i] + 1)}(...)`: a computed method, not listed "
                        "statically (set code.app to ask express)"), where))
                obj = UNKNOWN
                i = match[i] + 1
            elif t.kind == "p" and t.text == "!":  # TypeScript non-null assertion
                i += 1
            elif t.kind == "p" and t.text == "<":  # generic arguments: `Router<...>()`
                depth, j = 0, i
                while j < b:
                    depth += {"<": 1, ">": -1}.get(toks[j].text, 0)
                    if depth == 0:
                        break
                    j += 1
                i = j + 1
            else:
                if isinstance(obj, str | list):
                    raise Unresolved(f"{where}: `{_src(toks, a, b)}` is not a constant")
                return UNKNOWN
        return obj

    def unknown_receiver(self, rel: str, toks: list[Tok], match: dict[int, int], obj: Any, name: str,
                         i: int, b: int, where: str) -> None:
        """`app.get('/x', handler)` on an `app` that static reading could not follow (a global, a
        class field it does not see, a package's export): fail closed rather than skip it."""
        if isinstance(obj, RouterRef | RouteObj | ObjLit | ModuleObj | Func | ClassObj) \
                or obj is EXPRESS or obj is ROUTER_FN:
            return
        if not RECEIVERS.search(name) or i + 2 >= b or toks[i].text != "." or toks[i + 2].text != "(":
            return
        verb, paren = toks[i + 1].text, i + 2
        args = split_args(toks, match, paren + 1, match.get(paren, paren))
        first = toks[args[0][0]] if args else None
        if verb in VERBS and len(args) >= 2 and first is not None and first.kind in ("str", "tpl") \
                and first.text.startswith("/") or verb == "use" and len(args) >= 2:
            what = "comes from a package" if isinstance(obj, External) else \
                "is not defined where static reading looks"
            self.graph.routes.append(RawRoute((rel, name), ["?"], Unresolved(
                f"{where}: `{name}` {what}: its routes cannot be listed (scan that code, or set code.app "
                "to ask express)"), where))

    def member(self, obj: Any, name: str, where: str) -> Any:
        if obj is EXPRESS:  # express.Router; express_1.default (TypeScript's compiled import)
            return ROUTER_FN if name == "Router" else EXPRESS if name == "default" else UNKNOWN
        if isinstance(obj, ModuleObj):
            return self.export(obj.file, name, where)
        if isinstance(obj, RouterRef) and obj.key not in self.graph.routers and obj.key not in self.params \
                and name not in (*VERBS, "use", "route"):  # `controller.router`, a parameter's property
            raise Unresolved(f"{where}: `{obj.key[1].rpartition('.')[2]}.{name}`: a parameter's property, "
                             "not followed statically")
        if isinstance(obj, RouterRef | RouteObj):
            return BoundMethod(obj, name)
        if isinstance(obj, ObjLit):
            f = self.files[obj.file]
            for x, y in split_args(f.toks, f.match, obj.start + 1, obj.end):
                t = f.toks[x]
                if t.kind in ("id", "str") and t.text == name:
                    if y - x == 1:  # shorthand `{ router }`
                        return self.name(obj.file, name, None, where)
                    if f.toks[x + 1].text == ":":
                        return self.expr_at(obj.file, x + 2, where)
            raise Unresolved(f"{where}: the object at {obj.file}:{f.toks[obj.start].line} has no `{name}`")
        if isinstance(obj, ClassObj) and obj.instance:
            return self.name(obj.file, "this." + name, None, where)
        if isinstance(obj, External | _Marker):
            return UNKNOWN
        if isinstance(obj, list) and name == "forEach":
            return BoundMethod(obj, name)
        if isinstance(obj, str | list):
            raise Unresolved(f"{where}: `.{name}` of a constant is not evaluated")
        return UNKNOWN

    def call(self, rel: str, toks: list[Tok], match: dict[int, int], obj: Any, args: list[tuple[int, int]],
             where: str, paren: int) -> Any:
        g = self.graph
        if obj is EXPRESS or obj is ROUTER_FN:
            key = (rel, f"{'express' if obj is EXPRESS else 'Router'}()@{paren}")
            g.routers.setdefault(key, Router("app" if obj is EXPRESS else "router", None, where))
            return RouterRef(key)
        if obj is INTEROP:  # __importDefault(require('express')): the module itself
            return self.expr(rel, toks, match, *args[0], where) if args else UNKNOWN
        if obj is REQUIRE:
            if args and args[0][1] - args[0][0] == 1 and toks[args[0][0]].kind == "str":
                spec = toks[args[0][0]].text
                if spec == "express":
                    return EXPRESS
                file = self.module_file(rel, spec)
                if file:
                    return ModuleObj(file)
                if spec.startswith("."):
                    raise Unresolved(f"{where}: require('{spec}'): not in the scanned files")
                return External(spec)
            raise Unresolved(f"{where}: require({_src(toks, *args[0]) if args else ''}): a module computed "
                             "at run time")
        if isinstance(obj, Func):
            return self.call_function(rel, toks, match, obj, args, where)
        if isinstance(obj, ClassObj):
            return ClassObj(obj.file, instance=True)
        if isinstance(obj, ModuleObj):  # require('./routes')(app)
            try:
                target = self.export(obj.file, "module.exports", where)
            except Unresolved:
                return UNKNOWN
            return self.call_function(rel, toks, match, target, args, where) if isinstance(target, Func) \
                else UNKNOWN
        if not isinstance(obj, BoundMethod):
            return UNKNOWN
        recv, verb = obj.obj, obj.name
        if isinstance(recv, list) and verb == "forEach":
            return self.for_each(rel, recv, args, where)
        if isinstance(recv, RouterRef) and verb == "use":
            self.use(rel, toks, match, recv.key, args, where)
            return recv
        if isinstance(recv, RouterRef) and verb == "route" and args:
            try:
                paths: tuple[str, ...] | Unresolved = self.paths(rel, toks, match, *args[0], where)
            except Unresolved as exc:
                paths = exc
            return RouteObj(recv.key, paths)
        if verb in VERBS and isinstance(recv, RouteObj):
            self.add_route(recv.key, verb, recv.paths, where)
            return recv
        if verb in VERBS and isinstance(recv, RouterRef) and len(args) >= 2:
            try:
                found: tuple[str, ...] | Unresolved = self.paths(rel, toks, match, *args[0], where)
            except Unresolved as exc:
                found = exc
            self.add_route(recv.key, verb, found, where)
            return recv
        return UNKNOWN

    def paths(self, rel: str, toks: list[Tok], match: dict[int, int], a: int, b: int,
              where: str) -> tuple[str, ...]:
        v = self.expr(rel, toks, match, a, b, where)
        if isinstance(v, str):
            return (v,)
        if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
            return tuple(v)
        raise Unresolved(f"{where}: the path `{_src(toks, a, b)}` is not a string")

    def receiver(self, key: RouterKey) -> bool:
        """Whether `key` is a router (a parameter named like one becomes one when used as one)."""
        if key not in self.graph.routers and key in self.params:
            self.graph.routers[key] = Router("param", None, self.params[key])
        return key in self.graph.routers

    def condition(self, where: str) -> str:
        """`file:line: if X` when `where` lies in a branch whose condition cannot be decided."""
        rel, _, line_text = where.rpartition(":")
        f = self.files.get(rel)
        if f is None or not line_text.isdigit():
            return ""
        line = int(line_text)
        for a, b, first, last in f.branches:
            if first <= line <= last:
                try:
                    decided = self.expr(rel, f.toks, f.match, a, b, where)
                    if isinstance(decided, str | int | bool | list) or decided is None:
                        continue
                except Unresolved:
                    pass
                return f"{rel}:{f.toks[a].line}: if ({_src(f.toks, a, b)})"
        return ""

    def add_route(self, key: RouterKey, verb: str, paths: tuple[str, ...] | Unresolved, where: str) -> None:
        method = verb.upper()
        if not self.receiver(key) or (key, method, str(paths), where) in self.seen:
            return
        self.seen.add((key, method, str(paths), where))
        if isinstance(paths, Unresolved):
            self.graph.routes.append(RawRoute(key, [method], paths, where))
            return
        for p in paths:
            self.graph.routes.append(RawRoute(key, [method], p, where, condition=self.condition(where)))

    def use(self, rel: str, toks: list[Tok], match: dict[int, int], parent: RouterKey,
            args: list[tuple[int, int]], where: str) -> None:
        prefixes: list[Value] = [""]
        rest = args
        if args:
            t = toks[args[0][0]]
            if t.kind in ("str", "tpl") or t.kind == "p" and t.text == "[":
                rest = args[1:]
                try:
                    prefixes = list(self.paths(rel, toks, match, *args[0], where))
                except Unresolved as exc:
                    prefixes = [exc]
            elif t.kind == "id" or t.kind == "p" and t.text == "(":
                try:
                    first = self.expr(rel, toks, match, *args[0], where)
                    if isinstance(first, str | list):
                        prefixes = list(self.paths(rel, toks, match, *args[0], where))
                        rest = args[1:]
                except Unresolved as exc:
                    if len(args) > 1:  # `app.use(PREFIX, router)`: the mount path is not known
                        prefixes, rest = [exc], args[1:]
        for x, y in rest:
            try:
                child = self.expr(rel, toks, match, x, y, where)
            except Unresolved as exc:
                self.graph.pending.append(f"{where}: use({_src(toks, x, y)}) not resolved: "
                                          f"{exc.what.split(': ', 1)[-1]}")
                continue
            for one in child if isinstance(child, list) else [child]:  # app.use('/api', [a, b])
                if isinstance(one, ModuleObj):
                    try:
                        one = self.export(one.file, "module.exports", where)
                    except Unresolved:
                        one = UNKNOWN
                if isinstance(one, RouterRef) and self.receiver(parent) and self.receiver(one.key) \
                        and (parent, one.key, where) not in self.seen:
                    self.seen.add((parent, one.key, where))
                    for prefix in prefixes:
                        self.graph.mounts.append(Mount(parent, one.key, prefix, where,
                                                       condition=self.condition(where)))

    def call_function(self, rel: str, toks: list[Tok], match: dict[int, int], fn: Func,
                      args: list[tuple[int, int]], where: str) -> Any:
        """`init(app)`: each parameter given a router is that router; the value is what the
        function returns when it returns a router (`module.exports = (db) => { ...; return router }`)."""
        spec = self.files[fn.file].functions[fn.index]
        for param, (x, y) in zip(spec.params, args, strict=False):
            try:
                v = self.expr(rel, toks, match, x, y, where)
            except Unresolved:
                continue
            child = (fn.file, f"{spec.name}.{param}")
            if isinstance(v, RouterRef) and self.receiver(v.key) and (v.key, child) not in self.seen:
                self.seen.add((v.key, child))
                self.graph.routers.setdefault(child, Router("param", None, f"{fn.file}:{spec.line}"))
                self.graph.mounts.append(Mount(v.key, child, "", where, alias=True,
                                               condition=self.condition(where)))
        f = self.files[fn.file]
        for i in range(spec.start, spec.end + 1):
            t = f.toks[i]
            if t.kind == "id" and t.text == "return" and i + 1 < len(f.toks) and f.toks[i + 1].kind == "id" \
                    and not any(spec.start < g.start <= i <= g.end for g in f.functions):
                try:
                    return self.expr_at(fn.file, i + 1, where)
                except Unresolved:
                    return UNKNOWN
        if spec.end + 1 == self.expr_end(f, spec.start) and f.toks[spec.start].text != "{":  # `() => router`
            try:
                return self.expr_at(fn.file, spec.start, where)
            except Unresolved:
                return UNKNOWN
        return UNKNOWN


def _src(toks: list[Tok], a: int, b: int) -> str:
    text = ""
    for t in toks[a:b]:
        piece = repr(t.text) if t.kind == "str" else f"`{t.text}`" if t.kind == "tpl" else t.text
        spaced = t.kind == "p" and t.text in ("||", "&&", "??", "+", "=", "=>", "?", ":", "===", "==")
        glue = "" if not text or t.kind == "p" and not spaced or text[-1] in ".([{" else " "
        text += glue + piece + (" " if spaced else "")
    return text if len(text) <= 60 else text[:57] + "..."


def index_file(rel: str, text: str) -> JsFile:
    toks = tokenize(text)
    match = brackets(toks)
    f = JsFile(rel, toks, match)
    n = len(toks)

    def at(i: int, *texts: str) -> bool:
        return i < n and toks[i].text in texts and toks[i].kind in ("id", "p")

    def skip_type(i: int) -> int:
        """After `name`, skip a TypeScript annotation `: Type` up to `=`."""
        if at(i, ":"):
            while i < n and not at(i, "=", ";") and toks[i].line == toks[i - 1].line or i in match:
                i = match[i] + 1 if i in match else i + 1
        return i

    for i, t in enumerate(toks):
        if t.kind != "id":
            continue
        prev = toks[i - 1].text if i else ""
        # bindings: const x = ..., x = ..., this.x = ..., export const x = ...
        if t.text in ("const", "let", "var") and i + 1 < n:
            j = i + 1
            if toks[j].kind == "id":
                k = skip_type(j + 1)
                if at(k, "="):
                    f.bindings[toks[j].text] = k + 1
                    if prev == "export":
                        f.exports[toks[j].text] = toks[j].text
            elif at(j, "{") and j in match and at(match[j] + 1, "="):  # const { a, b: c } = require(...)
                src = match[j] + 2
                for x, y in split_args(toks, match, j + 1, match[j]):
                    names = [tk.text for tk in toks[x:y] if tk.kind == "id"]
                    if not names:
                        continue
                    spec = _require_spec(toks, src)
                    if spec is not None:
                        f.imports[names[-1]] = (spec, names[0])
        elif prev == "." and i >= 2 and toks[i - 2].text == "this" and at(i + 1, "=") and not at(i + 2, "="):
            f.bindings["this." + t.text] = i + 2
        elif t.text == "import" and prev != ".":
            _read_import(f, i)
        elif t.text == "export":
            _read_export(f, i)
        elif t.text == "module" and at(i + 1, ".") and i + 2 < n and toks[i + 2].text == "exports":
            if at(i + 3, "="):
                f.exports["module.exports"] = i + 4
            elif at(i + 3, ".") and at(i + 5, "="):
                f.exports[toks[i + 4].text] = i + 6
        elif t.text == "exports" and prev != "." and at(i + 1, ".") and at(i + 3, "="):
            f.exports[toks[i + 2].text] = i + 4
        # functions: function name(params) {...}, (params) => {...}, p => ..., name(params) {...}
        if t.text == "function":
            j = i + 1
            if at(j, "*"):
                j += 1
            name = ""
            if j < n and toks[j].kind == "id":
                name = toks[j].text
                j += 1
            if at(j, "(") and j in match:
                close = match[j]
                body = close + 1
                while body < n and not at(body, "{"):
                    body += 1
                if body in match:
                    name = name or _assigned_name(toks, i)
                    f.functions.append(Function(name, _params(toks, match, j), body, match[body], t.line))
    for i, t in enumerate(toks):  # class fields: `public router = Router();` is this.router
        if t.kind != "id" or t.text != "class":
            continue
        if i + 1 < n and toks[i + 1].kind == "id":
            f.classes.add(toks[i + 1].text)
        brace = i + 1
        while brace < n and not at(brace, "{"):
            brace += 1
        k, end = brace + 1, match.get(brace, brace)
        while k < end:
            if k in match:
                k = match[k] + 1
                continue
            if toks[k].kind == "id" and (at(k + 1, "=", ":", "?", "!")):
                j = skip_type(k + 1 + at(k + 1, "?", "!"))
                if at(j, "=") and not at(j + 1, ">"):
                    f.bindings.setdefault("this." + toks[k].text, j + 1)
            k += 1
    for i, t in enumerate(toks):  # if (cond) {...} else {...}: the lines each condition governs
        if t.kind != "id" or t.text != "if" or not at(i + 1, "(") or i + 1 not in match:
            continue
        close = match[i + 1]
        body = close + 1
        end = match[body] if at(body, "{") and body in match else JsProject.expr_end(f, body)
        if end + 1 < n and toks[end + 1].text == "else":
            k = end + 2
            end = match[k] if at(k, "{") and k in match else JsProject.expr_end(f, k)
        if close + 1 < n and end < n:
            f.branches.append((i + 2, close, toks[close].line, toks[min(end, n - 1)].line))
    openers = {c: o for o, c in match.items()}
    for i, t in enumerate(toks):
        if t.kind == "p" and t.text == "=>":
            j = i - 1
            if at(j, ")"):
                opener = openers.get(j)
                if opener is None:
                    continue
                params = _params(toks, match, opener)
                head = opener
            elif toks[j].kind == "id":
                params, head = [toks[j].text], j
            else:
                continue
            if head > 0 and toks[head - 1].text == "async":
                head -= 1
            body = i + 1
            end = match[body] if at(body, "{") and body in match else JsProject.expr_end(f, body) - 1
            f.functions.append(Function(_assigned_name(toks, head), params, body, end, t.line))
    for fn in sorted(f.functions, key=lambda fn: fn.start):
        for p in fn.params:
            f.by_param.setdefault(p, []).append(fn)
    f.param_starts = {p: [fn.start for fn in fns] for p, fns in f.by_param.items()}
    f.function_order = sorted(range(len(f.functions)), key=lambda k: f.functions[k].start)
    f.function_starts = [f.functions[k].start for k in f.function_order]
    return f


def _params(toks: list[Tok], match: dict[int, int], opener: int) -> list[str]:
    out = []
    for x, _y in split_args(toks, match, opener + 1, match[opener]):
        if toks[x].kind == "id":
            out.append(toks[x].text)
        else:
            out.append("\0")
    return out


def _assigned_name(toks: list[Tok], head: int) -> str:
    """The name a function expression starting at `head` is given: `const init = (...) =>`,
    `export default function`, `module.exports = ...`."""
    j = head - 1
    if j >= 0 and toks[j].text == "default" and j >= 1 and toks[j - 1].text == "export":
        return "default"
    if j >= 1 and toks[j].text == "=":
        k = j - 1
        if toks[k].kind == "id" and toks[k].text == "exports" and k >= 2 and toks[k - 2].text == "module":
            return "module.exports"
        while k >= 0 and toks[k].kind != "id":
            k -= 1
        return toks[k].text if k >= 0 else ""
    return ""


def _names(toks: list[Tok], x: int, y: int) -> list[str]:
    """The names of one `a as b` entry of an import or export list."""
    return [t.text for t in toks[x:y] if t.kind in ("id", "str") and t.text not in ("as", "type")]


def _require_spec(toks: list[Tok], i: int) -> str | None:
    if i + 2 < len(toks) and toks[i].text == "require" and toks[i + 1].text == "(" \
            and toks[i + 2].kind == "str":
        return toks[i + 2].text
    return None


def _read_import(f: JsFile, i: int) -> None:
    toks, match, n = f.toks, f.match, len(f.toks)
    j = i + 1
    if j < n and toks[j].text == "type":
        return
    if j < n and toks[j].kind == "str":
        return
    end = j
    while end < n and not (toks[end].kind == "id" and toks[end].text == "from"):
        end = match.get(end, end) + 1
    if end + 1 >= n or toks[end + 1].kind != "str":
        return
    spec = toks[end + 1].text
    k = j
    while k < end:
        t = toks[k]
        if t.kind == "id" and t.text not in ("as",) and (k + 1 >= end or toks[k + 1].text == ","):
            f.imports[t.text] = (spec, "default")
        if t.text == "*" and k + 2 < end and toks[k + 1].text == "as":
            f.imports[toks[k + 2].text] = (spec, "*")
            k += 3
            continue
        if t.text == "{" and k in match:
            for x, y in split_args(toks, match, k + 1, match[k]):
                names = _names(toks, x, y)
                if names:
                    f.imports[names[-1]] = (spec, names[0])
            k = match[k] + 1
            continue
        k += 1


def _read_export(f: JsFile, i: int) -> None:
    toks, match, n = f.toks, f.match, len(f.toks)
    j = i + 1
    if j >= n:
        return
    t = toks[j]
    if t.text == "=" and t.kind == "p":  # TypeScript `export = router`
        f.exports["module.exports"] = j + 1
    elif t.text == "default":
        nxt = toks[j + 1] if j + 1 < n else None
        if nxt is not None and nxt.text in ("function", "async", "class"):
            k = j + 2 if nxt.text != "async" else j + 3
            if k < n and toks[k].kind == "id" and toks[k].text != "function":
                f.exports["default"] = toks[k].text
            else:
                f.exports["default"] = j + 1
        else:
            f.exports["default"] = j + 1
    elif t.text in ("function", "class", "async"):
        k = j + 1 + (t.text == "async")
        if k < n and toks[k].text == "function":
            k += 1
        if k < n and toks[k].kind == "id":
            f.exports[toks[k].text] = toks[k].text
    elif t.text == "{" and j in match:
        close = match[j]
        spec = toks[close + 2].text if close + 2 < n and toks[close + 1].text == "from" else None
        for x, y in split_args(toks, match, j + 1, close):
            names = _names(toks, x, y)
            if not names:
                continue
            local, exported = names[0], names[-1]
            f.exports[exported] = f"{spec}\0{local}" if spec else local
    elif t.text == "*" and j + 2 < n:
        if toks[j + 1].text == "from" and toks[j + 2].kind == "str":
            f.star_exports.append(toks[j + 2].text)
        elif toks[j + 1].text == "as" and j + 4 < n and toks[j + 4].kind == "str":
            f.exports[toks[j + 2].text] = f"{toks[j + 4].text}\0*"


def express_routes(root: Path, files: Iterable[str]) -> Extraction:
    """Routes of Express applications, resolved statically."""
    parsed: dict[str, JsFile] = {}
    unparsed: list[str] = []
    for rel in sorted(f for f in files if f.endswith(JS_SUFFIXES) and not f.endswith(".d.ts")):
        try:
            text = (root / rel).read_text(errors="replace")
        except OSError as exc:
            unparsed.append(f"{rel}: cannot read: {exc.strerror}")
            continue
        parsed[rel] = index_file(rel, text)
    project = JsProject(parsed)
    for rel, f in parsed.items():
        project.statements(rel, 0, len(f.toks))
        decorated = next((t for i, t in enumerate(f.toks[:-2]) if t.text == "@" and t.kind == "p"
                          and f.toks[i + 1].text in DECORATORS and f.toks[i + 2].text == "("), None)
        if decorated is not None:  # NestJS, routing-controllers: @Controller('users') ... @Get(':id')
            project.graph.routes.append(RawRoute((rel, "@"), ["?"], Unresolved(
                f"{rel}:{decorated.line}: routes declared by decorators (@Controller, @Get...) are not read "
                "statically (set code.app to ask the framework)"), f"{rel}:{decorated.line}"))
    return project.graph.extraction(Extraction("express", unparsed=unparsed))

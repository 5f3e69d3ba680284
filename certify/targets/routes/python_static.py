"""FastAPI, Starlette and Flask routes read from the source with Python's `ast`, without importing
it. A small constant evaluator follows what real code builds paths from: module constants (also
across imports), settings class defaults (`settings.API_V1_STR`), Enum members and `.value`,
f-strings, `+`, `%` and `.format`, and loops over literal lists of routers. Whatever it cannot
work out is `Unresolved` (file:line and what), never a guessed path."""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

# CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state, seeded
# from the calling thread's stack depth: two threads parsing at once can fail with "SystemError:
# AST constructor recursion depth mismatch" (python/cpython#106905). Two `routes` checks run
# concurrently, so parsing is serialised.
_AST_LOCK = threading.Lock()

APPS = {"FastAPI": "app", "Starlette": "app", "Flask": "app", "Quart": "app"}
ROUTE_VERBS = (*METHODS, "route", "api_route")


@dataclass(frozen=True)
class RouterRef:
    key: RouterKey


@dataclass(frozen=True)
class ModRef:
    name: str


@dataclass(frozen=True)
class ClassRef:
    module: str
    node: ast.ClassDef


@dataclass(frozen=True)
class Instance:
    cls: ClassRef


@dataclass(frozen=True)
class FuncRef:
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class EnumMember:
    cls: ClassRef
    name: str
    value: Any


@dataclass(frozen=True)
class External:
    """A name from a module outside the scanned code (`fastapi.APIRouter`, `os.environ`)."""

    dotted: str


@dataclass(frozen=True)
class Opaque:
    """What a call into code outside the scan returns (`StaticFiles(...)`): no router, no constant."""

    dotted: str


CONSTANTS = (str, int, float, bool, list, dict, type(None))
OUTSIDE = ("", "")  # a router from a module outside the scanned code
OPAQUE = ("", "?")  # what a call into code outside the scan returned


def _module_name(rel: str) -> str:
    mod = rel[:-3].replace("/", ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


def _ctor(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def router_kind(ctor: str) -> str | None:
    if ctor in APPS:
        return "app"
    if ctor.endswith("Blueprint") or ctor == "Namespace":  # flask-restx: add_namespace(path=) replaces
        return "blueprint"
    if ctor == "Api":  # Flask-RESTful, flask-restx: Api(app_or_blueprint, prefix=)
        return "router"
    if ctor.endswith("Router"):  # APIRouter, and look-alikes such as Router(prefix=)
        return "router"
    return None


def _kw(call: ast.Call, *names: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return _kw(call, *names)


def _src(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class Module:
    rel: str
    name: str
    tree: ast.Module
    top: dict[str, ast.AST] = field(default_factory=dict)  # module-level bindings (last wins)
    anywhere: dict[str, list[ast.expr]] = field(default_factory=dict)  # assignments in functions
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # local -> (module, attr)
    ambiguous: set[str] = field(default_factory=set)  # given different values at module level
    stars: list[str] = field(default_factory=list)  # modules imported with `from x import *`

    def index(self, resolve: Any) -> None:
        seen: dict[str, str] = {}
        for stmt in _top_statements(self.tree.body):
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    if isinstance(t, ast.Name):
                        shape = ast.dump(stmt.value)
                        if seen.get(t.id, shape) != shape:  # `if X: P = "/a" else: P = "/b"`
                            self.ambiguous.add(t.id)
                        seen[t.id] = shape
                        self.top[t.id] = stmt.value
            elif isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                self.top[stmt.name] = stmt
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                base = resolve(self, node.module or "", node.level)
                for a in node.names:
                    if a.name == "*":
                        self.stars.append(base)
                    else:
                        self.imports[a.asname or a.name] = (base, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.imports[a.asname] = (resolve(self, a.name, 0), None)
                    else:
                        top = a.name.split(".")[0]
                        self.imports[top] = (resolve(self, top, 0), None)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                self.anywhere.setdefault(node.targets[0].id, []).append(node.value)


def _top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, also inside `if`, `try` and `with` blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _top_statements(stmt.body)
            yield from _top_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _top_statements(stmt.body)
            for h in stmt.handlers:
                yield from _top_statements(h.body)
            yield from _top_statements(stmt.orelse)
        elif isinstance(stmt, ast.With):
            yield from _top_statements(stmt.body)


class Project:
    def __init__(self, modules: list[Module], framework: str) -> None:
        self.modules = {m.name: m for m in modules}
        self.by_suffix: dict[str, str] = {}
        for name in sorted(self.modules, key=len, reverse=True):  # the shortest name wins a suffix
            parts = name.split(".")
            for i in range(len(parts)):
                self.by_suffix[".".join(parts[i:])] = name
        self.graph = Graph(framework)
        self._busy: set[tuple[str, str]] = set()
        for m in modules:
            m.index(self.resolve_module)

    def resolve_module(self, m: Module, name: str, level: int) -> str:
        if level:
            base = m.name.split(".")
            if not m.rel.endswith("__init__.py"):
                base = base[:-1]
            base = base[: len(base) - (level - 1)] if level > 1 else base
            name = ".".join([*base, name] if name else base)
        return self.module(name)

    def module(self, name: str) -> str:
        """The scanned module a dotted name means: itself, or the shortest one it ends (the scan
        may start above the import root: `app.core` is `backend/app/core`)."""
        return name if name in self.modules else self.by_suffix.get(name, name)

    # -- the constant evaluator ------------------------------------------------------------

    def lookup(self, mod: str, name: str, where: str) -> Any:
        """What `name` is bound to at the top of module `mod` (following imports)."""
        m = self.modules.get(mod)
        if m is None:
            return External(f"{mod}.{name}")
        key = (mod, name)
        if key in self.graph.routers:
            return RouterRef(key)
        if key in self._busy:
            raise Unresolved(f"{where}: `{name}` refers to itself")
        self._busy.add(key)
        try:
            if name in m.ambiguous:
                raise Unresolved(f"{where}: `{name}` is given different values in {m.rel} (which one holds "
                                 "depends on how it runs)")
            node = m.top.get(name)
            if node is None and name in m.imports:
                base, attr = m.imports[name]
                if attr is None:
                    return ModRef(base) if base in self.modules else External(base)
                sub = self.module(f"{base}.{attr}" if base else attr)
                if sub in self.modules:
                    return ModRef(sub)
                return self.lookup(base, attr, where)
            if node is None and len(m.anywhere.get(name, [])) == 1:
                node = m.anywhere[name][0]
            if node is None:
                for star in m.stars:  # `from .routes import *`
                    other = self.modules.get(star)
                    if other is not None and (name in other.top or name in other.imports
                                              or (star, name) in self.graph.routers):
                        return self.lookup(star, name, where)
                if name in ("str", "int", "len"):
                    return External(f"builtins.{name}")
                raise Unresolved(f"{where}: `{name}` is not defined in {m.rel}")
            if isinstance(node, ast.ClassDef):
                return ClassRef(mod, node)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return FuncRef(mod, node)
            return self.value(m, node, {}, where)  # type: ignore[arg-type]
        finally:
            self._busy.discard(key)

    def value(self, m: Module, node: ast.expr, env: dict[str, Any], where: str) -> Any:
        """The value of `node` in module `m` (`env`: loop variables), or Unresolved."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in env:
                v = env[node.id]
                if isinstance(v, Unresolved):
                    raise v
                return v
            return self.lookup(m.name, node.id, where)
        if isinstance(node, ast.JoinedStr):
            return "".join(self._text(m, v, env, where) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self._text(m, node, env, where)
        if isinstance(node, ast.List | ast.Tuple):
            return [self.value(m, e, env, where) for e in node.elts]
        if isinstance(node, ast.BinOp):
            left, right = self.value(m, node.left, env, where), self.value(m, node.right, env, where)
            if isinstance(node.op, ast.Add) and type(left) is type(right) and isinstance(left, str | list):
                return left + right
            if isinstance(node.op, ast.Mod) and isinstance(left, str):
                try:
                    return left % (tuple(right) if isinstance(right, list) else right)
                except (TypeError, ValueError):
                    pass
        if isinstance(node, ast.Attribute):
            return self._attribute(m, node, env, where)
        if isinstance(node, ast.Subscript):
            base = self.value(m, node.value, env, where)
            if isinstance(base, External) and base.dotted.endswith("environ"):
                raise Unresolved(f"{where}: `{_src(node)}` comes from the environment")
            index = self.value(m, node.slice, env, where)
            if isinstance(base, dict) and isinstance(index, str | int) and index in base:
                return base[index]
            if isinstance(base, list) and isinstance(index, int) and -len(base) <= index < len(base):
                return base[index]
        if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
            keys = [self.value(m, k, env, where) for k in node.keys if k is not None]
            if all(isinstance(k, str | int) for k in keys):
                return dict(zip(keys, (self.value(m, v, env, where) for v in node.values), strict=True))
        if isinstance(node, ast.Call):
            return self._call(m, node, env, where)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:  # `settings.ENVIRONMENT == "local"`
            left, right = self.value(m, node.left, env, where), self.value(m, node.comparators[0], env, where)
            if all(isinstance(v, str | int | float | bool | list | dict | None) for v in (left, right)):
                op = node.ops[0]
                if isinstance(op, ast.Eq | ast.NotEq | ast.Is | ast.IsNot):
                    return (left == right) == isinstance(op, ast.Eq | ast.Is)
                if isinstance(op, ast.In | ast.NotIn) and isinstance(right, str | list | dict):
                    return (left in right) == isinstance(op, ast.In)
        if isinstance(node, ast.BoolOp):
            values = [self.value(m, v, env, where) for v in node.values]
            if all(isinstance(v, str | int | float | bool | None) for v in values):
                return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            v = self.value(m, node.operand, env, where)
            if isinstance(v, str | int | float | bool | None):
                return not v
        raise Unresolved(f"{where}: `{_src(node)}` is not a constant")

    def _text(self, m: Module, node: ast.expr, env: dict[str, Any], where: str) -> str:
        if isinstance(node, ast.Constant):
            return str(node.value)
        assert isinstance(node, ast.FormattedValue)
        v = self.value(m, node.value, env, where)
        if isinstance(v, EnumMember) and isinstance(v.value, str) and _is_str_enum(v.cls):
            v = v.value
        if not isinstance(v, str | int) or node.format_spec is not None:
            raise Unresolved(f"{where}: `{_src(node.value)}` in an f-string is not a constant")
        return str(v)

    def _attribute(self, m: Module, node: ast.Attribute, env: dict[str, Any], where: str) -> Any:
        base = self.value(m, node.value, env, where)
        attr = node.attr
        if isinstance(base, ModRef):
            sub = self.module(f"{base.name}.{attr}")
            return ModRef(sub) if sub in self.modules else self.lookup(base.name, attr, where)
        if isinstance(base, RouterRef) and attr == "router":  # app.router.add_api_route(...)
            return base
        if isinstance(base, EnumMember):
            if attr == "value":
                return base.value
            if attr == "name":
                return base.name
        if isinstance(base, ClassRef | Instance):
            cls = base if isinstance(base, ClassRef) else base.cls
            found = self._class_attr(cls, attr, where)
            if found is not None:
                if isinstance(base, ClassRef) and _is_enum(cls) and not isinstance(found, FuncRef):
                    return EnumMember(cls, attr, found)
                return found
        if isinstance(base, External):
            return External(f"{base.dotted}.{attr}")
        raise Unresolved(f"{where}: `{_src(node)}` is not a constant")

    def _class_attr(self, cls: ClassRef, attr: str, where: str) -> Any:
        mod = self.modules[cls.module]
        for stmt in cls.node.body:
            target, value = (stmt.targets[0], stmt.value) if isinstance(stmt, ast.Assign) \
                else (stmt.target, stmt.value) if isinstance(stmt, ast.AnnAssign) else (None, None)
            if isinstance(target, ast.Name) and target.id == attr and value is not None:
                if isinstance(value, ast.Call) and _ctor(value) == "Field":  # pydantic Field(default)
                    value = _arg(value, 0, "default") or value
                return self.value(mod, value, {}, where)
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == attr:
                return FuncRef(cls.module, stmt)
        for b in cls.node.bases:
            try:
                parent = self.value(mod, b, {}, where)
            except Unresolved:
                continue
            if isinstance(parent, ClassRef):
                found = self._class_attr(parent, attr, where)
                if found is not None:
                    return found
        return None

    def _call(self, m: Module, node: ast.Call, env: dict[str, Any], where: str) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            recv = self.value(m, func.value, env, where)
            args = [self.value(m, a, env, where) for a in node.args]
            if isinstance(recv, str) and func.attr in ("strip", "rstrip", "lstrip", "lower", "upper",
                                                       "removeprefix", "removesuffix", "format", "join"):
                kwargs = {k.arg: self.value(m, k.value, env, where) for k in node.keywords if k.arg}
                try:
                    return getattr(recv, func.attr)(*args, **kwargs)
                except (TypeError, ValueError, KeyError, IndexError):
                    pass
            if isinstance(recv, External) and recv.dotted in ("os.environ.get", "os.getenv") \
                    or isinstance(recv, External) and recv.dotted.endswith("environ"):
                raise Unresolved(f"{where}: `{_src(node)}` comes from the environment")
        callee = self.value(m, func, env, where)
        if isinstance(callee, External) and callee.dotted in ("os.getenv", "os.environ.get"):
            raise Unresolved(f"{where}: `{_src(node)}` comes from the environment")
        if isinstance(callee, External) and callee.dotted == "builtins.str" and len(node.args) == 1:
            v = self.value(m, node.args[0], env, where)
            if isinstance(v, str | int):
                return str(v)
        if isinstance(callee, ClassRef):
            return Instance(callee)
        if isinstance(callee, FuncRef):  # a factory: `app = create_app()`, `get_settings()`
            returns = [r.value for r in ast.walk(callee.node) if isinstance(r, ast.Return) and r.value]
            if len(returns) == 1:
                return self.value(self.modules[callee.module], returns[0], {}, where)
        if isinstance(callee, External):
            return Opaque(callee.dotted)
        raise Unresolved(f"{where}: `{_src(node)}` is not a constant")


def _is_enum(cls: ClassRef) -> bool:
    return any(_src(b).split(".")[-1].endswith("Enum") for b in cls.node.bases)


def _is_str_enum(cls: ClassRef) -> bool:
    names = [_src(b).split(".")[-1] for b in cls.node.bases]
    return "StrEnum" in names or "str" in names


class _Walker(ast.NodeVisitor):
    """One module's router definitions (first pass) or routes and mounts (second pass)."""

    def __init__(self, project: Project, m: Module, first: bool) -> None:
        self.p, self.m, self.first = project, m, first
        self.g = project.graph
        self.env: dict[str, Any] = {}
        self.funcs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.condition = ""  # `file:line: if X` around what is being read, when X cannot be decided

    def where(self, node: ast.AST) -> str:
        return f"{self.m.rel}:{getattr(node, 'lineno', 0)}"

    def ev(self, node: ast.expr) -> Any:
        return self.p.value(self.m, node, self.env, self.where(node))

    # -- scopes --------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        saved = dict(self.env)
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            self.env[a.arg] = RouterRef((self.m.name, f"{node.name}.{a.arg}"))
        self.funcs.append(node)
        for dec in node.decorator_list:
            self.visit(dec)
            if not self.first and isinstance(dec, ast.Call):
                self.route_call(dec, decorator=True)
        for stmt in node.body:
            self.visit(stmt)
        self.funcs.pop()
        self.env = saved

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for dec in node.decorator_list:  # flask-smorest, flask-restx: @blp.route("/x") on a MethodView
            self.visit(dec)
            if not self.first and isinstance(dec, ast.Call):
                self.route_call(dec, decorator=True, cls=node)
        for stmt in node.body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.visit(stmt)
        for stmt in node.body:  # methods: `self` is no router
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.visit(stmt)

    def visit_If(self, node: ast.If) -> None:
        """A branch static reading can decide (a settings default) is read alone; otherwise both
        are, and what they register depends on the condition."""
        self.visit(node.test)
        if self.first:
            for stmt in [*node.body, *node.orelse]:
                self.visit(stmt)
            return
        try:
            value = self.ev(node.test)
            decided = bool(value) if isinstance(value, CONSTANTS) else None
        except Unresolved:
            decided = None
        if decided is not None:
            for stmt in node.body if decided else node.orelse:
                self.visit(stmt)
            return
        saved = self.condition
        self.condition = saved or f"{self.where(node)}: if {_src(node.test)}"
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)
        self.condition = saved

    def visit_For(self, node: ast.For) -> None:
        if self.first:
            self.generic_visit(node)
            return
        names = [node.target] if isinstance(node.target, ast.Name) else \
            list(node.target.elts) if isinstance(node.target, ast.Tuple) else []
        saved = dict(self.env)
        try:
            items = self.ev(node.iter)
            if not isinstance(items, list) or not all(isinstance(n, ast.Name) for n in names):
                raise Unresolved(f"{self.where(node)}: the loop over `{_src(node.iter)}` is not over a list")
            for item in items:
                values = [item] if len(names) == 1 else item
                if not isinstance(values, list) or len(values) != len(names):
                    raise Unresolved(f"{self.where(node)}: the loop over `{_src(node.iter)}` does not unpack")
                self.env.update({n.id: v for n, v in zip(names, values, strict=True)})  # type: ignore[attr-defined]
                for stmt in node.body:
                    self.visit(stmt)
        except Unresolved as exc:
            self.env = dict(saved)
            for n in ast.walk(node.target):
                if isinstance(n, ast.Name):
                    self.env[n.id] = Unresolved(
                        f"{exc.what.split(': ', 1)[0]}: `{n.id}` takes the values of `{_src(node.iter)}`, "
                        "which static extraction cannot list (set code.app to ask the framework)")
            for stmt in node.body:
                self.visit(stmt)
        self.env = saved
        for stmt in node.orelse:
            self.visit(stmt)

    # -- definitions -----------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        self.generic_visit(node)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1 or node.value is None:
            return
        target, value = targets[0], node.value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
                and len(target.elts) == len(value.elts):  # `users, items = APIRouter(), APIRouter()`
            for t, v in zip(target.elts, value.elts, strict=True):
                if isinstance(t, ast.Name) and isinstance(v, ast.Call):
                    self.assign(t, v, node)
        elif isinstance(target, ast.Name) and isinstance(value, ast.Call):
            self.assign(target, value, node)

    visit_AnnAssign = visit_Assign  # noqa: N815

    def assign(self, target: ast.Name, call: ast.Call, node: ast.AST) -> None:
        ctor = _ctor(call)
        if isinstance(call.func, ast.Name) and ctor in self.m.imports:  # `Api as RestxApi`
            ctor = self.m.imports[ctor][1] or ctor
        kind = router_kind(ctor)
        key = (self.m.name, target.id)
        if not self.first and ctor == "Api" and call.args:  # Api(app): its rules go on app
            self.mount_api(call.args[0], key, node)
        routes = _kw(call, "routes")
        if not self.first and kind and routes is not None:  # Starlette(routes=[Route(...), Mount(...)])
            self.route_list(key, routes)
        if self.first and kind:
            own: Value = None
            kw = "prefix" if kind == "router" else "path" if ctor == "Namespace" else \
                "url_prefix" if kind == "blueprint" else None
            arg = _kw(call, kw) if kw else None
            if ctor == "Namespace" and arg is None and call.args:  # Namespace("users"): /users
                arg = ast.BinOp(ast.Constant("/"), ast.Add(), call.args[0])
                ast.copy_location(arg, call)
            if arg is not None:
                try:
                    v = self.ev(arg)
                    own = v if isinstance(v, str) or v is None else None
                    if not isinstance(v, str | None):
                        raise Unresolved(f"{self.where(arg)}: the prefix `{_src(arg)}` is not a string")
                except Unresolved as exc:
                    own = exc
            before = self.g.routers.get(key)
            if before is not None and before.kind != "param" and str(before.own) != str(own):
                own = Unresolved(f"{self.where(node)}: `{target.id}` is made in more than one place with "
                                 f"different prefixes ({before.where} too)")
            self.g.routers[key] = Router(kind, own, self.where(node))  # type: ignore[arg-type]

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        if self.first:
            return
        func = node.func
        if isinstance(func, ast.Call):  # auth_router.post("/register")(register_user)
            self.route_call(func, decorator=True)
        if not isinstance(func, ast.Attribute):
            self.param_aliases(node)
            return
        if func.attr in ("include_router", "register_blueprint", "mount", "add_namespace"):
            self.mount(node, func)
        elif func.attr in ("add_api_route", "add_url_rule", "add_route", "add_resource"):
            self.route_call(node, decorator=False)
        elif func.attr == "init_app" and node.args:  # api.init_app(app)
            api = self.receiver(func.value)
            if isinstance(api, tuple) and api in self.g.routers:
                self.mount_api(node.args[0], api, node)
        else:
            self.param_aliases(node)

    def receiver(self, node: ast.expr) -> RouterKey | None | Unresolved:
        """The router `node` is; OUTSIDE for one from a module outside the scan; None for
        something that is no router (a constant, what an outside call returned)."""
        try:
            v = self.ev(node)
        except Unresolved as exc:
            return exc
        if isinstance(v, RouterRef):
            if v.key not in self.g.routers and "." in v.key[1]:  # a function's parameter
                self.g.routers[v.key] = Router("param", None, self.where(node))
            return v.key
        return OUTSIDE if isinstance(v, External) else OPAQUE if isinstance(v, Opaque) else None

    def mount(self, node: ast.Call, func: ast.Attribute) -> None:
        parent = self.receiver(func.value)
        if parent is None:
            return
        where = self.where(node)
        if func.attr == "mount":
            child_node, prefix_node = _arg(node, 1, "app"), _arg(node, 0, "path")
        else:
            child_node = _arg(node, 0, "router", "blueprint", "ns")
            keyword = {"include_router": "prefix", "add_namespace": "path"}.get(func.attr, "url_prefix")
            prefix_node = _kw(node, keyword)
        if child_node is None:
            return
        child = self.receiver(child_node)
        if child is None or parent == OUTSIDE:  # app.mount("/static", StaticFiles(...))
            return
        if child == OUTSIDE:
            self.g.outside.append(f"{where}: {func.attr}({_src(child_node)})")
            return
        if isinstance(child, Unresolved) or isinstance(parent, Unresolved):
            why = child if isinstance(child, Unresolved) else parent
            assert isinstance(why, Unresolved)
            if isinstance(parent, Unresolved) and child not in self.g.routers:
                return  # neither side is a router of the scanned code
            self.g.pending.append(f"{where}: {func.attr}({_src(child_node)}) not resolved: "
                                  f"{why.what.split(': ', 1)[-1]}")
            return
        prefix: Value = None if func.attr in ("register_blueprint", "add_namespace") else ""
        if prefix_node is not None:
            try:
                v = self.ev(prefix_node)
                if not isinstance(v, str | None):
                    raise Unresolved(f"{where}: the prefix `{_src(prefix_node)}` is not a string")
                prefix = v
            except Unresolved as exc:
                prefix = Unresolved(f"{where}: the prefix of {func.attr}({_src(child_node)}) is not "
                                    f"resolved: {exc.what.split(': ', 1)[-1]}")
        self.g.mounts.append(Mount(parent, child, prefix, where, condition=self.condition))

    def route_list(self, parent: RouterKey, node: ast.expr) -> None:
        """Starlette's `routes=[Route(path, endpoint, methods=), Mount(path, routes=|app=)]`."""
        where = self.where(node)
        if isinstance(node, ast.Name) and isinstance(self.m.top.get(node.id), ast.List | ast.Tuple):
            node = self.m.top[node.id]  # type: ignore[assignment]
        if not isinstance(node, ast.List | ast.Tuple):
            self.g.routes.append(RawRoute(parent, ["?"], Unresolved(
                f"{where}: routes=`{_src(node)}` is not a list static reading can follow"), where))
            return
        for elt in node.elts:
            here = self.where(elt)
            kind = _ctor(elt) if isinstance(elt, ast.Call) else ""
            path = _arg(elt, 0, "path") if isinstance(elt, ast.Call) else None
            if isinstance(elt, ast.Call) and kind in ("Route", "APIRoute") and path is not None:
                self.add(parent, path, self.methods(elt, "route"), here, False)
            elif isinstance(elt, ast.Call) and kind == "Mount" and path is not None:
                try:
                    prefix: Value = self.ev(path)
                    if not isinstance(prefix, str):
                        raise Unresolved(f"{here}: the mount path `{_src(path)}` is not a string")
                except Unresolved as exc:
                    prefix = exc
                sub_routes, app = _kw(elt, "routes"), _arg(elt, 1, "app")
                if sub_routes is not None:
                    sub = (self.m.name, f"Mount@{here}")
                    self.g.routers[sub] = Router("router", "", here)
                    self.g.mounts.append(Mount(parent, sub, prefix, here, condition=self.condition))
                    self.route_list(sub, sub_routes)
                elif app is not None:
                    child = self.receiver(app)
                    if isinstance(child, tuple) and child in self.g.routers:
                        self.g.mounts.append(Mount(parent, child, prefix, here, condition=self.condition))
                    elif isinstance(child, Unresolved) or not isinstance(app, ast.Call):
                        self.g.pending.append(f"{here}: Mount({_src(app)}) not resolved")
            elif not (isinstance(elt, ast.Call) and kind in ("WebSocketRoute", "Host")):
                self.g.routes.append(RawRoute(parent, ["?"], Unresolved(
                    f"{here}: `{_src(elt)}` in routes= is not a Route or Mount"), here))

    def mount_api(self, target: ast.expr, api: RouterKey, node: ast.AST) -> None:
        parent = self.receiver(target)
        if isinstance(parent, tuple) and parent != OUTSIDE:
            self.g.mounts.append(Mount(parent, api, "", self.where(node), condition=self.condition))

    def param_aliases(self, node: ast.Call) -> None:
        """`init_app(app)`: the function's parameter is that router."""
        try:
            callee = self.ev(node.func)
        except Unresolved:
            return
        if not isinstance(callee, FuncRef):
            return
        params = [a.arg for a in [*callee.node.args.posonlyargs, *callee.node.args.args]]
        pairs = [*zip(params, node.args, strict=False), *((k.arg, k.value) for k in node.keywords if k.arg)]
        for param, arg in pairs:
            key = self.receiver(arg)
            if isinstance(key, tuple):
                child = (callee.module, f"{callee.node.name}.{param}")
                self.g.routers.setdefault(child, Router("param", None, self.where(callee.node)))
                self.g.mounts.append(Mount(key, child, "", self.where(node), alias=True,
                                           condition=self.condition))

    # -- routes ----------------------------------------------------------------------------

    def route_call(self, call: ast.Call, decorator: bool, cls: ast.ClassDef | None = None) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        verb = func.attr
        if decorator and verb not in ROUTE_VERBS:
            return
        router = self.receiver(func.value)
        where = self.where(call)
        if router is None or router in (OUTSIDE, OPAQUE):
            first = _arg(call, 0, "path", "rule")
            try:
                looks = decorator and router is not None and first is not None \
                    and str(self.ev(first)).startswith("/")
            except Unresolved:
                looks = False
            if looks:  # @api.route("/x") on something that is no router static reading knows
                what = "comes from outside the scanned code" if router == OUTSIDE else \
                    "is made by code static reading does not follow"
                self.g.routes.append(RawRoute((self.m.name, "?"), ["?"], Unresolved(
                    f"{where}: `{_src(func.value)}` {what}: its routes cannot be listed (scan that code, "
                    "or set code.app to ask the framework)"), where))
            return
        if verb == "add_resource":  # api.add_resource(Resource, "/a", "/b")
            for url in call.args[1:]:
                self.add(router, url, self.class_methods(call.args[0]), where, False)
            return
        path_node = _arg(call, 0, "path", "rule")
        methods = self.methods(call, verb) if cls is None or _kw(call, "methods") else \
            self.class_methods(ast.Name(cls.name, lineno=cls.lineno, col_offset=0))
        flag = _kw(call, "include_in_schema")
        hidden = isinstance(flag, ast.Constant) and flag.value is False
        if path_node is None:
            self.g.routes.append(RawRoute((self.m.name, "?"), methods, Unresolved(
                f"{where}: .{verb}() without a path"), where))
            return
        self.add(router, path_node, methods, where, hidden)

    def methods(self, call: ast.Call, verb: str) -> list[str] | Unresolved:
        if verb in METHODS:
            return [verb.upper()]
        node = _kw(call, "methods")
        if node is None and verb == "add_url_rule":
            view = _arg(call, 2, "view_func")
            return self.view_methods(view) if view is not None else ["GET"]
        if node is None and verb in ("add_api_route", "add_route"):
            node = _arg(call, 2, "methods")
        if node is None:
            return ["GET"]
        try:
            v = self.ev(node)
        except Unresolved as exc:
            return exc
        if isinstance(v, list | set) and all(isinstance(x, str) for x in v):
            return sorted({x.upper() for x in v})
        return Unresolved(f"{self.where(node)}: the methods `{_src(node)}` are not a list of strings")

    def add(self, router: RouterKey | Unresolved, path_node: ast.expr, methods: list[str] | Unresolved,
            where: str, hidden: bool) -> None:
        try:
            if isinstance(router, Unresolved):
                raise router
            p = self.ev(path_node)
            if not isinstance(p, str):
                raise Unresolved(f"{where}: the path `{_src(path_node)}` is not a string")
            path: str | Unresolved = p
        except Unresolved as exc:
            path = exc
        key = router if isinstance(router, tuple) else (self.m.name, "?")
        self.g.routes.append(RawRoute(key, methods, path, where, hidden, self.condition))

    def class_methods(self, node: ast.expr) -> list[str] | Unresolved:
        """The HTTP methods a view class (MethodView, Resource) defines: its `methods`, or its
        get/post/... functions."""
        try:
            cls = self.ev(node)
        except Unresolved as exc:
            return exc
        if isinstance(cls, ClassRef):
            declared = self.p._class_attr(cls, "methods", self.where(node))
            if isinstance(declared, list) and all(isinstance(x, str) for x in declared):
                return sorted({x.upper() for x in declared})
            found = [v.upper() for v in METHODS if isinstance(self.p._class_attr(cls, v, ""), FuncRef)]
            if found:
                return found
        return Unresolved(f"{self.where(node)}: the methods of `{_src(node)}` are not known")

    def view_methods(self, view: ast.expr) -> list[str] | Unresolved:
        """`Things.as_view("things")`: the HTTP methods the class defines; a function: GET."""
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) \
                and view.func.attr == "as_view":
            return self.class_methods(view.func.value)
        return ["GET"]


def parse(root: Path, rels: Iterable[str]) -> tuple[list[Module], list[str]]:
    modules, unparsed = [], []
    for rel in rels:
        try:
            source = (root / rel).read_bytes()
            with _AST_LOCK:
                tree = ast.parse(source, filename=rel)
        except SyntaxError as exc:
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            newer = f" (it may use syntax newer than Python {version}, which runs certify: set code.app " \
                    "and code.python to ask the application's own interpreter)"
            unparsed.append(f"{rel}:{exc.lineno or 0}: cannot parse: {exc.msg}{newer}")
            continue
        except (ValueError, OSError) as exc:
            unparsed.append(f"{rel}: cannot read: {exc}")
            continue
        modules.append(Module(rel, _module_name(rel), tree))
    return modules, unparsed


def python_routes(root: Path, files: Iterable[str], framework: str) -> Extraction:
    """Routes of FastAPI, Starlette and Flask applications, resolved statically."""
    modules, unparsed = parse(root, sorted(f for f in files if f.endswith(".py")))
    project = Project(modules, framework)
    for first in (True, False):
        for m in modules:
            _Walker(project, m, first).visit(m.tree)
    ex = project.graph.extraction(Extraction(framework, unparsed=unparsed))
    return ex

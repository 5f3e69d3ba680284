"""Routes declared in source code, found statically: FastAPI and Flask through Python's `ast`,
Express through the shapes of its calls. Prefixes are followed through routers
(`APIRouter(prefix=)`, `include_router(prefix=)`, `Blueprint(url_prefix=)`,
`register_blueprint(url_prefix=)`, `app.use('/api', router)`), also across files."""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


@dataclass(frozen=True)
class Route:
    method: str  # upper case
    path: str  # as written, with prefixes applied
    where: str  # file:line

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normalise(self.path)


def normalise(path: str) -> str:
    """One spelling for every framework: parameters become {} (`{id}`, `:id`, `<int:id>`),
    no trailing slash, no doubled slashes."""
    path = re.sub(r"\{[^}]*\}|<[^>]*>|:[A-Za-z_][A-Za-z0-9_]*\??", "{}", path)
    path = re.sub(r"/+", "/", "/" + path.strip("/"))
    return path


# CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state, seeded
# from the calling thread's stack depth: two threads parsing at once can fail with "SystemError:
# AST constructor recursion depth mismatch" (python/cpython#106905). Two `routes` checks run
# concurrently, so parsing is serialised.
_AST_LOCK = threading.Lock()

RouterKey = tuple[str, str]  # (module or file, variable)


@dataclass
class _Graph:
    routers: dict[RouterKey, str] = field(default_factory=dict)  # -> own prefix
    apps: set[RouterKey] = field(default_factory=set)
    blueprints: set[RouterKey] = field(default_factory=set)  # Flask: a mount's url_prefix replaces theirs
    routes: list[tuple[RouterKey, str, str, str]] = field(default_factory=list)  # router, method, path, where
    mounts: list[tuple[RouterKey, RouterKey, str]] = field(default_factory=list)  # parent, child, prefix

    def full_routes(self) -> list[Route]:
        parents: dict[RouterKey, list[tuple[RouterKey, str]]] = {}
        for parent, child, prefix in self.mounts:
            parents.setdefault(child, []).append((parent, prefix))

        def prefixes(router: RouterKey, seen: frozenset[RouterKey]) -> list[str]:
            own = self.routers.get(router, "")
            ups = [p for p in parents.get(router, []) if p[0] not in seen]
            if not ups:
                return [own]
            return [pre + mount + ("" if mount and router in self.blueprints else own)
                    for parent, mount in ups for pre in prefixes(parent, seen | {router})]

        out = []
        for router, method, path, where in self.routes:
            for prefix in prefixes(router, frozenset()):
                out.append(Route(method, re.sub(r"//+", "/", prefix + path), where))  # "/" + "/x"
        return out


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kw(call: ast.Call, *names: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _module_name(rel: str) -> str:
    mod = rel[:-3].replace("/", ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


class _PythonFile:
    def __init__(self, rel: str, tree: ast.Module, modules: list[str]) -> None:
        self.rel = rel
        self.module = _module_name(rel)
        self.tree = tree
        self.modules = modules
        self.names: dict[str, RouterKey] = {}  # local name -> (module, var) it refers to
        self.module_aliases: dict[str, str] = {}  # local name -> module

    def resolve_module(self, name: str, level: int = 0) -> str:
        if level:
            base = self.module.split(".")
            if not self.rel.endswith("__init__.py"):
                base = base[:-1]
            base = base[: len(base) - (level - 1)] if level > 1 else base
            name = ".".join([*base, name] if name else base)
        matches = [m for m in self.modules if m == name or m.endswith("." + name)]
        return min(matches, key=len) if matches else name

    def read_imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                base = self.resolve_module(node.module or "", node.level)
                for a in node.names:
                    local = a.asname or a.name
                    sub = self.resolve_module(f"{base}.{a.name}" if base else a.name)
                    if sub in self.modules:
                        self.module_aliases[local] = sub
                    else:
                        self.names[local] = (base, a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self.module_aliases[a.asname or a.name] = self.resolve_module(a.name)

    def ref(self, node: ast.AST) -> RouterKey | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id, (self.module, node.id))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self.module_aliases.get(node.value.id)
            if module:
                return (module, node.attr)
        return None


def python_routes(root: Path, files: Iterable[str]) -> tuple[list[Route], list[str]]:
    """Routes of FastAPI and Flask apps; and the files that could not be parsed."""
    parsed: list[_PythonFile] = []
    problems = []
    rels = [f for f in files if f.endswith(".py")]
    modules = [_module_name(r) for r in rels]
    for rel in rels:
        try:
            source = (root / rel).read_bytes()
            with _AST_LOCK:
                tree = ast.parse(source, filename=rel)
        except (SyntaxError, ValueError, OSError) as exc:
            problems.append(f"{rel}: cannot parse: {exc}")
            continue
        parsed.append(_PythonFile(rel, tree, modules))
    g = _Graph()
    for f in parsed:
        f.read_imports()
    for f in parsed:
        for node in ast.walk(f.tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                call = node.value
                func = call.func
                ctor = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                key = (f.module, node.targets[0].id)
                if ctor in ("FastAPI", "Flask"):
                    g.apps.add(key)
                    g.routers[key] = _str(_kw(call, "root_path")) or ""
                elif ctor.endswith("Router"):  # APIRouter, and look-alikes such as Router(prefix=)
                    g.routers[key] = _str(_kw(call, "prefix")) or ""
                elif ctor == "Blueprint":
                    g.routers[key] = _str(_kw(call, "url_prefix")) or ""
                    g.blueprints.add(key)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for dec in node.decorator_list:
                    _python_route(f, g, dec)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("include_router", "register_blueprint") and node.args:
                parent = f.ref(node.func.value)
                child = f.ref(node.args[0])
                prefix = _str(_kw(node, "prefix", "url_prefix")) or ""
                if parent and child:
                    g.mounts.append((parent, child, prefix))
    return g.full_routes(), problems


def _python_route(f: _PythonFile, g: _Graph, dec: ast.AST) -> None:
    if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
        return
    verb = dec.func.attr
    router = f.ref(dec.func.value)
    if router is None or verb not in (*METHODS, "route", "api_route"):
        return
    path = _str(dec.args[0]) if dec.args else _str(_kw(dec, "path", "rule"))
    if path is None:
        return
    if verb in ("route", "api_route"):
        methods_node = _kw(dec, "methods")
        methods = [_str(e) for e in methods_node.elts] if isinstance(methods_node, ast.List | ast.Tuple) \
            else ["GET"]
    else:
        methods = [verb]
    for m in methods:
        if m:
            g.routes.append((router, m.upper(), path, f"{f.rel}:{dec.lineno}"))


_JS_CREATE = re.compile(
    r"(?:const|let|var)\s+(\w+)\s*=\s*(?:express\s*\(\s*\)|(?:express\s*\.\s*)?Router\s*\()")
_JS_ROUTE = re.compile(  # a path and then a handler: `app.get('env')` reads a setting
    r"\b(\w+)\s*\.\s*(get|post|put|patch|delete|head|options|all)\s*\(\s*(['\"`])([^'\"`]*)\3\s*,")
_JS_CHAIN = re.compile(  # router.route('/p').get(...).post(...)
    r"\b(\w+)\s*\.\s*route\s*\(\s*(['\"`])([^'\"`]*)\2\s*\)"
    r"((?:\s*\.\s*\w+\s*\([^()]*(?:\([^()]*\)[^()]*)*\))+)")
_JS_USE = re.compile(  # app.use('/api', auth, router)
    r"\b(\w+)\s*\.\s*use\s*\(\s*(?:(['\"`])([^'\"`]*)\2\s*,\s*)?(?:[\w.]+\s*,\s*)*?(\w+)\s*\)")
_JS_REQUIRE = re.compile(r"(?:const|let|var)\s+(\w+)\s*=\s*require\s*\(\s*['\"]([^'\"]+)['\"]\s*\)")
_JS_IMPORT = re.compile(r"import\s+(\w+)\s+from\s+['\"]([^'\"]+)['\"]")
_JS_EXPORT = re.compile(r"module\.exports\s*=\s*(\w+)|export\s+default\s+(\w+)")


def _js_file(base: str, spec: str, rels: set[str]) -> str | None:
    if not spec.startswith("."):
        return None
    parts: list[str] = [p for p in base.split("/")[:-1]]
    for piece in spec.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in (".", ""):
            parts.append(piece)
    stem = "/".join(parts)
    for cand in (stem, *(stem + e for e in (".js", ".ts", ".mjs", ".cjs")),
                 *(stem + "/index" + e for e in (".js", ".ts"))):
        if cand in rels:
            return cand
    return None


def strip_js_comments(text: str) -> str:
    """`text` with `// ...` and `/* ... */` comments blanked out (newlines kept, so line numbers
    hold); string and template literals are left alone."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c and not (c != "`" and text[j] == "\n"):
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        else:
            i += 1
    return "".join(out)


def express_routes(root: Path, files: Iterable[str]) -> tuple[list[Route], list[str]]:
    rels = {f for f in files if f.endswith((".js", ".ts", ".mjs", ".cjs"))}
    g = _Graph()
    exports: dict[str, str] = {}
    texts = {}
    for rel in sorted(rels):
        try:
            texts[rel] = strip_js_comments((root / rel).read_text(errors="replace"))
        except OSError:
            continue
        m = _JS_EXPORT.search(texts[rel])
        if m:
            exports[rel] = m.group(1) or m.group(2)
    for rel, text in texts.items():
        local: dict[str, RouterKey] = {}
        for m in (*_JS_REQUIRE.finditer(text), *_JS_IMPORT.finditer(text)):
            target = _js_file(rel, m.group(2), rels)
            if target and target in exports:
                local[m.group(1)] = (target, exports[target])

        def ref(name: str, _local: dict[str, RouterKey] = local, _rel: str = rel) -> RouterKey:
            return _local.get(name, (_rel, name))

        for m in _JS_CREATE.finditer(text):
            key = (rel, m.group(1))
            g.routers[key] = ""
            if "express" in m.group(0) and "Router" not in m.group(0):
                g.apps.add(key)
        known = {v for (f, v) in g.routers if f == rel} | set(local)
        for m in _JS_ROUTE.finditer(text):
            if m.group(1) in known and m.group(2) != "all":
                line = text.count("\n", 0, m.start()) + 1
                g.routes.append((ref(m.group(1)), m.group(2).upper(), m.group(4), f"{rel}:{line}"))
        for m in _JS_CHAIN.finditer(text):
            if m.group(1) in known:
                line = text.count("\n", 0, m.start()) + 1
                for verb in re.findall(r"\.\s*(\w+)\s*\(", m.group(4)):
                    if verb in METHODS:
                        g.routes.append((ref(m.group(1)), verb.upper(), m.group(3), f"{rel}:{line}"))
        for m in _JS_USE.finditer(text):
            parent, prefix, child = m.group(1), m.group(3) or "", m.group(4)
            if parent in known and (child in known):
                g.mounts.append((ref(parent), ref(child), prefix))
    return g.full_routes(), []


def detect(root: Path, files: list[str]) -> str:
    """The framework a tree uses: the first whose marker appears in its sources."""
    for rel in files:
        if rel.endswith(".py"):
            text = (root / rel).read_text(errors="replace")
            if "FastAPI(" in text or re.search(r"\w*Router\s*\(\s*prefix\s*=", text):
                return "fastapi"
            if "Flask(" in text or "Blueprint(" in text:
                return "flask"
        elif rel.endswith((".js", ".ts", ".mjs", ".cjs")) \
                and "express" in (root / rel).read_text(errors="replace"):
            return "express"
    return "unknown"


def code_routes(root: Path, files: list[str], framework: str) -> tuple[list[Route], list[str], str]:
    """(routes, problems, framework used)."""
    if framework == "auto":
        framework = detect(root, files)
    if framework in ("fastapi", "flask"):
        routes, problems = python_routes(root, files)
    elif framework == "express":
        routes, problems = express_routes(root, files)
    else:
        return [], ["no FastAPI, Flask or Express code found"], framework
    return routes, problems, framework


def contract_routes(path: Path, rel: str, prefix: str = "") -> list[Route]:
    """Operations of an OpenAPI 3 (or Swagger 2) document, YAML or JSON."""
    import json

    import yaml

    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise ValueError(f"{rel}: no `paths` mapping: not an OpenAPI document")
    base = prefix + str(data.get("basePath", "") or "")
    out = []
    for p, ops in data["paths"].items():
        if not isinstance(ops, dict):
            continue
        for method in ops:
            if str(method).lower() in (*METHODS, "trace"):
                out.append(Route(str(method).upper(), base + str(p), f"{rel} paths.{p}.{method}"))
    return out

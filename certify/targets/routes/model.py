"""What every route extractor produces: routes with their full paths, and what could not be
resolved. The mount graph composes prefixes the way each framework does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
Framework = Literal["fastapi", "flask", "express"]


@dataclass(frozen=True)
class Route:
    method: str  # upper case
    path: str  # as written, with prefixes applied
    where: str  # file:line
    hidden: bool = False  # FastAPI include_in_schema=False
    condition: str = ""  # `file:line: if X`: registered only when a condition static reading cannot decide

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normalise(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}  ({self.where})"


def normalise(path: str) -> str:
    """One spelling for every framework: parameters become {} (`{id}`, `:id`, `<int:id>`),
    no trailing slash, no doubled slashes."""
    path = re.sub(r"\{[^}]*\}|<[^>]*>|:[A-Za-z_][A-Za-z0-9_]*(?:\([^)]*\))?[?*+]?", "{}", path)
    path = re.sub(r"/+", "/", "/" + path.strip("/"))
    return path


@dataclass
class Extraction:
    """Routes found, and why the list may be incomplete (each `file:line: what`)."""

    framework: str
    routes: list[Route] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # prefixes, mounts, paths not resolved
    unparsed: list[str] = field(default_factory=list)  # files that could not be read or parsed
    notes: list[str] = field(default_factory=list)  # true but harmless: unmounted routers...
    mode: str = "static"


class Unresolved(Exception):
    """A value static extraction could not work out; `what` says which and why, one line."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


RouterKey = tuple[str, str]  # (module or file, name)
Value = str | None | Unresolved  # a prefix: None = not given (Flask: the blueprint's own applies)


@dataclass
class Router:
    kind: Literal["app", "router", "blueprint", "param"]
    own: Value  # its own prefix (APIRouter(prefix=), Blueprint(url_prefix=))
    where: str


@dataclass
class Mount:
    parent: RouterKey
    child: RouterKey
    prefix: Value
    where: str
    alias: bool = False  # the child is the parent (a router passed to a function as a parameter)
    condition: str = ""  # made under a condition static reading cannot decide


@dataclass
class RawRoute:
    router: RouterKey
    methods: list[str] | Unresolved
    path: str | Unresolved
    where: str
    hidden: bool = False
    condition: str = ""


def join(framework: str, prefix: str, path: str) -> str:
    """Flask joins a prefix and a rule with one "/" (`/ops` + `healthz` = `/ops/healthz`);
    Starlette and Express concatenate."""
    if framework == "flask":
        if not prefix or not path:
            return prefix or path
        return prefix.rstrip("/") + "/" + path.lstrip("/")
    return prefix + path


@dataclass
class Graph:
    framework: str
    routers: dict[RouterKey, Router] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    routes: list[RawRoute] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # mounts whose child is not known: `file:line: what`
    outside: list[str] = field(default_factory=list)  # mounts of routers from outside the scanned code

    def name(self, key: RouterKey) -> str:
        """`router` of app/api.py:3 (or "the router of ..." for one made in an expression)."""
        where = self.routers[key].where if key in self.routers else key[0]
        return f"the router of {where}" if "@" in key[1] else f"`{key[1]}` of {where}"

    def extraction(self, ex: Extraction) -> Extraction:
        parents: dict[RouterKey, list[Mount]] = {}
        for m in self.mounts:
            parents.setdefault(m.child, []).append(m)
        has_app = any(r.kind == "app" for r in self.routers.values())
        unresolved: dict[str, None] = {}
        roots: dict[RouterKey, None] = {}  # routers taken at their own prefix: no app in the scan

        def prefixes(key: RouterKey, seen: frozenset[RouterKey]) -> list[tuple[str, str]]:
            """Every full prefix the routes of `key` are served under, each with the condition
            it depends on ("" when none)."""
            node = self.routers.get(key)
            if node is None:
                return []
            own = node.own
            ups = [m for m in parents.get(key, []) if m.parent not in seen]
            if not ups:
                if node.kind == "app":
                    return [("", "")]
                if node.kind == "param":
                    func, _, param = key[1].rpartition(".")
                    raise Unresolved(f"{node.where}: `{param}` is a parameter of {func}() and no call of it "
                                     "with a router was found")
                if self.pending:
                    raise Unresolved(f"{self.pending[0]} (so where {self.name(key)} is mounted is unknown)")
                if self.outside:
                    raise Unresolved(f"{node.where}: {self.name(key)} is mounted nowhere in the scanned "
                                     f"code, and {self.outside[0]} mounts a router from outside it: scan "
                                     "that code too")
                if has_app:  # dead code, or mounted by code static reading does not see
                    raise Unresolved(f"{self.name(key)} is mounted nowhere static reading can see (scan the "
                                     "code that mounts it, set code.app to ask the framework, or exclude the "
                                     "file if it is not served)")
                if isinstance(own, Unresolved):
                    raise own
                roots[key] = None
                return [(own or "", "")]
            out: list[tuple[str, str]] = []
            for m in ups:
                if m.alias:
                    out += [(up, c or m.condition) for up, c in prefixes(m.parent, seen | {key})]
                    continue
                if isinstance(m.prefix, Unresolved):
                    raise m.prefix
                if node.kind == "blueprint" and m.prefix is not None:
                    mine = m.prefix  # register_blueprint(url_prefix=) replaces the blueprint's own
                elif isinstance(own, Unresolved):
                    raise own
                else:
                    mine = join(self.framework, m.prefix or "", own or "")
                out += [(join(self.framework, up, mine), c or m.condition)
                        for up, c in prefixes(m.parent, seen | {key})]
            return out

        for raw in self.routes:
            try:
                if isinstance(raw.path, Unresolved):
                    raise raw.path
                if isinstance(raw.methods, Unresolved):
                    raise raw.methods
                ups = prefixes(raw.router, frozenset())
            except Unresolved as exc:
                unresolved[exc.what] = None
                continue
            for prefix, condition in ups:
                path = re.sub(r"//+", "/", join(self.framework, prefix, raw.path)) or "/"
                ex.routes += [Route(m, path, raw.where, raw.hidden, raw.condition or condition)
                              for m in raw.methods]
        ex.unresolved += list(unresolved)
        if roots:
            which = ", ".join(self.name(k) for k in roots)
            ex.notes.append(f"no application object in the scanned code: routers are taken at their own "
                            f"prefixes ({which})")
        return ex

"""`routes`: the API surface in code matches the contract: no undocumented route, no
documented route that is not implemented; or an explicit list of routes exists in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.targets.globs import matches, path_filter
from certify.targets.jsfiles import JS_SUFFIXES
from certify.targets.repo import RepoTarget

if TYPE_CHECKING:
    from certify.targets.routes import Route

TEST_FILES = ("tests/", "test/", "__tests__/", "test_*.py", "*_test.py", "conftest.py",
              "*.test.[jt]s", "*.spec.[jt]s", "node_modules/", "*.min.js", "*.d.ts")


@dataclass(frozen=True)
class CodeSpec:
    paths: list[str] = field(default_factory=list, metadata=meta(
        "globs or folders holding the route code (default: the whole repository)"))
    framework: Literal["auto", "fastapi", "flask", "express"] = field(default="auto", metadata=meta(
        "which framework declares the routes"))
    exclude: list[str] = field(default_factory=lambda: list(TEST_FILES), metadata=meta(
        "globs of files that declare no served routes (default: tests and node_modules)"))
    app: str = field(default="", metadata=meta(
        'ask the framework: "pkg.main:app" (FastAPI, Starlette, Flask; imported in a subprocess) or '
        '"src/server.js" (Express; loaded by node without listening); default: read the code statically'))
    python: str = field(default="python3", metadata=meta(
        "the interpreter that imports `app` (a venv's bin/python works), relative to the repository"))
    node: str = field(default="node", metadata=meta(
        'the node that loads an Express `app`, with its options ("node --import tsx" for TypeScript)'))
    env: dict[str, str] = field(default_factory=dict, metadata=meta(
        "environment variables the application needs to be imported"))
    prefix: str = field(default="", metadata=meta(
        "a prefix the code's routes are served under (a server prefix the contract includes)"))
    hidden: bool = field(default=False, metadata=meta(
        "compare routes hidden from the schema (FastAPI include_in_schema=False) too"))

    def __post_init__(self) -> None:
        if self.prefix and not self.prefix.startswith("/"):
            raise ValueError(f'code.prefix: "{self.prefix}": expected a path starting with "/"')
        if self.app and ":" not in self.app and not self.app.endswith(JS_SUFFIXES):
            raise ValueError(f'code.app: "{self.app}": expected "package.module:variable" (Python) or '
                             "a .js/.ts entry file (Express)")
        if self.app.endswith(JS_SUFFIXES) and (Path(self.app).is_absolute() or ".." in Path(self.app).parts):
            raise ValueError(f'code.app: "{self.app}": expected an entry file inside the repository')


@dataclass(frozen=True)
class RoutesExpect:
    """Given, it checks only what it names; absent, both directions are checked."""

    undocumented: Literal["none"] | None = field(default=None, metadata=meta(
        "none = every route in code is in the contract"))
    unimplemented: Literal["none"] | None = field(default=None, metadata=meta(
        "none = every route in the contract is in code"))


@dataclass(frozen=True)
class RoutesFields:
    """List the routes of the code (asking the framework with `code.app`, or reading the code
    statically) and compare them by method and path (path parameters compared by position:
    {id}, :id and <int:id> are the same). What static reading cannot resolve makes the check
    UNKNOWN, naming file:line."""

    code: CodeSpec = field(default_factory=CodeSpec, metadata=meta("where the route code is"))
    contract: list[str] = field(default_factory=list, metadata=meta(
        "OpenAPI 3 / Swagger 2 files, YAML or JSON (globs)"))
    prefix: str = field(default="", metadata=meta("a prefix the contract's paths are served under"))
    expect: RoutesExpect = field(default_factory=lambda: RoutesExpect("none", "none"), metadata=meta(
        "what must match (default: both directions; given, only what it names)"))
    routes: list[str] = field(default_factory=list, metadata=meta(
        'routes that must exist in code, e.g. "GET /health/live"'))

    def __post_init__(self) -> None:
        if not self.contract and not self.routes:
            raise ValueError("give `contract:` (OpenAPI files) or `routes:` (a list to find in code)")
        for pattern in self.contract:
            if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
                raise ValueError(f"contract: {pattern}: expected a path inside the repository")
        for r in self.routes:
            method, _, path = r.strip().partition(" ")
            if not path.startswith("/") or not method.isalpha():
                raise ValueError(f'routes: "{r}": expected "METHOD /path"')


def _key(route: str) -> tuple[str, str]:
    """'GET /users/:id' as the comparison keys it: ('GET', '/users/{}')."""
    from certify.targets.routes import normalise

    method, _, path = route.strip().partition(" ")
    return method.upper(), normalise(path)


def _home(path: str, paths_in: dict[str, list[str]]) -> str:
    """The contract whose paths share the longest leading segments with `path` (the first
    contract on a tie): where an undocumented route most likely belongs."""
    def shared(other: str) -> int:
        n = 0
        for a, b in zip(path.split("/"), other.split("/"), strict=False):
            if a != b:
                break
            n += 1
        return n
    return max(paths_in, key=lambda rel: max((shared(p) for p in paths_in[rel]), default=0))


IMPLICIT = {"flask": ("HEAD", "OPTIONS")}  # methods a framework answers on every rule by itself


def run(f: RoutesFields, ctx: CheckContext[RoutesFields]) -> Outcome:
    # the extractors load when a check runs, not when a spec is validated
    from certify.targets.routes import Extraction, Route, code_routes, contract_routes
    from certify.targets.routes.introspect import introspect

    repo: RepoTarget = ctx.target
    accept = path_filter(f.code.paths, f.code.exclude)
    files = [p for p in repo.files() if accept(p)]
    where = ", ".join(f.code.paths) or "the repository"
    if f.code.app:
        how = f"import {f.code.app} and list the routes its framework registered"
    else:
        how = f"extract {f.code.framework if f.code.framework != 'auto' else ''} routes from {where}"
    calls = "get|post|put|patch|delete|route|api_route|use|include_router|register_blueprint|mount"
    compare = f"; compare with {', '.join(f.contract)}" if f.contract else ""
    out = ctx.outcome(ran=" ".join(how.split()) + compare, reproduce=in_dir(
        repo.root, f"rg -n -e '\\.({calls})\\(' " + " ".join(f.code.paths or ["."])))
    if f.code.app:
        ex = introspect(repo.root, f.code.app, f.code.python, f.code.node, f.code.env, ctx.remaining)
    else:
        ctx.scope("code paths", f.code.paths,
                  lambda pat: any(matches(p, pat) for p in files), total=len(files), noun="file")
        # No code in scope: the engine makes that UNKNOWN, unless allow_empty says it may be so;
        # then a required or documented route is simply not in the code.
        ex = code_routes(repo.root, files, f.code.framework) if files else Extraction(f.code.framework)
        if files and ex.framework == "unknown":
            raise CheckError(f"no FastAPI, Flask or Express code found in {where}")
        if ex.framework == "ambiguous":
            raise CheckError(f"{where} holds both Python (FastAPI/Flask) and Express route code: set "
                             "code.framework, or code.paths to one application")
        out.ran = f"extract {ex.framework} routes from {where}" + compare
    implicit = IMPLICIT.get(ex.framework, ())
    implemented: dict[tuple[str, str], Route] = {}
    conditional: dict[tuple[str, str], Route] = {}  # registered only under an undecided condition
    hidden: list[Route] = []
    for r in ex.routes:
        if f.code.prefix:
            r = Route(r.method, f.code.prefix.rstrip("/") + r.path, r.where, r.hidden)
        if r.method in implicit:
            continue
        if r.hidden and not f.code.hidden:
            hidden.append(r)
            continue
        if r.condition:
            conditional.setdefault(r.key, r)
        else:
            implemented.setdefault(r.key, r)
    for key in implemented:
        conditional.pop(key, None)  # also registered unconditionally
    documented: dict[tuple[str, str], Route] = {}
    inside = repo.root.resolve()  # a link out of the repository is not followed
    contracts = sorted({str(p.relative_to(repo.root)) for pattern in f.contract
                        for p in repo.root.glob(pattern)
                        if p.is_file() and p.resolve().is_relative_to(inside)})
    if f.contract:
        ctx.scope("contract", f.contract, lambda pat: any(matches(c, pat) for c in contracts),
                  total=len(contracts), noun="file")
        if not contracts:
            return out
    paths_in: dict[str, list[str]] = {rel: [] for rel in contracts}  # contract -> its paths
    for rel in contracts:
        try:
            for r in contract_routes(repo.root / rel, rel, f.prefix):
                if r.method not in implicit:
                    documented.setdefault(r.key, r)
                    paths_in[rel].append(r.key[1])
        except (ValueError, OSError) as exc:
            raise CheckError(f"{rel}: cannot read the contract: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - YAML/JSON parse errors, one line
            raise CheckError(f"{rel}: not YAML/JSON: {' '.join(str(exc).split())[:200]}") from None
    any_method = {path for (method, path) in implemented if method == "ALL"}  # Express router.all
    out.values.update(implemented=len(implemented), documented=len(documented), framework=ex.framework,
                      mode=ex.mode)
    # Whatever could not be resolved may hold any route: a route missing from the code is then
    # not proven missing (only what was found is certain).
    incomplete = ex.unparsed + ex.unresolved
    # A route registered only under a condition static reading cannot decide may or may not be
    # served: it proves nothing either way where it matters (a contract, or a route required).
    required = {_key(w) for w in f.routes}
    incomplete += [f"{r.condition} registers {r.method} {r.path} ({r.where})"
                   for k, r in sorted(conditional.items()) if contracts or k in required]
    # NestJS decorators, a framework guessed wrong, code elsewhere:
    if (f.code.app or files) and not ex.routes and not incomplete:
        incomplete = [f"no {ex.framework} route was found in {where} (is code.framework right, and the "
                      "route code in code.paths?)"]
    out.unproven += incomplete
    certain: list[Finding] = []
    doubtful: list[Finding] = []
    if contracts:
        undocumented = [r for k, r in sorted(implemented.items()) if k not in documented
                        and not (r.method == "ALL" and any(p == k[1] for _, p in documented))]
        unimplemented = [r for k, r in sorted(documented.items()) if k not in implemented
                         and k[1] not in any_method]
        out.values.update(undocumented=len(undocumented), unimplemented=len(unimplemented))
        if f.expect.undocumented == "none":
            certain += [Finding(f"{r.method} {r.path}", f"implemented at {r.where}, not in the contract",
                                f"document it in {_home(r.key[1], paths_in)}") for r in undocumented]
        if f.expect.unimplemented == "none":
            doubtful += [Finding(f"{r.method} {r.path}", f"in the contract ({r.where}), not implemented")
                         for r in unimplemented]
    for wanted in f.routes:
        key = _key(wanted)
        if key not in implemented and key[1] not in any_method:
            doubtful.append(Finding(f"{key[0]} {wanted.strip().partition(' ')[2]}", "not found in the code"))
    out.findings = certain + (doubtful if not incomplete else [])
    out.lead = f"{len(out.findings)} mismatch{'es' if len(out.findings) != 1 else ''}"
    listing = [str(r) for _, r in sorted(implemented.items())]
    out.attachments = {"routes.txt": "\n".join(listing)} if len(listing) > 20 else {}
    if ex.unparsed:
        out.values["unparsed"] = ex.unparsed
    if ex.unresolved:
        out.values["unresolved"] = ex.unresolved
    if hidden:
        out.values["hidden"] = [str(r) for r in sorted(hidden, key=lambda r: (r.key, r.where))]
    notes = [*ex.notes, *(f"not counted as missing while the code is not fully resolved: {x.where}"
                          for x in (doubtful if incomplete else []))]
    if out.findings:
        out.output = head([f"{x.where}: {x.what}" for x in out.findings], 30)
    elif incomplete:
        out.reason = f"{len(implemented)} routes resolved in code" + (
            f", {len(doubtful)} missing not counted" if doubtful else "")
        out.output = head(listing, 30)
    else:
        out.reason = f"{len(implemented)} routes in code" + (
            f", {len(documented)} in the contract, all matching" if contracts else ", all required present")
        out.output = head(listing, 30)
    if notes:
        out.output = "\n".join([out.output, *(f"note: {n}" for n in notes)])
    return out


KIND = KindSpec(
    name="routes",
    summary="the API surface in code matches the OpenAPI contract",
    fields=RoutesFields,
    run=run,
    example="""\
- kind: routes
  code: {paths: [backend/app], framework: fastapi}
  contract: [api-contracts/*.yaml]
  expect: {undocumented: none, unimplemented: none}
""",
)

"""`routes`: the API surface in code matches the contract: no undocumented route, no
documented route that is not implemented; or an explicit list of routes exists in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from certify.kinds.base import CheckContext, CheckError, Finding, KindSpec, Outcome, head, in_dir
from certify.spec.binder import meta
from certify.targets.globs import path_filter
from certify.targets.repo import RepoTarget
from certify.targets.routes_extract import Route, code_routes, contract_routes, normalise

TEST_FILES = ("tests/", "test/", "__tests__/", "test_*.py", "*_test.py", "conftest.py",
              "*.test.[jt]s", "*.spec.[jt]s", "node_modules/")


@dataclass(frozen=True)
class CodeSpec:
    paths: list[str] = field(default_factory=list, metadata=meta(
        "globs or folders holding the route code (default: the whole repository)"))
    framework: Literal["auto", "fastapi", "flask", "express"] = field(default="auto", metadata=meta(
        "which framework declares the routes"))
    exclude: list[str] = field(default_factory=lambda: list(TEST_FILES), metadata=meta(
        "globs of files that declare no served routes (default: tests and node_modules)"))


@dataclass(frozen=True)
class RoutesExpect:
    """Given, it checks only what it names; absent, both directions are checked."""

    undocumented: Literal["none"] | None = field(default=None, metadata=meta(
        "none = every route in code is in the contract"))
    unimplemented: Literal["none"] | None = field(default=None, metadata=meta(
        "none = every route in the contract is in code"))


@dataclass(frozen=True)
class RoutesFields:
    """Extract routes statically from the code and compare them by method and path (path
    parameters compared by position: {id}, :id and <int:id> are the same)."""

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
        for r in self.routes:
            method, _, path = r.strip().partition(" ")
            if not path.startswith("/") or not method.isalpha():
                raise ValueError(f'routes: "{r}": expected "METHOD /path"')


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


def run(f: RoutesFields, ctx: CheckContext[RoutesFields]) -> Outcome:
    repo: RepoTarget = ctx.target
    accept = path_filter(f.code.paths, f.code.exclude)
    files = [p for p in repo.files() if accept(p)]
    code, problems, framework = code_routes(repo.root, files, f.code.framework)
    where = ", ".join(f.code.paths) or "the repository"
    out = ctx.outcome(ran=f"extract {framework} routes from {where}"
                  + (f"; compare with {', '.join(f.contract)}" if f.contract else ""))
    if not code and problems:
        raise CheckError("; ".join(problems))
    implemented: dict[tuple[str, str], Route] = {}
    for r in code:
        implemented.setdefault(r.key, r)
    documented: dict[tuple[str, str], Route] = {}
    contracts = sorted({str(p.relative_to(repo.root)) for pattern in f.contract
                        for p in repo.root.glob(pattern) if p.is_file()})
    if f.contract and not contracts:
        raise CheckError(f"no contract file matches {', '.join(f.contract)}")
    paths_in: dict[str, list[str]] = {rel: [] for rel in contracts}  # contract -> its paths
    for rel in contracts:
        try:
            for r in contract_routes(repo.root / rel, rel, f.prefix):
                documented.setdefault(r.key, r)
                paths_in[rel].append(r.key[1])
        except (ValueError, OSError) as exc:
            raise CheckError(f"{rel}: cannot read the contract: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - YAML/JSON parse errors, one line
            raise CheckError(f"{rel}: not YAML/JSON: {' '.join(str(exc).split())[:200]}") from None
    out.values.update(implemented=len(implemented), documented=len(documented), framework=framework)
    short: list[str] = []  # one phrase per finding, for the one-line reason
    if contracts:
        undocumented = [r for k, r in sorted(implemented.items()) if k not in documented]
        unimplemented = [r for k, r in sorted(documented.items()) if k not in implemented]
        out.values.update(undocumented=len(undocumented), unimplemented=len(unimplemented))
        if f.expect.undocumented == "none":
            out.findings += [Finding(f"{r.method} {r.path}", f"implemented at {r.where}, not in the contract",
                                     f"document it in {_home(r.key[1], paths_in)}") for r in undocumented]
            short += [f"{r.method} {r.path} undocumented ({r.where})" for r in undocumented]
        if f.expect.unimplemented == "none":
            out.findings += [Finding(f"{r.method} {r.path}", f"in the contract ({r.where}), not implemented")
                             for r in unimplemented]
            short += [f"{r.method} {r.path} unimplemented ({r.where})" for r in unimplemented]
    for wanted in f.routes:
        method, _, path = wanted.strip().partition(" ")
        if (method.upper(), normalise(path)) not in implemented:
            out.findings.append(Finding(f"{method.upper()} {path}", "not found in the code"))
            short.append(f"{method.upper()} {path} not found in the code")
    listing = [f"{r.method} {r.path}  ({r.where})" for _, r in sorted(implemented.items())]
    out.attachments = {"routes.txt": "\n".join(listing)} if len(listing) > 20 else {}
    calls = "get|post|put|patch|delete|route|api_route|use|include_router|register_blueprint"
    out.reproduce = in_dir(repo.root, f"rg -n -e '\\.({calls})\\(' " + " ".join(f.code.paths or ["."]))
    if problems:
        out.values["unparsed"] = problems
    if out.findings:
        out.status = "fail"
        out.reason = f"{len(out.findings)} mismatch{'es' if len(out.findings) != 1 else ''}: " + "; ".join(
            short[:3]) + ("; ..." if len(short) > 3 else "")
        out.output = head([f"{x.where}: {x.what}" for x in out.findings], 30)
    else:
        out.reason = f"{len(implemented)} routes in code" + (
            f", {len(documented)} in the contract, all matching" if contracts else ", all required present")
        out.output = head(listing, 30)
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

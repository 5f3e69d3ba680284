#!/usr/bin/env python3
"""Check that every import in backend/ resolves, without installing anything.

- first-party (`backend.*`): the module exists, and every name imported from it is a
  submodule or is defined at its top level;
- third-party: the package is declared in backend/requirements.txt;
- the auth guard: routers import their guards from backend/modules/auth_guard.py.

    python3 scripts/check_imports.py      # from the repository root; exit 0 = IMPORTS OK
"""
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
DIST_TO_MODULE = {"pyjwt": "jwt", "uvicorn[standard]": "uvicorn"}
GUARDS = {"get_current_user", "verify_twin_ownership", "verify_source_ownership",
          "verify_conversation_ownership"}


def module_file(dotted: str):
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def top_level_names(path: Path) -> set:
    names = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Try):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    names.update((a.asname or a.name).split(".")[0] for a in sub.names)
    return names


def declared_packages() -> set:
    found = set()
    for line in (BACKEND / "requirements.txt").read_text().splitlines():
        name = re.split(r"[=<>~! ;]", line.strip(), maxsplit=1)[0].lower()
        if name and not name.startswith("#"):
            found.add(DIST_TO_MODULE.get(name, name.split("[")[0]))
    return found


def main() -> int:
    files = sorted(BACKEND.rglob("*.py"))
    declared = declared_packages()
    resolved, problems, third, guard_users = 0, [], set(), set()
    for f in files:
        rel = f.relative_to(ROOT)
        for node in ast.walk(ast.parse(f.read_text(), str(rel))):
            if isinstance(node, ast.Import):
                targets = [(a.name, []) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [(node.module, [a.name for a in node.names])]
            elif isinstance(node, ast.ImportFrom):
                problems.append(f"{rel}:{node.lineno}: relative import (not allowed)")
                continue
            else:
                continue
            for module, names in targets:
                top = module.split(".")[0]
                if top != "backend":
                    if top not in sys.stdlib_module_names:
                        third.add(top)
                    continue
                path = module_file(module)
                if path is None:
                    problems.append(f"{rel}:{node.lineno}: no module {module}")
                    continue
                defined = top_level_names(path)
                for name in names:
                    if name in defined or module_file(f"{module}.{name}"):
                        resolved += 1
                    else:
                        problems.append(f"{rel}:{node.lineno}: {module} has no {name}")
                if module == "backend.modules.auth_guard" and GUARDS & set(names):
                    guard_users.add(str(rel))
                if not names:
                    resolved += 1
    undeclared = sorted(third - declared)
    problems += [f"third-party package {p} is imported but not in backend/requirements.txt"
                 for p in undeclared]
    missing_guards = sorted(GUARDS - top_level_names(BACKEND / "modules" / "auth_guard.py"))
    problems += [f"backend/modules/auth_guard.py does not define {g}" for g in missing_guards]
    routers = sorted(str(p.relative_to(ROOT)) for p in (BACKEND / "routers").glob("*.py")
                     if p.name != "__init__.py")
    problems += [f"{r} does not import its guards from backend.modules.auth_guard"
                 for r in routers if r not in guard_users]
    print(f"checked {len(files)} modules under backend/")
    print(f"first-party imports: {resolved} resolved, {len(problems)} problems")
    print(f"third-party packages imported: {', '.join(sorted(third))} "
          f"({len(third) - len(undeclared)} of {len(third)} declared in backend/requirements.txt)")
    print(f"auth guard: {', '.join(sorted(GUARDS - set(missing_guards)))} defined in "
          f"backend/modules/auth_guard.py; imported by {len(guard_users & set(routers))} of "
          f"{len(routers)} routers")
    for p in problems:
        print("PROBLEM", p)
    print("IMPORTS OK" if not problems else "IMPORTS FAILED")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

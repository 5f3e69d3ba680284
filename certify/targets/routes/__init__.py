"""Routes declared by an application's code, found two ways:

- static (`python_static`, `js_static`): read from the source without running it, with a small
  constant evaluator that follows imports, constants, settings defaults, Enum values and
  f-strings; whatever it cannot resolve is listed (file:line), never guessed;
- introspection (`introspect`): the application is loaded in a subprocess with its own
  interpreter and the framework's own route table is listed.
"""

from __future__ import annotations

import re
from pathlib import Path

from certify.targets.routes.contract import contract_routes
from certify.targets.routes.js_static import JS_SUFFIXES, express_routes
from certify.targets.routes.model import Extraction, Route, normalise
from certify.targets.routes.python_static import python_routes

__all__ = ["Extraction", "Route", "code_routes", "contract_routes", "detect", "normalise"]


def detect(root: Path, files: list[str]) -> str:
    """The framework a tree uses: the one whose markers most files hold; "ambiguous" when both
    Python and Express route code is there (two applications: the check must say which)."""
    counts = {"fastapi": 0, "flask": 0, "express": 0}
    for rel in files:
        if rel.endswith(".py"):
            text = (root / rel).read_text(errors="replace")
            if "FastAPI(" in text or "Starlette(" in text or re.search(r"\w*Router\s*\(\s*prefix\s*=", text) \
                    or "APIRouter(" in text:
                counts["fastapi"] += 1
            elif "Flask(" in text or "Blueprint(" in text:
                counts["flask"] += 1
        elif rel.endswith(JS_SUFFIXES) and re.search(r"""['"]express['"]|\bexpress\s*\(""",
                                                     (root / rel).read_text(errors="replace")):
            counts["express"] += 1
    if counts["express"] and (counts["fastapi"] or counts["flask"]):
        return "ambiguous"
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "unknown"


def code_routes(root: Path, files: list[str], framework: str) -> Extraction:
    """The routes of the code in `files` (relative to `root`), read statically."""
    if framework == "auto":
        framework = detect(root, files)
    if framework in ("fastapi", "flask"):
        return python_routes(root, files, framework)
    if framework == "express":
        return express_routes(root, files)
    return Extraction(framework)

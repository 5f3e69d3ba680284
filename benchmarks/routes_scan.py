"""`routes` on generated applications: static extraction and introspection, 300 and 2,000 routes.

Writes a FastAPI application (routers in packages, prefixes from a settings class and module
constants, include_router two levels deep, and 1,500 modules that declare no route but import
each other, as the rest of a real repository does) and an Express application of the same
shape, then times a `routes` check on each through `certify run`
(the check's own seconds, and the whole run with process start and repository anchoring)
in static mode and with `code.app` (introspection:
FastAPI imported by this Python; express loaded by node when the oracle fixture has it
installed). Every run must find every route. Target: a 300-route application under 2 s.

    python benchmarks/routes_scan.py [--routes 300 2000] [--filler 1500]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPRESS = ROOT / "fixtures" / "routes" / "oracle" / "express_app" / "node_modules"
PER_MODULE = 20


def fastapi_app(root: Path, routes: int, filler: int = 0) -> None:
    """A FastAPI application of `routes` routes, and `filler` modules that declare none but
    import each other (the rest of a real repository: models, services, utilities)."""
    app = root / "app"
    (app / "api" / "endpoints").mkdir(parents=True)
    (app / "helpers").mkdir()
    (app / "services").mkdir()
    for pkg in (app, app / "api", app / "api" / "endpoints", app / "helpers", app / "services"):
        (pkg / "__init__.py").write_text("")
    for k in range(filler):
        (app / "services" / f"s{k}.py").write_text(
            "".join(f"from app.services.s{(k * 7 + j) % filler} import value as v{j}\n" for j in range(3))
            + f"from app.helpers import h0\n\n\ndef value() -> int:\n    return {k}\n")
    (app / "config.py").write_text(
        'class Settings:\n    API_V1_STR: str = "/api/v1"\n\n\nsettings = Settings()\n')
    modules = (routes + PER_MODULE - 1) // PER_MODULE
    includes = []
    for m in range(modules):
        lines = ["from fastapi import APIRouter", f"from app.helpers.h{m} import NAME", "",
                 f'router = APIRouter(prefix=f"/{{NAME}}{m}")', ""]
        for r in range(min(PER_MODULE, routes - m * PER_MODULE)):
            verb = ("get", "post", "put", "delete")[r % 4]
            lines += [f'@router.{verb}("/items{r}/{{item_id}}")', f"def h{r}(item_id: int) -> None:",
                      "    return None", ""]
        (app / "api" / "endpoints" / f"m{m}.py").write_text("\n".join(lines))
        (app / "helpers" / f"h{m}.py").write_text(
            f'NAME = "res"\n\n\ndef helper{m}() -> int:\n    return {m}\n')
        includes.append(f"from app.api.endpoints import m{m}\napi.include_router(m{m}.router)")
    (app / "api" / "api.py").write_text(
        "from fastapi import APIRouter\n\napi = APIRouter()\n" + "\n".join(includes))
    (app / "main.py").write_text("from fastapi import FastAPI\n\nfrom app.api.api import api\n"
                                 "from app.config import settings\n\napp = FastAPI()\n"
                                 "app.include_router(api, prefix=settings.API_V1_STR)\n")


def express_app(root: Path, routes: int, filler: int = 0) -> None:
    src = root / "src" / "routes"
    src.mkdir(parents=True)
    (root / "src" / "services").mkdir()
    for k in range(filler):
        (root / "src" / "services" / f"s{k}.js").write_text(
            "".join(f"const v{j} = require('./s{(k * 7 + j) % filler}');\n" for j in range(3))
            + f"module.exports = {{ value: () => {k} }};\n")
    modules = (routes + PER_MODULE - 1) // PER_MODULE
    mounts = []
    for m in range(modules):
        lines = ["const { Router } = require('express');", "const router = Router();"]
        for r in range(min(PER_MODULE, routes - m * PER_MODULE)):
            verb = ("get", "post", "put", "delete")[r % 4]
            lines.append(f"router.{verb}('/items{r}/:id', (req, res) => res.end());")
        lines.append("module.exports = router;")
        (src / f"m{m}.js").write_text("\n".join(lines) + "\n")
        mounts.append(f"api.use('/res{m}', require('./routes/m{m}'));")
    (root / "src" / "server.js").write_text(
        "const express = require('express');\nconst api = express.Router();\n" + "\n".join(mounts)
        + "\nconst app = express();\napp.use('/api/v1', api);\napp.listen(3000);\nmodule.exports = app;\n")
    if EXPRESS.is_dir():
        (root / "node_modules").symlink_to(EXPRESS)


def run(root: Path, code: str) -> tuple[float, float, str, int]:
    """(the whole `certify run`, the check itself, its mode, the routes it found)."""
    (root / "checks.yaml").write_text(
        "certify: 1\nphase: bench\ntargets: {repo: {path: .}}\nhypotheses:\n"
        f"  - id: R\n    claim: routes\n    check: {{kind: routes, code: {code}, routes: ['GET /x'], "
        "timeout: 120}\n")
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "certify", "run", "-q"], cwd=root, capture_output=True, text=True)
    took = time.monotonic() - start
    packs = sorted(root.glob("reports/*/*/results.json"))
    check = json.loads(packs[-1].read_text())["hypotheses"][0]["checks"][0]
    shutil.rmtree(root / "reports")
    values = check["values"]
    return took, check["seconds"], values.get("mode", "?"), int(values.get("implemented", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, nargs="+", default=[300, 2000])
    parser.add_argument("--filler", type=int, default=1500, help="modules that declare no route")
    args = parser.parse_args()
    print(f"{'application':<22} {'mode':<14} {'routes found':>12} {'check s':>8} {'run s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.routes:
            fa = Path(tmp) / f"fastapi{n}"
            fastapi_app(fa, n, args.filler)
            ex = Path(tmp) / f"express{n}"
            express_app(ex, n, args.filler)
            cases = [(f"FastAPI, {n} routes", fa, "{paths: [app]}"),
                     (f"FastAPI, {n} routes", fa, f"{{app: 'app.main:app', python: '{sys.executable}'}}"),
                     (f"Express, {n} routes", ex, "{paths: [src]}")]
            if EXPRESS.is_dir() and shutil.which("node"):
                cases.append((f"Express, {n} routes", ex, "{app: src/server.js}"))
            for label, root, code in cases:
                took, check, mode, found = run(root, code)
                flag = "" if found == n else f"  (expected {n})"
                print(f"{label:<22} {mode:<14} {found:>12} {check:>8.2f} {took:>8.2f}{flag}")


if __name__ == "__main__":
    main()

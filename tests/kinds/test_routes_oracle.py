"""Oracle: each fixture application in fixtures/routes/oracle is written in every pattern static
extraction must read (prefixes from settings, Enums, f-strings, loops, mounts, blueprints,
MethodView, this.app, init(app), chained routers, path arrays...). Its own framework's route
table (introspection: FastAPI and Flask imported, express loaded by node) must equal certify's
static extraction, route by route. And `code.app` through the CLI: exact, or UNKNOWN with the
first line of the error."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from certify.targets.routes import Route, code_routes
from certify.targets.routes.introspect import introspect
from tests.conftest import FIXTURES, certify, spec_text, write

ORACLE = FIXTURES / "routes" / "oracle"
APPS = {"fastapi": "app.main:app", "flask": "shop.app:app", "express": "src/server.js"}
TREES = {tree: ORACLE / f"{tree}_app" for tree in APPS}
SOURCES = {"fastapi": (".py",), "flask": (".py",), "express": (".js",)}


def table(routes: list[Route]) -> set[tuple[str, str, bool, str]]:
    """(method, normalised path, hidden, file) of the application's own routes: the framework's
    built-in ones (FastAPI's docs, Flask's static files) and the methods Flask adds to every rule
    (HEAD, OPTIONS) are not the application's."""
    return {(*r.key, r.hidden, r.where.split(":")[0]) for r in routes
            if not r.where.startswith(("<", "?")) and r.method not in ("HEAD", "OPTIONS")}


def need_express() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (TREES["express"] / "node_modules" / "express").is_dir():
        message = "express is not installed: npm install --prefix fixtures/routes/oracle/express_app"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("tree", sorted(APPS))
def test_static_extraction_equals_the_frameworks_own_route_table(tree: str) -> None:
    if tree == "express":
        need_express()
    root = TREES[tree]
    truth = introspect(root, APPS[tree], sys.executable, "node", {}, 60)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                   if p.suffix in SOURCES[tree] and "node_modules" not in p.parts)
    static = code_routes(root, files, "auto")
    assert static.framework == tree
    assert static.unresolved == [] and static.unparsed == [] and static.notes == []
    assert len(table(truth.routes)) >= 9
    assert table(static.routes) == table(truth.routes)


def run_routes(tmp_path: Path, repo: Path, check: str) -> dict[str, Any]:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: R
          claim: c
          check: {check}
    """, header=f"targets: {{repo: {{path: {repo}}}}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    h: dict[str, Any] = res.results["hypotheses"][0]
    return h


def test_code_app_asks_the_framework(tmp_path: Path) -> None:
    h = run_routes(tmp_path, TREES["fastapi"], f"""{{kind: routes,
        code: {{app: "app.main:app", python: "{sys.executable} -X utf8"}},
        routes: ["GET /admin/{{org}}/events/recent", "POST /api/v1/v1/auth/register"]}}""")
    assert h["verdict"] == "TRUE", h["reason"]
    check = h["checks"][0]
    assert check["values"]["mode"] == "introspection"
    assert "GET /api/v1/items/{item_id}  (app/api/v1/endpoints/items.py:11)" in check["output"]
    hidden = "DELETE /api/v1/items/{item_id}  (app/api/v1/endpoints/items.py:21)"
    assert check["values"]["hidden"][0] == hidden


def test_code_app_that_cannot_be_imported_is_unknown_with_the_error(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "svc" / "__init__.py", "")
    write(tmp_path / "repo" / "svc" / "main.py", "import os\nimport not_installed_anywhere\napp = None\n")
    h = run_routes(tmp_path, tmp_path / "repo", f"""{{kind: routes,
        code: {{app: "svc.main:app", python: "{sys.executable}"}}, routes: ["GET /x"]}}""")
    assert h["verdict"] == "UNKNOWN"
    assert h["reason"] == ("import svc.main:app failed: ModuleNotFoundError: No module named "
                           "'not_installed_anywhere'"), h["reason"]


def test_code_app_is_bounded_by_the_timeout_and_gets_env(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "slow.py", """
        import os, time
        from flask import Flask
        time.sleep(float(os.environ["SLEEP"]))
        app = Flask(__name__)
    """)
    h = run_routes(tmp_path, tmp_path / "repo", f"""{{kind: routes, timeout: 2,
        code: {{app: "slow:app", python: "{sys.executable}", env: {{SLEEP: "30"}}}}, routes: ["GET /x"]}}""")
    assert h["verdict"] == "UNKNOWN"
    assert "did not finish within" in h["reason"], h["reason"]


def test_express_app_is_loaded_without_listening(tmp_path: Path) -> None:
    need_express()
    h = run_routes(tmp_path, TREES["express"], """{kind: routes,
        code: {app: src/server.js, node: node --no-warnings},
        routes: ["DELETE /api/v1/admin/cache", "GET /api/v1/datasets/{id}"]}""")
    assert h["verdict"] == "TRUE", h["reason"]
    assert h["checks"][0]["values"]["implemented"] == 13


def test_express_app_that_starts_after_an_await_is_listed_when_it_listens(tmp_path: Path) -> None:
    need_express()
    repo = tmp_path / "repo"
    write(repo / "server.js", """
        const express = require('express');
        async function main() {
          await new Promise((resolve) => setTimeout(resolve, 300));  // a database connects
          const app = express();
          app.get('/late', (req, res) => res.end());
          app.listen(3000);
        }
        main();
    """)
    (repo / "node_modules").symlink_to(TREES["express"] / "node_modules")
    h = run_routes(tmp_path, repo, "{kind: routes, code: {app: server.js}, routes: ['GET /late']}")
    assert h["verdict"] == "TRUE", h["reason"]

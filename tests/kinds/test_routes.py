"""`routes`: routes extracted statically from FastAPI, Flask and Express sources (prefixes
followed across files) compared with OpenAPI contracts, by method and normalised path."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import certify, spec_text, write


def run_routes(tmp_path: Path, check: str) -> dict:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: R
          claim: c
          check: {check}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    return res.results["hypotheses"][0]


def findings(h: dict) -> list[tuple[str, str]]:
    return sorted((f["where"], f["what"].split(",")[0].split(" (")[0].split(" at ")[0])
                  for f in h["checks"][0]["findings"])


def test_fastapi_prefixes_across_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "app" / "main.py", """
        from fastapi import FastAPI
        from app.routes import twins
        from app.routes.health import router as health_router
        from app.api import api

        app = FastAPI()
        app.include_router(health_router)
        app.include_router(twins.router, prefix="/api/v1")
        app.include_router(api, prefix="/api/v2")
    """)
    write(root / "app" / "api.py", """
        from fastapi import APIRouter
        from .routes.twins import router as twins_router
        api = APIRouter()
        api.include_router(twins_router)
    """)
    write(root / "app" / "routes" / "__init__.py", "")
    write(root / "app" / "routes" / "health.py", """
        from fastapi import APIRouter
        router = APIRouter(prefix="/health")

        @router.get("/live")
        async def live(): ...

        @router.api_route("/ready", methods=["GET", "HEAD"])
        def ready(): ...
    """)
    write(root / "app" / "routes" / "twins.py", """
        from fastapi import APIRouter
        router = APIRouter(prefix="/twins", tags=["twins"])

        @router.get("/{twin_id}")
        def get_twin(twin_id: str): ...

        @router.delete("/{twin_id}/")
        def delete_twin(twin_id: str): ...
    """)
    write(root / "openapi.yaml", """
        openapi: 3.0.0
        info: {title: t, version: "1"}
        paths:
          /health/live: {get: {responses: {"200": {description: ok}}}}
          /health/ready: {get: {}}
          /api/v1/twins/{id}: {get: {}, delete: {}}
          /api/v2/twins/{twin}: {get: {}}
          /api/v1/twins: {post: {}}
    """)
    h = run_routes(tmp_path, "{kind: routes, code: {paths: [app/]}, contract: [openapi.yaml]}")
    assert h["verdict"] == "FALSE"
    assert findings(h) == [
        ("DELETE /api/v2/twins/{twin_id}/", "implemented"),
        ("HEAD /health/ready", "implemented"),
        ("POST /api/v1/twins", "in the contract"),
    ]
    assert h["checks"][0]["values"]["framework"] == "fastapi"
    assert h["checks"][0]["ran"] == "extract fastapi routes from app/; compare with openapi.yaml"
    where = {f["where"]: f["what"] for f in h["checks"][0]["findings"]}
    assert "app/routes/health.py:7" in where["HEAD /health/ready"]


def test_flask_blueprints_and_methods(tmp_path: Path) -> None:
    """register_blueprint(url_prefix=) replaces the blueprint's own url_prefix, as Flask does."""
    root = tmp_path / "repo"
    write(root / "svc" / "app.py", """
        from flask import Flask
        from svc.users import bp

        app = Flask(__name__)
        app.register_blueprint(bp, url_prefix="/v1")

        @app.route("/health")
        def health(): ...
    """)
    write(root / "svc" / "users.py", """
        from flask import Blueprint
        bp = Blueprint("users", __name__, url_prefix="/users")

        @bp.route("/<int:user_id>", methods=["GET", "DELETE"])
        def user(user_id): ...

        @bp.post("/")
        def create(): ...
    """)
    write(root / "contract.json", """
        {"openapi": "3.0.0", "paths": {"/health": {"get": {}},
          "/v1/{id}": {"get": {}, "delete": {}}, "/v1": {"post": {}}}}
    """)
    h = run_routes(tmp_path, "{kind: routes, code: {paths: [svc], framework: flask}, "
                             "contract: [contract.json]}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert h["checks"][0]["values"]["implemented"] == 4


def test_express_mounts_across_files_and_required_routes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "server.js", """
        const express = require('express');
        const orders = require('./routes/orders');
        const app = express();
        const api = express.Router();
        api.use('/orders', orders);
        app.use('/api', api);
        app.get('/health/live', (req, res) => res.json({ok: true}));
    """)
    write(root / "src" / "routes" / "orders.js", """
        const { Router } = require('express');
        const router = Router();
        router.get('/:id', (req, res) => res.json({}));
        router.route('/:id/items').get(list).post(add);
        module.exports = router;
    """)
    h = run_routes(tmp_path, """{kind: routes, code: {paths: [src]},
                  routes: ["GET /api/orders/{id}", "POST /api/orders/:id/items", "GET /health/live",
                           "DELETE /api/orders/{id}"]}""")
    assert h["verdict"] == "FALSE"
    assert findings(h) == [("DELETE /api/orders/{id}", "not found in the code")]
    assert h["checks"][0]["values"]["implemented"] == 4


def test_bad_contract_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py",
          "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/x')\ndef x(): ...\n")
    write(tmp_path / "repo" / "openapi.yaml", "openapi: 3.0.0\npaths: [not, a, mapping]\n")
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "UNKNOWN"
    assert "not an OpenAPI document" in h["reason"]


def test_an_undocumented_route_is_pointed_at_the_contract_it_belongs_in(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n"
          "@app.post('/webhooks/stripe/charge')\ndef a(): ...\n"
          "@app.post('/webhooks/paypal/sale')\ndef b(): ...\n"
          "@app.post('/webhooks/stripe/refund')\ndef c(): ...\n")
    for vendor, path in (("paypal", "/webhooks/paypal/sale"), ("stripe", "/webhooks/stripe/charge")):
        write(tmp_path / "repo" / "contracts" / f"{vendor}.yaml",
              f"openapi: 3.0.0\npaths:\n  {path}:\n    post: {{}}\n")
    h = run_routes(tmp_path, "{kind: routes, contract: ['contracts/*.yaml']}")
    [finding] = h["checks"][0]["findings"]
    assert finding["where"] == "POST /webhooks/stripe/refund"
    assert finding["fix"] == "document it in contracts/stripe.yaml"


def test_expect_checks_only_the_direction_it_names(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n"
          "@app.get('/a')\ndef a(): ...\n@app.get('/internal')\ndef b(): ...\n")
    write(tmp_path / "repo" / "openapi.yaml", "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n")
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml], expect: {unimplemented: none}}")
    assert h["verdict"] == "TRUE", h["reason"]
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")  # no expect: both ways
    assert h["verdict"] == "FALSE"
    assert "GET /internal: implemented at app.py:5, not in the contract" in h["reason"]


def test_a_router_mounted_at_the_root_shows_single_slashes(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.js", "const app = express();\nconst r = express.Router();\n"
          "r.get('/health', h);\napp.use('/', r);\n")
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /health']}")
    assert h["verdict"] == "TRUE"
    assert "GET /health  (app.js:3)" in h["checks"][0]["output"] and "//" not in h["checks"][0]["output"]

"""`routes`, static mode on the patterns real applications use: prefixes from constants, settings
defaults, Enum values and f-strings across modules; and fail closed: whatever static extraction
cannot resolve makes the check UNKNOWN naming file:line, never a guessed path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import certify, spec_text, write


def run_routes(tmp_path: Path, check: str) -> dict[str, Any]:
    write(tmp_path / "checks.yaml", spec_text(f"""
        - id: R
          claim: c
          check: {check}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    h: dict[str, Any] = res.results["hypotheses"][0]
    return h


def listing(h: dict[str, Any]) -> list[str]:
    """The routes the check extracted, 'METHOD /path' each (from its output)."""
    return sorted(line.split("  (")[0] for line in h["checks"][0]["output"].splitlines() if "  (" in line)


def test_an_unresolved_prefix_is_unknown_naming_where(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app" / "main.py", """
        import os
        from fastapi import FastAPI
        from app.users import router

        app = FastAPI()
        app.include_router(router, prefix=os.environ["API_PREFIX"])
    """)
    write(tmp_path / "repo" / "app" / "users.py", """
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/users")
        def users(): ...
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app/main.py:6" in h["reason"] and "API_PREFIX" in h["reason"], h["reason"]


def test_a_file_that_does_not_parse_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n"
          "@app.get('/a')\ndef a(): ...\n")
    write(tmp_path / "repo" / "more.py", "from app import app\n@app.get('/b'\ndef b(): ...\n")
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /a']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "more.py" in h["reason"] and "parse" in h["reason"], h["reason"]


def test_routers_included_in_a_loop_over_something_unknown_are_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "main.py", """
        from fastapi import FastAPI
        from plugins import load_plugins

        api = FastAPI()
        for plugin in load_plugins():
            api.include_router(plugin.events, prefix="/{organization}/events")
    """)
    write(tmp_path / "repo" / "plugins.py", """
        from fastapi import APIRouter
        events = APIRouter()

        @events.get("/recent")
        def recent(): ...

        def load_plugins(): ...
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /recent']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "main.py:6" in h["reason"], h["reason"]


def test_fastapi_prefixes_from_settings_enums_constants_and_fstrings(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "app" / "core" / "config.py", """
        from enum import Enum
        from pydantic_settings import BaseSettings

        class Version(str, Enum):
            V1 = "v1"

        class Settings(BaseSettings):
            API_V1_STR: str = "/api/v1"
            PROJECT: str = "x"

        settings = Settings()
        ITEMS = "/items"
    """)
    write(root / "app" / "main.py", """
        from fastapi import FastAPI
        from app.core.config import settings, Version
        from app.api import api_router, auth_router, register_user
        from app.core import config

        app = FastAPI(root_path="/proxy")
        app.include_router(api_router, prefix=settings.API_V1_STR)
        app.include_router(auth_router, prefix=f"/auth/{Version.V1.value}")
        auth_router.post("/register")(register_user)
        sub = FastAPI()
        app.mount("/sub", sub)

        @sub.get("/ping")
        def ping(): ...

        @app.get(config.ITEMS + "/{id}", include_in_schema=False)
        def item(id: int): ...
    """)
    write(root / "app" / "api.py", """
        from fastapi import APIRouter
        from app.core.config import ITEMS

        api_router = APIRouter()
        auth_router = APIRouter(prefix="")
        items = APIRouter(prefix=ITEMS)
        api_router.include_router(items, tags=["items"])

        @items.api_route("/", methods=["GET", "POST"])
        def list_items(): ...

        def register_user(): ...

        def health(): ...

        api_router.add_api_route("/health", health, methods=["GET"])
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/v1/items']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["GET /api/v1/health", "GET /api/v1/items/", "GET /sub/ping",
                          "POST /api/v1/items/", "POST /auth/v1/register"]
    assert h["checks"][0]["values"]["hidden"] == ["GET /items/{id}  (app/main.py:16)"]


def test_routers_included_in_a_loop_over_a_known_list_are_resolved(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "main.py", """
        from fastapi import FastAPI
        from fastapi import APIRouter
        a = APIRouter()
        b = APIRouter()

        @a.get("/x")
        def x(): ...

        @b.get("/y")
        def y(): ...

        ROUTERS = [(a, "/a"), (b, "/b")]
        app = FastAPI()
        for router, prefix in ROUTERS:
            app.include_router(router, prefix=prefix)
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /a/x', 'GET /b/y']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["GET /a/x", "GET /b/y"]


def test_flask_patterns(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "svc" / "enums.py", """
        from enum import Enum

        class EndpointEnum(Enum):
            API_V1 = "/api/v1"
    """)
    write(root / "svc" / "views.py", """
        from flask import Blueprint
        from flask.views import MethodView
        from svc.enums import EndpointEnum

        accounts = Blueprint("accounts", __name__, url_prefix=f"{EndpointEnum.API_V1.value}/accounts")
        ops = Blueprint("ops", __name__, url_prefix="/ops")
        parent = Blueprint("parent", __name__, url_prefix="/parent")
        child = Blueprint("child", __name__, url_prefix="/child")

        @ops.route("healthz")
        def healthz(): ...

        @accounts.route("/<int:id>", methods=["GET", "OPTIONS"])
        def account(id): ...

        class Things(MethodView):
            def get(self): ...
            def post(self): ...

        def leaf(): ...

        accounts.add_url_rule("/things", view_func=Things.as_view("things"))
        child.add_url_rule("/leaf", "leaf", leaf)
        parent.register_blueprint(child)
    """)
    write(root / "svc" / "app.py", """
        from flask import Flask
        from svc import views

        def create_app():
            app = Flask(__name__)
            app.register_blueprint(views.accounts)
            app.register_blueprint(views.ops)
            app.register_blueprint(views.parent, url_prefix="/p")
            return app
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /ops/healthz']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["GET /api/v1/accounts/<int:id>", "GET /api/v1/accounts/things", "GET /ops/healthz",
                          "GET /p/child/leaf", "POST /api/v1/accounts/things"]


def test_express_patterns_in_typescript(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "server.ts", """
        import express, { Application } from 'express';
        import api from './routes';
        import { init } from './auth';

        const API = '/api';

        class Server {
          public app: Application;
          constructor() {
            this.app = express();
            this.app.use(`${API}/v1`, api);
            init(this.app);
          }
        }
        export default new Server().app;
    """)
    write(root / "src" / "auth.ts", """
        import type { Express } from 'express';
        export function init(app: Express): void {
          app.post('/api/v1/auth/login', (req, res) => { res.json({}); });
        }
    """)
    write(root / "src" / "routes" / "index.ts", """
        import { Router } from 'express';
        import datasets from './datasets';
        import { users } from './users';
        const checkPlan = (p: string) => (req: any, res: any, next: any) => next();
        export default Router()
          .use('/datasets', checkPlan('x'), datasets)
          .use('/users', users);
    """)
    write(root / "src" / "routes" / "datasets.ts", """
        import express from 'express';
        const router = express.Router();
        router.get(['/', '/:id'], (req, res) => res.json([]));  // a path array
        router.route('/:id/rows').get(list).post(add);
        router.all('/:id/any', handler);
        /* router.delete('/:id', remove); */
        export default router;
    """)
    write(root / "src" / "routes" / "users.ts", """
        import { Router } from 'express';
        export const users = Router();
        users.get('/me', (req, res) => res.send(`hello ${req.user}`));
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/v1/datasets/{id}']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["ALL /api/v1/datasets/:id/any", "GET /api/v1/datasets/", "GET /api/v1/datasets/:id",
                          "GET /api/v1/datasets/:id/rows", "GET /api/v1/users/me", "POST /api/v1/auth/login",
                          "POST /api/v1/datasets/:id/rows"]


def test_express_unresolved_mount_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.js", """
        const express = require('express');
        const users = require('./users');
        const app = express();
        app.use(process.env.API_PREFIX || '/api', users);
        module.exports = app;
    """)
    write(tmp_path / "repo" / "users.js", """
        const router = require('express').Router();
        router.get('/users', (req, res) => res.json([]));
        module.exports = router;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/users']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app.js:4" in h["reason"] and "environment" in h["reason"], h["reason"]


def test_express_wrapper_with_expresss_surface(tmp_path: Path) -> None:
    """A local module that wraps express (`export function Router()`, `export default express`)
    is read as express: its Router() makes routers."""
    write(tmp_path / "repo" / "http" / "express.js", """
        export function Router() { const r = { routes: [] }; return r; }
        export default function express() { return Router(); }
    """)
    write(tmp_path / "repo" / "app.js", """
        import express from './http/express.js';
        import { Router } from './http/express.js';
        const app = express();
        const r = Router();
        r.get('/health', async (req, res) => res.json({ ok: true }));
        app.use('/v1', r);
        export default app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /v1/health']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_flask_restful_and_restx_resources(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "svc" / "app.py", """
        from flask import Blueprint, Flask
        from flask_restful import Api, Resource
        from flask_restx import Api as RestxApi, Namespace

        class Users(Resource):
            def get(self, id=None): ...
            def post(self): ...

        app = Flask(__name__)
        api = Api(app, prefix="/api")
        api.add_resource(Users, "/users", "/users/<int:id>")

        bp = Blueprint("v2", __name__, url_prefix="/v2")
        todos = Namespace("todos")
        restx = RestxApi(bp)
        restx.add_namespace(todos)

        @todos.route("/<int:todo_id>")
        class Todo(Resource):
            def get(self, todo_id): ...
            def delete(self, todo_id): ...

        app.register_blueprint(bp)
    """)
    h = run_routes(tmp_path, "{kind: routes, code: {framework: flask}, routes: ['GET /api/users']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["DELETE /v2/todos/<int:todo_id>", "GET /api/users", "GET /api/users/<int:id>",
                          "GET /v2/todos/<int:todo_id>", "POST /api/users", "POST /api/users/<int:id>"]


def test_a_route_on_something_static_reading_does_not_follow_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", """
        from flask import Flask
        from company_platform import make_api

        app = Flask(__name__)
        api = make_api(app)

        @app.route("/health")
        def health(): ...

        @api.route("/orders")
        def orders(): ...
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /health']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app.py:10" in h["reason"] and "`api`" in h["reason"], h["reason"]


def test_express_controller_classes_and_what_cannot_be_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "users.controller.ts", """
        import { Router, Request, Response } from 'express';
        export class UsersController {
          public path = '/users';
          public router: Router = Router();
          constructor() { this.initializeRoutes(); }
          private initializeRoutes() {
            this.router.get(this.path, this.list);
            this.router.get(`${this.path}/:id`, this.one);
          }
          private list = (req: Request, res: Response) => res.json([]);
          private one = (req: Request, res: Response) => res.json({});
        }
    """)
    write(root / "src" / "app.ts", """
        import express from 'express';
        import { UsersController } from './users.controller';
        class App {
          public app = express();
          constructor(controllers: any[]) {
            controllers.forEach((controller) => this.app.use('/', controller.router));
          }
        }
        export default new App([new UsersController()]).app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]  # mounted through a parameter's property
    assert "src/app.ts:6" in h["reason"] and "controller.router" in h["reason"], h["reason"]
    write(root / "src" / "app.ts", """
        import express from 'express';
        import { UsersController } from './users.controller';
        const app = express();
        app.use('/v1', new UsersController().router);
        for (const m of ['get', 'post']) app[m]('/echo', (req, res) => res.end());
        export default app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /v1/users/{id}']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]  # the computed app[m](...)
    assert "src/app.ts:5" in h["reason"] and "computed" in h["reason"], h["reason"]
    write(root / "src" / "app.ts", """
        import express from 'express';
        import { UsersController } from './users.controller';
        const app = express();
        app.use('/v1', new UsersController().router);
        export default app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /v1/users/{id}', 'GET /v1/users']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_bad_code_fields_are_one_positioned_line(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    for code, expected in (("{prefix: api}", 'code.prefix: "api": expected a path starting with "/"'),
                           ("{app: main}", 'code.app: "main": expected "package.module:variable"'),
                           ("{app: ../x.js}", 'code.app: "../x.js": expected an entry file inside the')):
        write(tmp_path / "checks.yaml", spec_text(f"""
            - id: R
              claim: c
              check: {{kind: routes, code: {code}, routes: ['GET /x']}}
        """, header="targets: {repo: {path: repo}}\n"))
        res = certify("run", "-q", cwd=tmp_path)
        assert res.exit_code == 2, res.stdout + res.stderr
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        assert len(lines) == 1 and lines[0].startswith("checks.yaml:") and expected in lines[0], res.stderr


def test_starlette_route_lists_and_ambiguous_constants(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", """
        from starlette.applications import Starlette
        from starlette.routing import Mount, Route
        from fastapi import FastAPI

        api = FastAPI()

        @api.get("/items")
        def items(): ...

        api.router.add_api_route("/stats", items, methods=["GET"])

        routes = [
            Route("/", endpoint=items),
            Route("/login", endpoint=items, methods=["POST"]),
            Mount("/users", routes=[Route("/{user_id:int}", endpoint=items, methods=["GET", "DELETE"])]),
            Mount("/api", app=api),
        ]
        app = Starlette(routes=routes)
    """)
    h = run_routes(tmp_path, "{kind: routes, code: {framework: fastapi}, routes: ['GET /api/items']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["DELETE /users/{user_id:int}", "GET /", "GET /api/items", "GET /api/stats",
                          "GET /users/{user_id:int}", "POST /login"]
    write(tmp_path / "repo" / "app.py", """
        import os
        from fastapi import FastAPI
        if os.environ.get("LEGACY"):
            PREFIX = "/v1"
        else:
            PREFIX = "/v2"
        app = FastAPI()

        @app.get(PREFIX + "/items")
        def items(): ...
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /v2/items']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app.py:9" in h["reason"] and "`PREFIX` is given different values" in h["reason"], h["reason"]


def test_express_parameter_patterns_are_one_parameter(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.js", """
        const app = require('express')();
        app.get('/files/:name(*)', (req, res) => res.end());
        app.get('/users/:id(\\\\d+)', (req, res) => res.end());
    """)
    write(tmp_path / "repo" / "openapi.yaml", """
        openapi: 3.0.0
        paths:
          /files/{name}: {get: {}}
          /users/{id}: {get: {}}
    """)
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_express_routes_mounted_from_a_list_of_objects(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "src"
    write(root / "routes" / "v1" / "index.js", """
        const express = require('express');
        const authRoute = require('./auth.route');
        const userRoute = require('./user.route');
        const router = express.Router();
        const defaultRoutes = [
          { path: '/auth', route: authRoute },
          { path: '/users', route: userRoute },
        ];
        defaultRoutes.forEach((route) => {
          router.use(route.path, route.route);
        });
        module.exports = router;
    """)
    write(root / "routes" / "v1" / "auth.route.js", """
        const router = require('express').Router();
        router.post('/register', validate(schema), controller.register);
        module.exports = router;
    """)
    write(root / "routes" / "v1" / "user.route.js", """
        const express = require('express');
        const router = express.Router();
        router.route('/:userId').get(auth('getUsers'), controller.getUser).patch(controller.update);
        module.exports = router;
    """)
    write(root / "app.js", """
        const express = require('express');
        const routes = require('./routes/v1');
        const app = express();
        app.use('/v1', routes);
        module.exports = app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['POST /v1/auth/register']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["GET /v1/users/:userId", "PATCH /v1/users/:userId", "POST /v1/auth/register"]


def test_fastapi_routers_from_a_list_of_dicts(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "main.py", """
        from fastapi import APIRouter, FastAPI
        users, items = APIRouter(), APIRouter()

        @users.get("/me")
        def me(): ...

        @items.get("/{id}")
        def item(id: int): ...

        ROUTERS = [{"router": users, "prefix": "/users"}, {"router": items, "prefix": "/items"}]
        app = FastAPI()
        for entry in ROUTERS:
            app.include_router(entry["router"], prefix="/api" + entry["prefix"])
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/users/me']}")
    assert h["verdict"] == "TRUE", h["reason"]
    assert listing(h) == ["GET /api/items/{id}", "GET /api/users/me"]


def test_code_with_no_route_at_all_is_unknown_not_false(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "src" / "users.controller.ts", """
        import { Controller, Get } from '@nestjs/common';
        import type { Request } from 'express';
        @Controller('users')
        export class UsersController {
          @Get(':id')
          one(req: Request) { return {}; }
        }
    """)
    write(tmp_path / "repo" / "src" / "health.ts", """
        import { Router } from 'express';
        export const health = Router().get('/health', (req, res) => res.end());
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users/{id}']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]  # not FALSE: the decorated routes are not read
    assert "src/users.controller.ts:3: routes declared by decorators" in h["reason"], h["reason"]
    (tmp_path / "repo" / "src" / "users.controller.ts").write_text("export const x = 1;\n")
    (tmp_path / "repo" / "src" / "health.ts").write_text("import type { Request } from 'express';\n")
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users/{id}']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "no express route was found in the repository" in h["reason"], h["reason"]


def test_python_star_imports_are_followed(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app" / "__init__.py", "")
    write(tmp_path / "repo" / "app" / "routes.py", """
        from fastapi import APIRouter
        users_router = APIRouter(prefix="/users")
        PREFIX = "/api"

        @users_router.get("/me")
        def me(): ...
    """)
    write(tmp_path / "repo" / "app" / "main.py", """
        from fastapi import FastAPI
        from .routes import *

        app = FastAPI()
        app.include_router(users_router, prefix=PREFIX)
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/users/me']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_contract_path_items_by_reference(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n"
          "@app.get('/users')\ndef a(): ...\n@app.post('/orders')\ndef b(): ...\n")
    write(tmp_path / "repo" / "openapi.yaml", """
        openapi: 3.0.0
        paths:
          /users: {$ref: "#/x-paths/users"}
          /orders: {$ref: "paths/orders.yaml"}
        x-paths:
          users: {get: {}}
    """)
    write(tmp_path / "repo" / "paths" / "orders.yaml", "post: {}\n")
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "TRUE", h["reason"]
    write(tmp_path / "repo" / "openapi.yaml", """
        openapi: 3.0.0
        paths:
          /users: {get: {}}
          /orders: {$ref: "paths/missing.yaml"}
    """)
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "paths./orders: $ref paths/missing.yaml" in h["reason"], h["reason"]
    write(tmp_path / "repo" / "openapi.yaml", """
        openapi: 3.0.0
        paths:
          /users: {get: {}}
          /orders: {$ref: "../secret.yaml"}
    """)
    write(tmp_path / "secret.yaml", "token: s3cr3t-value: oops\n")
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "UNKNOWN" and "leaves the repository" in h["reason"], h["reason"]
    assert "s3cr3t" not in str(h)


def test_a_contract_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    write(tmp_path / "outside.yaml", "token: s3cr3t-value: oops\n")
    write(tmp_path / "checks.yaml", spec_text("""
        - id: R
          claim: c
          check: {kind: routes, contract: [../outside.yaml]}
    """, header="targets: {repo: {path: repo}}\n"))
    res = certify("run", "-q", cwd=tmp_path)
    assert res.exit_code == 2 and "s3cr3t" not in res.stdout + res.stderr
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    assert "../outside.yaml: expected a path inside the repository" in lines[0], res.stderr
    (tmp_path / "repo" / "contract.yaml").symlink_to(tmp_path / "outside.yaml")  # a link out is not read
    h = run_routes(tmp_path, "{kind: routes, contract: [contract.yaml]}")
    assert h["verdict"] == "UNKNOWN" and "contract matched no file" in h["reason"], h["reason"]
    assert "s3cr3t" not in str(h)


def test_express_routes_module_that_is_a_function_of_the_app(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "routes" / "index.js", """
        module.exports = (app) => {
          app.use('/users', require('./users'));
          app.get('/health', (req, res) => res.end());
        };
    """)
    write(tmp_path / "repo" / "routes" / "users.js", """
        const router = require('express').Router();
        router.get('/:id', (req, res) => res.json({}));
        module.exports = router;
    """)
    write(tmp_path / "repo" / "server.js", """
        const express = require('express');
        const app = express();
        require('./routes')(app);
        app.listen(3000);
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users/{id}', 'GET /health']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_express_router_arrays_and_typescript_export_assignment(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "a.ts", """
        import express = require('express');
        const router = express.Router();
        router.get('/a', (req, res) => res.end());
        export = router;
    """)
    write(tmp_path / "repo" / "b.ts", """
        import { Router } from 'express';
        const b = Router();
        b.get('/b', (req, res) => res.end());
        export default b;
    """)
    write(tmp_path / "repo" / "app.ts", """
        import express from 'express';
        import a from './a';
        import b from './b';
        const app = express();
        app.use('/api', [a, b]);
        export default app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/a', 'GET /api/b']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_a_router_mounted_nowhere_visible_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "routes" / "users.js", """
        const router = require('express').Router();
        router.get('/users', (req, res) => res.json([]));
        module.exports = router;
    """)
    write(tmp_path / "repo" / "app.js", """
        const fs = require('fs');
        const express = require('express');
        const app = express();
        fs.readdirSync(__dirname + '/routes').forEach((file) => app.use(require('./routes/' + file)));
        module.exports = app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /users']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app.js:4" in h["reason"] and "computed at run time" in h["reason"], h["reason"]
    write(tmp_path / "repo" / "app.py", """
        from flask import Flask, Blueprint
        from company_platform import register_all
        app = Flask(__name__)
        bp = Blueprint("x", __name__)

        @bp.route("/x")
        def x(): ...

        register_all(app)
    """)
    h = run_routes(tmp_path, "{kind: routes, code: {paths: [app.py]}, routes: ['GET /x']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "`bp` of app.py:4 is mounted nowhere static reading can see" in h["reason"], h["reason"]


def test_express_compiled_by_typescript(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "dist" / "users.js", """
        "use strict";
        var __importDefault = (this && this.__importDefault) || function (mod) {
            return (mod && mod.__esModule) ? mod : { "default": mod };
        };
        Object.defineProperty(exports, "__esModule", { value: true });
        const express_1 = __importDefault(require("express"));
        const router = express_1.default.Router();
        router.get('/users', (req, res) => res.json([]));
        exports.default = router;
    """)
    write(tmp_path / "repo" / "dist" / "app.js", """
        "use strict";
        Object.defineProperty(exports, "__esModule", { value: true });
        const express_1 = __importDefault(require("express"));
        const users_1 = __importDefault(require("./users"));
        const app = (0, express_1.default)();
        app.use('/api', users_1.default);
        exports.default = app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /api/users']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_python_and_express_code_together_must_be_told_apart(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "backend" / "main.py", "from fastapi import FastAPI\napp = FastAPI()\n"
          "@app.get('/a')\ndef a(): ...\n")
    write(tmp_path / "repo" / "mock" / "server.js", "const express = require('express');\n"
          "const app = express();\napp.get('/b', (req, res) => res.end());\n")
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /a']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "both Python (FastAPI/Flask) and Express route code" in h["reason"], h["reason"]
    h = run_routes(tmp_path, "{kind: routes, code: {framework: fastapi}, routes: ['GET /a']}")
    assert h["verdict"] == "TRUE", h["reason"]


def test_routes_registered_under_a_condition(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "main.py", """
        import os
        from fastapi import APIRouter, FastAPI

        class Settings:
            ENVIRONMENT: str = "local"

        settings = Settings()
        app = FastAPI()
        private, admin = APIRouter(), APIRouter()

        @private.post("/private/users")
        def create(): ...

        @admin.get("/admin/stats")
        def stats(): ...

        @app.get("/health")
        def health(): ...

        if settings.ENVIRONMENT == "local":  # decided from the settings default
            app.include_router(private)
        if os.environ.get("ENABLE_ADMIN"):  # depends on how it runs
            app.include_router(admin)
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['POST /private/users', 'GET /health']}")
    assert h["verdict"] == "TRUE", h["reason"]
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /admin/stats']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "main.py:22: if os.environ.get('ENABLE_ADMIN') registers GET /admin/stats" in h["reason"]
    write(tmp_path / "repo" / "openapi.yaml", """
        openapi: 3.0.0
        paths:
          /health: {get: {}}
          /private/users: {post: {}}
    """)
    h = run_routes(tmp_path, "{kind: routes, contract: [openapi.yaml]}")
    assert h["verdict"] == "UNKNOWN", h["reason"]  # /admin/stats may be served, undocumented


def test_express_routes_registered_under_a_condition(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "app.js", """
        const express = require('express');
        const config = { env: 'development' };
        const app = express();
        const admin = express.Router();
        admin.get('/stats', (req, res) => res.end());
        const dev = express.Router();
        dev.get('/seed', (req, res) => res.end());
        app.get('/health', (req, res) => res.end());
        if (config.env === 'development') {
          app.use('/dev', dev);
        }
        if (process.env.ENABLE_ADMIN) {
          app.use('/admin', admin);
        }
        module.exports = app;
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /health', 'GET /dev/seed']}")
    assert h["verdict"] == "TRUE", h["reason"]
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /admin/stats']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "app.js:12: if (process.env.ENABLE_ADMIN) registers GET /admin/stats" in h["reason"], h["reason"]


def test_a_router_made_twice_with_different_prefixes_is_unknown(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "main.py", """
        import os
        from fastapi import APIRouter, FastAPI
        if os.environ.get("LEGACY"):
            router = APIRouter(prefix="/v1")
        else:
            router = APIRouter(prefix="/v2")

        @router.get("/items")
        def items(): ...

        app = FastAPI()
        app.include_router(router)
    """)
    h = run_routes(tmp_path, "{kind: routes, routes: ['GET /v2/items']}")
    assert h["verdict"] == "UNKNOWN", h["reason"]
    assert "`router` is made in more than one place" in h["reason"], h["reason"]

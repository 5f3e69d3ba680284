"""Introspection: ask the framework. The application is loaded in a subprocess (its own Python,
or node), bounded by the check's timeout, and the routes its framework registered are listed
with the file:line of each endpoint. Nothing listens and no request is made.

- Python (`pkg.main:app`): FastAPI/Starlette `app.routes` through mounts and included routers;
  Flask `app.url_map`. The variable may also be a factory (`pkg:create_app`), called with no
  arguments.
- Express (`src/server.js`): express is patched before the entry loads so that `listen` does
  nothing; every router records where each of its routes and mounts was declared, and the
  router stacks are walked once the entry has loaded.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from pathlib import Path

from certify.errors import CheckError
from certify.targets.routes.js_static import JS_SUFFIXES
from certify.targets.routes.model import Extraction, Route

MARK = "CERTIFY-ROUTES "

PY_SCRIPT = r'''
import importlib, inspect, json, os, sys
sys.path.insert(0, os.getcwd())
spec = sys.argv[1]
mod_name, _, attr = spec.partition(":")
mod = importlib.import_module(mod_name)
app = mod
for part in attr.split("."):
    app = getattr(app, part)
if inspect.isfunction(app):
    app = app()
root = os.getcwd()

def where(fn):
    fn = getattr(fn, "view_class", None) or fn
    try:
        fn = inspect.unwrap(fn)
        path = inspect.getsourcefile(fn) or "?"
        line = inspect.getsourcelines(fn)[1]
    except (TypeError, OSError):
        return "?"
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):  # the framework's own (docs, static files) or an installed package
        return "<" + path.replace(os.sep, "/").rpartition("-packages/")[2].split("/")[0] + ">"
    return f"{rel}:{line}"

out = []
if hasattr(app, "url_map"):  # Flask
    framework = "flask"
    for rule in app.url_map.iter_rules():
        fn = app.view_functions.get(rule.endpoint)
        for m in sorted(rule.methods or ()):
            out.append({"method": m, "path": rule.rule, "where": where(fn) if fn else "?",
                        "hidden": rule.endpoint == "static"})
elif hasattr(app, "routes"):  # FastAPI, Starlette
    framework = "fastapi"
    def walk(routes, prefix):
        for r in routes:
            if hasattr(r, "effective_route_contexts"):  # FastAPI >= 0.16x: an included router
                for c in r.effective_route_contexts():
                    o = c.original_route
                    for m in sorted(getattr(o, "methods", None) or ()):
                        out.append({"method": m, "path": prefix + c.path,
                                    "where": where(c.endpoint or getattr(o, "endpoint", None)),
                                    "hidden": not c.include_in_schema})
                continue
            methods = getattr(r, "methods", None)
            sub = getattr(r, "routes", None)
            if methods:
                ms = set(methods)
                if type(r).__name__ == "Route" and "GET" in ms:
                    ms.discard("HEAD")  # Starlette answers HEAD for GET by itself
                for m in sorted(ms):
                    out.append({"method": m, "path": prefix + r.path, "where": where(r.endpoint),
                                "hidden": not getattr(r, "include_in_schema", True)})
            elif sub is not None and hasattr(r, "path"):
                walk(sub, prefix + r.path)
    walk(app.routes, "")
else:
    raise SystemExit(f"{spec} is neither a FastAPI/Starlette nor a Flask application")
print("\n''' + MARK + r'''" + json.dumps({"framework": framework, "routes": out}), flush=True)
os._exit(0)
'''

NODE_SCRIPT = r'''
const path = require('path');
const Module = require('module');
const http = require('http');
const entry = path.resolve(process.argv[1]);
const req = Module.createRequire(entry);
let express;
try { express = req('express'); } catch (e) {
  console.error('express cannot be loaded from ' + path.dirname(entry) + ': ' + e.message); process.exit(3);
}
const proto = express.Router.prototype && express.Router.prototype.route
  ? express.Router.prototype : express.Router;
const root = process.cwd();
function caller() {
  for (const line of (new Error().stack || '').split('\n').slice(2)) {
    const m = line.match(/\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/);
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    if (file.includes('node_modules') || file.startsWith('node:') || !file.includes('/')) continue;
    return path.relative(root, file) + ':' + m[2];
  }
  return '?';
}
const route = proto.route;
proto.route = function (p) { const r = route.apply(this, arguments); r.__certifyWhere = caller(); return r; };
function tagged(use) {
  return function (first) {
    const before = (this.stack || []).length;
    const out = use.apply(this, arguments);
    const p = typeof first === 'string' || Array.isArray(first) ? first : '/';
    for (const layer of (this.stack || []).slice(before)) layer.__certifyPath = p;
    return out;
  };
}
proto.use = tagged(proto.use);
const appUse = express.application.use;
function routerOf(a) {  // express 4 builds its router lazily (and app.router throws); 5 has app.router
  if (typeof a.lazyrouter === 'function') { a.lazyrouter(); return a._router; }
  return a.router;
}
express.application.use = function () {
  const r0 = routerOf(this);
  const before = r0 && r0.stack ? r0.stack.length : 0;
  const out = appUse.apply(this, arguments);
  const r = routerOf(this);
  const subs = Array.from(arguments).flat().filter(f => f && f.handle && f.set);
  for (const layer of subs.length ? r.stack.slice(before) : []) {
    layer.__certifyApp = subs.shift() || layer.__certifyApp;
  }
  return out;
};
const apps = [];
const create = express.application.init;
express.application.init = function () { apps.push(this); return create.apply(this, arguments); };
const fake = { close() { return this; }, on() { return this; }, once() { return this; },
               address() { return { port: 0 }; }, listening: false };
let listened = false;  // an application that starts in an async bootstrap has its routes when it listens
express.application.listen = function () { listened = true; setImmediate(report); return fake; };
http.Server.prototype.listen = function () { listened = true; setImmediate(report); return this; };
function join(a, b) {
  return (a.replace(/\/+$/, '') + '/' + b.replace(/^\/+/, '')).replace(/\/+$/, '') || '/';
}
const out = [];
function walk(stack, prefix, seen) {
  for (const layer of stack || []) {
    const mount = layer.__certifyPath === undefined ? '/' : layer.__certifyPath;
    const mounts = Array.isArray(mount) ? mount : [mount];
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter(m => layer.route.methods[m]);
      for (const p of paths) for (const m of methods)
        out.push({ method: m === '_all' ? 'ALL' : m.toUpperCase(),
                   path: typeof p === 'string' ? join(prefix, p) : String(p),
                   where: layer.route.__certifyWhere || '?' });
    } else if (subApp(layer)) {
      const r = routerOf(subApp(layer));
      if (r && !seen.has(r)) for (const m of mounts) walk(r.stack, join(prefix, m), new Set([...seen, r]));
    } else if (layer.handle && layer.handle.stack && !seen.has(layer.handle)) {
      for (const m of mounts) walk(layer.handle.stack, join(prefix, m), new Set([...seen, layer.handle]));
    }
  }
}
function subApp(layer) {  // app.use(path, subapp) wraps it; router.use(path, subapp) holds it
  const h = layer.handle;
  const isApp = h && typeof h.handle === 'function' && typeof h.set === 'function';
  return layer.__certifyApp || (isApp ? h : null);
}
function children(stack, found, seen) {
  for (const layer of stack || []) {
    const sub = subApp(layer);
    if (sub) { found.add(sub); continue; }
    if (layer.handle && layer.handle.stack && !seen.has(layer.handle)) {
      seen.add(layer.handle); children(layer.handle.stack, found, seen);
    }
  }
}
let reported = false;
function report() {
  if (reported) return;
  reported = true;
  const mounted = new Set();
  for (const a of apps) { const r = routerOf(a); if (r) children(r.stack, mounted, new Set()); }
  const tops = apps.filter(a => !a.parent && !mounted.has(a));
  for (const a of tops) { const r = routerOf(a); if (r) walk(r.stack, '', new Set([r])); }
  const text = JSON.stringify({ framework: 'express', routes: out });
  process.stdout.write('\n''' + MARK + r'''' + text + '\n', () => process.exit(0));
}
let loaded;
try { loaded = require(entry); } catch (e) {
  if (e.code !== 'ERR_REQUIRE_ESM') throw e;
  loaded = import(require('url').pathToFileURL(entry).href);
}
const waitForListen = (left) => (listened || left <= 0 ? report()
  : setTimeout(() => waitForListen(left - 50), 50));
Promise.resolve(loaded).then(() => setImmediate(() => waitForListen(1000)),
  (e) => { console.error(e && e.stack || String(e)); process.exit(2); });
'''


def _first_error(stderr: str) -> str:
    """The line of an error that says what went wrong: a Python traceback's last line, node's
    first."""
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    if not lines:
        return "no error message"
    for line in reversed(lines):
        if not line.startswith(("File ", "^", "~", "at ")) and ":" in line:
            return line[:300]
    return lines[-1][:300]


def _program(root: Path, given: str) -> list[str]:
    """The interpreter and its options (`node --import tsx` loads a TypeScript entry), a path
    relative to the repository allowed (`.venv/bin/python`)."""
    argv = shlex.split(given) or [given]
    if "/" in argv[0] and not Path(argv[0]).is_absolute():
        path = root / argv[0]
        if not path.exists():
            raise CheckError(f"the interpreter {argv[0]} does not exist (relative to {root})")
        argv[0] = str(path)
    return argv


def introspect(root: Path, app: str, python: str, node: str, env: dict[str, str],
               timeout: float) -> Extraction:
    """The routes the application's framework registered, loaded in a subprocess."""
    if ":" in app and not app.endswith(JS_SUFFIXES):
        argv = [*_program(root, python), "-c", PY_SCRIPT, app]
        what = f"import {app}"
    else:
        if not (root / app).is_file():
            raise CheckError(f"code.app: {app} does not exist")
        argv = [*_program(root, node), "-e", NODE_SCRIPT, str((root / app).resolve())]
        what = f"load {app} with node"
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env}
    try:
        proc = subprocess.Popen(argv, cwd=root, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    except OSError as exc:
        raise CheckError(f"{what}: {argv[0]} cannot be started: {exc.strerror}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CheckError(f"{what}: did not finish within {timeout:.0f}s") from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    line = next((x for x in reversed(stdout.splitlines()) if x.startswith(MARK)), None)
    if proc.returncode != 0 or line is None:
        raise CheckError(f"{what} failed: {_first_error(stderr)}")
    data = json.loads(line[len(MARK):])
    ex = Extraction(data["framework"], mode="introspection")
    ex.routes = [Route(r["method"], r["path"], r["where"], bool(r.get("hidden"))) for r in data["routes"]]
    return ex

// A stand-in for express (the fixture has no node_modules): the same Router()/app.use() surface,
// dispatched in-process by the tests and by scripts/ci/assert-api-routes.mjs.
export function Router() {
  const router = { routes: [], mounts: [] };
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    router[method] = (path, ...handlers) => {
      router.routes.push({ method: method.toUpperCase(), path, handlers });
      return router;
    };
  }
  router.use = (prefix, child) => {
    if (typeof prefix !== 'string') return router.use('/', prefix); // app.use(router) mounts at /
    router.mounts.push({ prefix, child });
    return router;
  };
  return router;
}

export default function express() {
  return Router();
}

function join(prefix, path) {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

// Every route of an app: [{method, path, handlers}], with mount prefixes applied.
export function listRoutes(router, prefix = '') {
  const out = router.routes.map((r) => ({ ...r, path: join(prefix, r.path) }));
  for (const m of router.mounts) out.push(...listRoutes(m.child, join(prefix, m.prefix)));
  return out;
}

export async function dispatch(app, { method, url, headers = {}, body, ctx, rid = 'r-test' }) {
  const [path, query = ''] = url.split('?');
  const route = listRoutes(app).find((r) => r.method === method && r.path === path);
  const res = {
    status: 200,
    body: undefined,
    code(status) { this.status = status; return this; },
    json(payload) { this.body = payload; return this; },
  };
  if (!route) return res.code(404).json({ ok: false, error: 'not_found', rid });
  const req = { method, path, query: Object.fromEntries(new URLSearchParams(query)), headers, body, ctx, rid };
  for (const handler of route.handlers) {
    let advanced = false;
    await handler(req, res, () => { advanced = true; });
    if (!advanced) break;
  }
  return res;
}

import app from '../src/api/app.js';
import { listRoutes } from '../src/api/http/express.js';
import { requireInvoker } from '../src/api/auth/invoker.js';
import { requireUser } from '../src/api/auth/user.js';

const ROUTES = [
  { route: 'GET /health', guard: null },
  { route: 'GET /integrations/withings/callback', guard: requireUser },
  { route: 'GET /integrations/withings/status', guard: requireUser },
  { route: 'POST /integrations/withings/backfill', guard: requireInvoker },
  { route: 'POST /integrations/withings/pull', guard: requireInvoker },
  { route: 'GET /users/me/raw-events', guard: requireUser },
];
const all = listRoutes(app);
const find = (key) => all.find((r) => `${r.method} ${r.path}` === key);

for (const r of ROUTES) {
  describe(`route ${r.route}`, () => {
    test('is mounted', () => expect(find(r.route) !== undefined).toBe(true));
    test('is mounted once', () => expect(all.filter((x) => `${x.method} ${x.path}` === r.route)).toHaveLength(1));
    test(r.guard ? `is guarded by ${r.guard.name}` : 'is public', () =>
      expect(r.guard ? find(r.route).handlers[0] === r.guard : find(r.route).handlers.length === 1).toBe(true));
    test('ends in a handler', () => expect(typeof find(r.route).handlers.at(-1)).toBe('function'));
  });
}

describe('the API surface', () => {
  test(`has exactly ${ROUTES.length} routes`, () => expect(all).toHaveLength(ROUTES.length));
  test('invoker endpoints are POST only', () =>
    expect(all.filter((r) => r.handlers[0] === requireInvoker).every((r) => r.method === 'POST')).toBe(true));
});

import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { memoryStore } from '../src/lib/withings/store.js';
import { BACKFILL_WINDOW_DAYS } from '../src/lib/withings/status.js';
import { DAY_MS, NOW_MS, makeCtx } from './helpers.js';

const PATH = 'users/u1/integrations/withings';
const user = { authorization: 'Bearer tok-user-1' };

function storeWith(doc) {
  const store = memoryStore();
  if (doc) store.docs.set(PATH, structuredClone(doc));
  return store;
}

describe('GET /integrations/withings/status: connected=true and no backfill', () => {
  let ctx;
  let res;
  beforeEach(async () => {
    ctx = makeCtx({ store: storeWith({ connected: true, connectedAtMs: NOW_MS - DAY_MS }) });
    res = await dispatch(app, { method: 'GET', url: '/integrations/withings/status', headers: user, ctx });
  });
  test('answers 200', () => expect(res.status).toBe(200));
  test('triggers exactly one ref.set', () => expect(ctx.store.writes).toEqual([{ op: 'set', path: PATH }]));
  test('writes backfill.status=running', () => expect(ctx.store.get(PATH).backfill.status).toBe('running'));
  test('writes the cursor fields', () => {
    const b = ctx.store.get(PATH).backfill;
    expect(b.cursorStartMs).toBe(NOW_MS - BACKFILL_WINDOW_DAYS * DAY_MS);
    expect(b.cursorEndMs).toBe(NOW_MS);
  });
  test('the response includes backfill', () => expect(res.body.backfill.status).toBe('running'));
  test('keeps connected=true', () => expect(res.body.connected).toBe(true));
  test('a second GET does not write again', async () => {
    await dispatch(app, { method: 'GET', url: '/integrations/withings/status', headers: user, ctx });
    expect(ctx.store.writes).toHaveLength(1);
  });
});

const NO_WRITE = [
  { name: 'not connected', doc: { connected: false }, backfill: null },
  { name: 'never connected (no document)', doc: null, backfill: null },
  { name: 'backfill already running', doc: { connected: true, backfill: { status: 'running', cursorStartMs: 1, cursorEndMs: 2, processed: 0 } }, backfill: 'running' },
  { name: 'backfill complete', doc: { connected: true, backfill: { status: 'complete', cursorStartMs: 2, cursorEndMs: 2, processed: 40 } }, backfill: 'complete' },
  { name: 'backfill in error', doc: { connected: true, backfill: { status: 'error', cursorStartMs: 1, cursorEndMs: 2, processed: 3 } }, backfill: 'error' },
];

for (const c of NO_WRITE) {
  describe(`GET /integrations/withings/status: ${c.name}`, () => {
    let ctx;
    let res;
    beforeEach(async () => {
      ctx = makeCtx({ store: storeWith(c.doc) });
      res = await dispatch(app, { method: 'GET', url: '/integrations/withings/status', headers: user, ctx });
    });
    test('answers 200', () => expect(res.status).toBe(200));
    test('writes nothing', () => expect(ctx.store.writes).toHaveLength(0));
    test(`reports backfill ${c.backfill || 'null'}`, () =>
      expect(res.body.backfill === null ? null : res.body.backfill.status).toBe(c.backfill));
  });
}

describe('GET /integrations/withings/status: authentication', () => {
  test('no token: 401', async () => {
    const res = await dispatch(app, { method: 'GET', url: '/integrations/withings/status', ctx: makeCtx() });
    expect(res.status).toBe(401);
  });
  test('unknown token: 401', async () => {
    const res = await dispatch(app, { method: 'GET', url: '/integrations/withings/status',
      headers: { authorization: 'Bearer nope' }, ctx: makeCtx() });
    expect(res.status).toBe(401);
  });
  test('a user rejection is logged as user_auth_rejected, not invoker_auth_rejected', async () => {
    const ctx = makeCtx();
    await dispatch(app, { method: 'GET', url: '/integrations/withings/status', ctx });
    expect(ctx.log.lines.map((l) => l.message)).toEqual(['user_auth_rejected']);
  });
});

describe('GET /integrations/withings/callback (OAuth connect)', () => {
  let ctx;
  let res;
  beforeEach(async () => {
    ctx = makeCtx();
    res = await dispatch(app, { method: 'GET', url: '/integrations/withings/callback', headers: user, ctx });
  });
  test('redirects back to the app', () => expect(res.status).toBe(302));
  test('sets connected', () => expect(ctx.store.get(PATH).connected).toBe(true));
  test('sets backfill running', () => expect(ctx.store.get(PATH).backfill.status).toBe('running'));
  test('logs withings_oauth_callback with backfill=running', () =>
    expect(ctx.log.lines[0]).toMatchObject({ message: 'withings_oauth_callback', backfill: 'running' }));
});

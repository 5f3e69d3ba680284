// The scheduled function calling the API in-process: the runtime path of the proof procedure,
// with the API's dispatch standing in for Cloud Run and a fake Withings.
import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { withingsPresence } from '../src/client/useWithingsPresence.js';
import { runBackfill } from '../src/functions/onWithingsBackfillScheduled.js';
import { API_URL, FN_EMAIL, FN_SUB, NOW_MS, fakeWithings, group, makeCtx, token } from './helpers.js';

function wire(ctx, { tokenFor, claims = {} }) {
  const logged = [];
  return {
    logged,
    deps: {
      env: { OLI_API_BASE_URL: API_URL },
      log: (line) => logged.push(line),
      mintIdToken: async ({ audience }) => (tokenFor === 'access' ? 'ya29.access' : token({ aud: tokenFor || audience, ...claims })),
      fetch: async (url, init) => {
        const res = await dispatch(app, { method: init.method, url: url.slice(API_URL.length), ctx,
          headers: { authorization: init.headers.Authorization } });
        return { status: res.status, json: async () => res.body, text: async () => JSON.stringify(res.body) };
      },
    },
  };
}

const CASES = [
  { name: 'sub allowlisted, token without email', invoker: { emails: [], subs: [FN_SUB] }, claims: { sub: FN_SUB }, status: 200 },
  { name: 'email allowlisted, token with email', invoker: { emails: [FN_EMAIL], subs: [] }, claims: { sub: FN_SUB, email: FN_EMAIL }, status: 200 },
  { name: 'token minted for URL + path', invoker: { emails: [], subs: [FN_SUB] }, claims: { sub: FN_SUB }, tokenFor: `${API_URL}/integrations/withings/backfill`, status: 403, errorCode: 'AUDIENCE_MISMATCH' },
  { name: 'token without email, sub not allowlisted', invoker: { emails: [FN_EMAIL], subs: [] }, claims: { sub: FN_SUB }, status: 403, errorCode: 'EMAIL_MISSING' },
  { name: 'access token instead of an ID token', invoker: { emails: [], subs: [FN_SUB] }, tokenFor: 'access', status: 403, errorCode: 'ACCESS_TOKEN_NOT_ID_TOKEN' },
];

for (const c of CASES) {
  describe(`scheduler -> POST /integrations/withings/backfill: ${c.name}`, () => {
    let ctx;
    let w;
    let result;
    beforeEach(async () => {
      ctx = makeCtx({ invoker: { audience: API_URL, ...c.invoker }, withings: fakeWithings({ u1: [group(1, 364.5)] }) });
      ctx.store.docs.set('users/u1/integrations/withings', { connected: true,
        backfill: { status: 'running', cursorStartMs: NOW_MS - 365 * 86400000, cursorEndMs: NOW_MS, processed: 0 } });
      w = wire(ctx, c);
      result = await runBackfill(w.deps);
    });
    test(`the API answers ${c.status}`, () => expect(result.ok).toBe(c.status === 200));
    test(c.status === 200 ? 'the function logs completed ok:true' : `the function logs completed ok:false error=${c.status}`, () =>
      expect(w.logged.at(-1)).toMatch(c.status === 200 ? '^completed ok:true processed=1$' : `^completed ok:false error=${c.status}$`));
    test(c.status === 200 ? 'the API logs invoker_auth_ok' : `the API logs invoker_auth_rejected ${c.errorCode}`, () =>
      expect(ctx.log.lines[0]).toMatchObject(c.status === 200 ? { message: 'invoker_auth_ok' }
        : { message: 'invoker_auth_rejected', errorCode: c.errorCode }));
    test(c.status === 200 ? 'a RawEvent is created' : 'nothing is written', () =>
      expect(ctx.store.list('users/u1/rawEvents/')).toHaveLength(c.status === 200 ? 1 : 0));
    test(c.status === 200 ? 'the cursor moved' : 'the cursor did not move', () =>
      expect(ctx.store.get('users/u1/integrations/withings').backfill.cursorStartMs > NOW_MS - 365 * 86400000)
        .toBe(c.status === 200));
  });
}

describe('connect -> auto backfill -> complete -> presence true', () => {
  let ctx;
  const user = { authorization: 'Bearer tok-user-1' };
  beforeEach(() => {
    ctx = makeCtx({ invoker: { audience: API_URL, emails: [], subs: [FN_SUB] },
      withings: fakeWithings({ u1: [group(1, 200), group(2, 40), group(3, 2)] }) });
  });
  test('connect sets connected and backfill running', async () => {
    await dispatch(app, { method: 'GET', url: '/integrations/withings/callback', headers: user, ctx });
    expect(ctx.store.get('users/u1/integrations/withings').backfill.status).toBe('running');
  });
  test('scheduler runs resume until status=complete', async () => {
    await dispatch(app, { method: 'GET', url: '/integrations/withings/callback', headers: user, ctx });
    const w = wire(ctx, { claims: { sub: FN_SUB } });
    for (let i = 0; i < 20; i += 1) await runBackfill(w.deps);
    const status = await dispatch(app, { method: 'GET', url: '/integrations/withings/status', headers: user, ctx });
    expect(status.body.backfill.status).toBe('complete');
  });
  test('raw-events?kinds=weight returns Withings items and presence hasRecentData=true', async () => {
    await dispatch(app, { method: 'GET', url: '/integrations/withings/callback', headers: user, ctx });
    const w = wire(ctx, { claims: { sub: FN_SUB } });
    for (let i = 0; i < 20; i += 1) await runBackfill(w.deps);
    const res = await dispatch(app, { method: 'GET', url: '/users/me/raw-events?kinds=weight', headers: user, ctx });
    expect(res.body.items).toHaveLength(3);
    expect(withingsPresence(res.body.items, NOW_MS).hasRecentData).toBe(true);
  });
});

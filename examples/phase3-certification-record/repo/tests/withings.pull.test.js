import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { pullAll } from '../src/lib/withings/pull.js';
import { memoryStore } from '../src/lib/withings/store.js';
import { DAY_MS, FN_SUB, NOW_MS, fakeWithings, group, makeCtx, token } from './helpers.js';

const path = (uid) => `users/${uid}/integrations/withings`;

describe('withings pull: new measurements since the last pull', () => {
  let store;
  let withings;
  let result;
  beforeEach(async () => {
    store = memoryStore();
    store.docs.set(path('u1'), { connected: true, lastPulledAtMs: NOW_MS - 2 * DAY_MS });
    store.docs.set(path('u2'), { connected: false });
    withings = fakeWithings({ u1: [group(1, 3), group(2, 1), group(3, 0.5)] });
    result = await pullAll(store, withings, NOW_MS);
  });
  test('asks Withings from lastPulledAtMs to now', () =>
    expect(withings.calls).toEqual([{ uid: 'u1', fromMs: NOW_MS - 2 * DAY_MS, toMs: NOW_MS }]));
  test('creates only the measurements in the window', () => expect(result.pulled).toBe(2));
  test('skips users that are not connected', () => expect(result.users).toBe(1));
  test('moves lastPulledAtMs to now', () => expect(store.get(path('u1')).lastPulledAtMs).toBe(NOW_MS));
});

describe('withings pull: first pull after connect', () => {
  test('starts at connectedAtMs', async () => {
    const store = memoryStore();
    store.docs.set(path('u1'), { connected: true, connectedAtMs: NOW_MS - DAY_MS });
    const withings = fakeWithings();
    await pullAll(store, withings, NOW_MS);
    expect(withings.calls[0].fromMs).toBe(NOW_MS - DAY_MS);
  });
  test('pulling twice creates nothing new (create-only)', async () => {
    const store = memoryStore();
    store.docs.set(path('u1'), { connected: true, connectedAtMs: NOW_MS - DAY_MS });
    const withings = fakeWithings({ u1: [group(1, 0.5)] });
    await pullAll(store, withings, NOW_MS);
    store.set(path('u1'), { lastPulledAtMs: NOW_MS - DAY_MS }, { merge: true });
    expect((await pullAll(store, withings, NOW_MS)).pulled).toBe(0);
  });
});

describe('POST /integrations/withings/pull', () => {
  test('needs invoker auth: 403 without a token', async () => {
    const res = await dispatch(app, { method: 'POST', url: '/integrations/withings/pull', ctx: makeCtx() });
    expect(res.status).toBe(403);
  });
  test('answers 200 to an allowlisted invoker', async () => {
    const res = await dispatch(app, { method: 'POST', url: '/integrations/withings/pull',
      headers: { authorization: `Bearer ${token({ sub: FN_SUB })}` }, ctx: makeCtx() });
    expect(res.status).toBe(200);
  });
});

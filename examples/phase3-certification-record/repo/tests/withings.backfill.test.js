import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { PAGE_DAYS, isResumable, resumeAll } from '../src/lib/withings/backfill.js';
import { initialBackfill } from '../src/lib/withings/status.js';
import { memoryStore } from '../src/lib/withings/store.js';
import { DAY_MS, FN_SUB, NOW_MS, fakeWithings, group, makeCtx, token } from './helpers.js';

const path = (uid) => `users/${uid}/integrations/withings`;

function storeWithBackfills(statuses) {
  const store = memoryStore();
  for (const [uid, status] of Object.entries(statuses)) {
    const backfill = status === null ? undefined : { ...initialBackfill(NOW_MS - 2 * DAY_MS), status };
    store.docs.set(path(uid), { connected: true, ...(backfill ? { backfill } : {}) });
  }
  return store;
}

// Resume mode processes only running/error.
const MODES = [
  { status: 'running', resumed: true },
  { status: 'error', resumed: true },
  { status: 'complete', resumed: false },
  { status: null, resumed: false },
];

for (const m of MODES) {
  describe(`backfill resume: a user whose backfill is ${m.status === null ? 'absent' : m.status}`, () => {
    let store;
    let withings;
    let result;
    beforeEach(async () => {
      store = storeWithBackfills({ u1: m.status });
      withings = fakeWithings({ u1: [group(1, 300)] });
      result = await resumeAll(store, withings, NOW_MS);
    });
    test(`isResumable is ${m.resumed}`, () =>
      expect(isResumable(m.status === null ? undefined : { status: m.status })).toBe(m.resumed));
    test(m.resumed ? 'is processed' : 'is skipped', () => expect(result.users).toBe(m.resumed ? 1 : 0));
    test(m.resumed ? 'Withings is asked for one page' : 'Withings is not called', () =>
      expect(withings.calls).toHaveLength(m.resumed ? 1 : 0));
  });
}

describe('backfill resume: the cursor progresses page by page until complete', () => {
  const pages = Math.ceil(365 / PAGE_DAYS);
  let store;
  let runs;
  beforeEach(async () => {
    store = memoryStore();
    store.docs.set(path('u1'), { connected: true, backfill: initialBackfill(NOW_MS) });
    runs = [];
    for (let i = 0; i < pages + 2; i += 1) runs.push(await resumeAll(store, fakeWithings(), NOW_MS));
  });
  test(`takes ${pages} runs of ${PAGE_DAYS} days`, () =>
    expect(runs.filter((r) => r.users === 1)).toHaveLength(pages));
  test('every run moves cursorStartMs forward', async () => {
    const s = memoryStore();
    s.docs.set(path('u1'), { connected: true, backfill: initialBackfill(NOW_MS) });
    let prev = s.get(path('u1')).backfill.cursorStartMs;
    for (let i = 0; i < pages; i += 1) {
      await resumeAll(s, fakeWithings(), NOW_MS);
      const next = s.get(path('u1')).backfill.cursorStartMs;
      expect(next).toBeGreaterThan(prev);
      prev = next;
    }
  });
  test('ends with status=complete', () => expect(store.get(path('u1')).backfill.status).toBe('complete'));
  test('a complete backfill is not resumed again', () => expect(runs[pages].users).toBe(0));
});

describe('backfill resume: RawEvents are create-only', () => {
  let store;
  beforeEach(async () => {
    store = storeWithBackfills({ u1: 'running' });
    store.docs.set('users/u1/rawEvents/withings-7', { kind: 'weight', sourceId: 'withings', observedAtMs: 1, value: { kg: 70 } });
    await resumeAll(store, fakeWithings({ u1: [group(7, 360, 99), group(8, 359, 81)] }), NOW_MS);
  });
  test('an existing RawEvent is not overwritten', () => expect(store.get('users/u1/rawEvents/withings-7').value.kg).toBe(70));
  test('a new RawEvent is created', () => expect(store.get('users/u1/rawEvents/withings-8').value.kg).toBe(81));
  test('no RawEvent is written with set()', () =>
    expect(store.writes.filter((w) => w.op === 'set' && w.path.includes('/rawEvents/'))).toHaveLength(0));
  test('created RawEvents are kind=weight, sourceId=withings', () =>
    expect(store.get('users/u1/rawEvents/withings-8')).toMatchObject({ kind: 'weight', sourceId: 'withings' }));
  test('processed counts only the created event', () => expect(store.get(path('u1')).backfill.processed).toBe(1));
});

describe('backfill resume: a Withings failure writes a FailureEntry', () => {
  let store;
  let result;
  beforeEach(async () => {
    store = storeWithBackfills({ u1: 'running', u2: 'running' });
    result = await resumeAll(store, fakeWithings({ u2: [group(3, 360)] }, { failFor: ['u1'] }), NOW_MS);
  });
  test('one FailureEntry for the failing user', () => expect(store.list('failures/')).toHaveLength(1));
  test('the FailureEntry names the user, the stage and the cursor', () =>
    expect(store.list('failures/')[0].data).toMatchObject({ uid: 'u1', stage: 'backfill' }));
  test('the failing user is left in status=error, to be resumed', () =>
    expect(store.get(path('u1')).backfill.status).toBe('error'));
  test('the other user still progresses', () => expect(store.get(path('u2')).backfill.processed).toBe(1));
  test('the run reports both users', () => expect(result.users).toBe(2));
});

describe('POST /integrations/withings/backfill', () => {
  let ctx;
  let res;
  beforeEach(async () => {
    ctx = makeCtx({ store: storeWithBackfills({ u1: 'running', u2: 'complete' }),
      withings: fakeWithings({ u1: [group(1, 360), group(2, 359)] }) });
    res = await dispatch(app, { method: 'POST', url: '/integrations/withings/backfill',
      headers: { authorization: `Bearer ${token({ sub: FN_SUB })}` }, ctx });
  });
  test('answers 200 to an allowlisted invoker', () => expect(res.status).toBe(200));
  test('returns processed and users', () => expect(res.body).toEqual({ ok: true, processed: 2, users: 1 }));
  test('logs invoker_auth_ok then withings_backfill', () =>
    expect(ctx.log.lines.map((l) => l.message)).toEqual(['invoker_auth_ok', 'withings_backfill']));
});

const WINDOWS = [1, 30, 31, 90, 365];

for (const days of WINDOWS) {
  describe(`backfill resume: a ${days}-day window`, () => {
    let store;
    let withings;
    let runs;
    const events = [group(1, days - 0.5), group(2, days / 2), group(3, 0.1)];
    beforeEach(async () => {
      store = memoryStore();
      store.docs.set(path('u1'), { connected: true,
        backfill: { status: 'running', cursorStartMs: NOW_MS - days * DAY_MS, cursorEndMs: NOW_MS, processed: 0 } });
      withings = fakeWithings({ u1: events });
      runs = 0;
      while (store.get(path('u1')).backfill.status === 'running' && runs < 50) {
        await resumeAll(store, withings, NOW_MS);
        runs += 1;
      }
    });
    test(`completes in ${Math.ceil(days / PAGE_DAYS)} run(s)`, () => expect(runs).toBe(Math.ceil(days / PAGE_DAYS)));
    test('every event in the window is created once', () => expect(store.get(path('u1')).backfill.processed).toBe(3));
    test('the cursor ends at cursorEndMs', () => expect(store.get(path('u1')).backfill.cursorStartMs).toBe(NOW_MS));
    test('the pages neither overlap nor leave gaps', () =>
      expect(withings.calls.every((c, i) => i === 0 || c.fromMs === withings.calls[i - 1].toMs)).toBe(true));
  });
}

import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { rawEventId, toRawEvent, writeRawEvents } from '../src/lib/withings/rawEvents.js';
import { memoryStore } from '../src/lib/withings/store.js';
import { group, makeCtx } from './helpers.js';

describe('RawEvents from Withings measure groups', () => {
  test('the id is derived from grpid (idempotent)', () => expect(rawEventId({ grpid: 42 })).toBe('withings-42'));
  test('kind=weight, sourceId=withings', () =>
    expect(toRawEvent(group(1, 0))).toMatchObject({ kind: 'weight', sourceId: 'withings' }));
  test('observedAtMs is the measure date in ms', () => expect(toRawEvent({ grpid: 1, date: 10, kg: 1 }).observedAtMs).toBe(10000));
  test('writing the same groups twice creates them once', () => {
    const store = memoryStore();
    expect(writeRawEvents(store, 'u1', [group(1, 1), group(2, 2)])).toBe(2);
    expect(writeRawEvents(store, 'u1', [group(1, 1), group(2, 2)])).toBe(0);
  });
});

describe('GET /users/me/raw-events?kinds=weight', () => {
  let ctx;
  let res;
  beforeEach(async () => {
    ctx = makeCtx();
    writeRawEvents(ctx.store, 'u1', [group(1, 1), group(2, 3)]);
    ctx.store.docs.set('users/u1/rawEvents/steps-1', { kind: 'steps', sourceId: 'fitbit', observedAtMs: 1 });
    res = await dispatch(app, { method: 'GET', url: '/users/me/raw-events?kinds=weight',
      headers: { authorization: 'Bearer tok-user-1' }, ctx });
  });
  test('answers 200', () => expect(res.status).toBe(200));
  test('returns only weight items', () => expect(res.body.items.every((e) => e.kind === 'weight')).toBe(true));
  test('items carry sourceId=withings', () => expect(res.body.items.map((e) => e.sourceId)).toEqual(['withings', 'withings']));
  test('newest first', () => expect(res.body.items[0].observedAtMs).toBeGreaterThan(res.body.items[1].observedAtMs));
  test('logs raw_events_list with count and sourceIds', () =>
    expect(ctx.log.lines[0]).toMatchObject({ message: 'raw_events_list', count: 2, sourceIds: 'withings' }));
});

const QUERIES = [
  { query: 'kinds=weight', kinds: ['weight'], count: 2 },
  { query: 'kinds=steps', kinds: ['steps'], count: 1 },
  { query: 'kinds=weight,steps', kinds: ['weight', 'steps'], count: 3 },
  { query: 'kinds=sleep', kinds: [], count: 0 },
  { query: '', kinds: ['weight', 'steps'], count: 3 },
];

for (const q of QUERIES) {
  describe(`GET /users/me/raw-events?${q.query}`, () => {
    let res;
    beforeEach(async () => {
      const ctx = makeCtx();
      writeRawEvents(ctx.store, 'u1', [group(1, 1), group(2, 3)]);
      ctx.store.docs.set('users/u1/rawEvents/steps-1', { kind: 'steps', sourceId: 'fitbit', observedAtMs: 1 });
      writeRawEvents(ctx.store, 'u2', [group(9, 1, 55)]);
      res = await dispatch(app, { method: 'GET', url: `/users/me/raw-events?${q.query}`,
        headers: { authorization: 'Bearer tok-user-1' }, ctx });
    });
    test(`returns ${q.count} item(s)`, () => expect(res.body.items).toHaveLength(q.count));
    test('returns only the kinds asked for', () =>
      expect(res.body.items.every((e) => q.kinds.includes(e.kind))).toBe(true));
    test("never returns another user's events", () =>
      expect(res.body.items.some((e) => e.value && e.value.kg === 55)).toBe(false));
  });
}

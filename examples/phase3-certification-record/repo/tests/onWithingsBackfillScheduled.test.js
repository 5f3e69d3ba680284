import * as functions from '../src/functions/index.js';
import { BACKFILL_PATH, runBackfill } from '../src/functions/onWithingsBackfillScheduled.js';
import { API_URL } from './helpers.js';

describe('onWithingsBackfillScheduled: export', () => {
  test('is exported from src/functions', () => expect(typeof functions.onWithingsBackfillScheduled).toBe('function'));
  test('is a scheduled trigger', () => expect(functions.onWithingsBackfillScheduled.__trigger.type).toBe('schedule'));
  test('is not HTTP-callable (no https or callable trigger)', () =>
    expect(['https', 'callable']).not.toContain(functions.onWithingsBackfillScheduled.__trigger.type));
  test('runs every 6 hours, UTC', () =>
    expect(functions.onWithingsBackfillScheduled.__trigger).toMatchObject({ schedule: 'every 6 hours', timeZone: 'UTC' }));
});

function deps(status, body, env = { OLI_API_BASE_URL: API_URL }) {
  const seen = { minted: [], fetched: [], logged: [] };
  return {
    seen,
    env,
    mintIdToken: async (opts) => { seen.minted.push(opts); return 'id-token'; },
    fetch: async (url, init) => {
      seen.fetched.push({ url, init });
      return { status, json: async () => body, text: async () => JSON.stringify(body) };
    },
    log: (line) => seen.logged.push(line),
  };
}

describe('onWithingsBackfillScheduled: a successful run', () => {
  let d;
  let result;
  beforeEach(async () => {
    d = deps(200, { ok: true, processed: 14, users: 1 });
    result = await functions.onWithingsBackfillScheduled({}, d);
  });
  test('mints the ID token for the bare OLI_API_BASE_URL (= INVOKER_TOKEN_AUDIENCE)', () =>
    expect(d.seen.minted).toEqual([{ audience: API_URL }]));
  test('POSTs to OLI_API_BASE_URL/integrations/withings/backfill', () =>
    expect(d.seen.fetched[0].url).toBe(`${API_URL}${BACKFILL_PATH}`));
  test('sends the token as Bearer', () =>
    expect(d.seen.fetched[0].init.headers.Authorization).toBe('Bearer id-token'));
  test('logs completed ok:true processed=N', () => expect(d.seen.logged).toEqual(['completed ok:true processed=14']));
  test('returns ok', () => expect(result).toEqual({ ok: true, processed: 14 }));
});

describe('onWithingsBackfillScheduled: the API answers 403', () => {
  let d;
  beforeEach(async () => {
    d = deps(403, { ok: false, error: 'forbidden', rid: 'r-1' });
    await runBackfill(d);
  });
  test('logs the failed request with its body', () => expect(d.seen.logged[0]).toMatch('status=403 body=.*"rid":"r-1"'));
  test('logs completed ok:false error=403', () => expect(d.seen.logged[1]).toBe('completed ok:false error=403'));
  test('never logs ok:true', () => expect(d.seen.logged.join('\n')).not.toMatch('ok:true'));
});

describe('onWithingsBackfillScheduled: OLI_API_BASE_URL missing', () => {
  test('does not call anything and says why', async () => {
    const d = deps(200, {}, {});
    const result = await runBackfill(d);
    expect(result.ok).toBe(false);
    expect(d.seen.fetched).toHaveLength(0);
    expect(d.seen.logged[0]).toMatch('OLI_API_BASE_URL not set');
  });
  test('a trailing slash on the base URL is dropped', async () => {
    const d = deps(200, { processed: 0 }, { OLI_API_BASE_URL: `${API_URL}/` });
    await runBackfill(d);
    expect(d.seen.minted[0].audience).toBe(API_URL);
  });
});

const ANSWERS = [
  { status: 200, ok: true },
  { status: 401, ok: false },
  { status: 403, ok: false },
  { status: 500, ok: false },
  { status: 503, ok: false },
];

for (const a of ANSWERS) {
  describe(`onWithingsBackfillScheduled: the API answers ${a.status}`, () => {
    let d;
    let result;
    beforeEach(async () => {
      d = deps(a.status, a.ok ? { ok: true, processed: 2 } : { ok: false, rid: 'r-2' });
      result = await runBackfill(d);
    });
    test(`result.ok is ${a.ok}`, () => expect(result.ok).toBe(a.ok));
    test('the last line is the completed line', () => expect(d.seen.logged.at(-1)).toMatch('^completed ok:'));
    test(a.ok ? 'reports processed' : 'reports the status as the error', () =>
      expect(a.ok ? result.processed : result.error).toBe(a.ok ? 2 : a.status));
  });
}

// Shared test helpers (not a test file: the runner only loads *.test.js).
import { memoryLogger } from '../src/api/log.js';
import { memoryStore } from '../src/lib/withings/store.js';
import { makeIdToken } from '../src/api/auth/idtoken.js';

export const NOW_MS = Date.UTC(2026, 1, 10, 6, 0, 0);
export const DAY_MS = 24 * 60 * 60 * 1000;
export const API_URL = 'https://oli-api-1010034434203.us-central1.run.app';
export const FN_SUB = '112540986223087415907';
export const FN_EMAIL = 'oli-functions-runtime@oli-prod.iam.gserviceaccount.com';

export function fakeWithings(measuresByUid = {}, { failFor = [] } = {}) {
  const calls = [];
  return {
    calls,
    async measures(uid, fromMs, toMs) {
      calls.push({ uid, fromMs, toMs });
      if (failFor.includes(uid)) throw new Error(`withings 503 for ${uid}`);
      return (measuresByUid[uid] || []).filter((g) => g.date * 1000 >= fromMs && g.date * 1000 < toMs);
    },
  };
}

export function makeCtx({ env = {}, store = memoryStore(), withings = fakeWithings(), invoker } = {}) {
  return {
    store,
    withings,
    log: memoryLogger(),
    nowMs: () => NOW_MS,
    users: { 'tok-user-1': 'u1', 'tok-user-2': 'u2' },
    invoker: invoker || { emails: [], subs: [FN_SUB], audience: API_URL, ...env },
  };
}

export function token(claims) {
  return makeIdToken({ aud: API_URL, exp: NOW_MS / 1000 + 3600, ...claims });
}

export function group(grpid, daysAgo, kg = 80) {
  return { grpid, date: Math.floor((NOW_MS - daysAgo * DAY_MS) / 1000), kg };
}

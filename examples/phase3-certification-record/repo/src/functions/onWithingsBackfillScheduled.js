// Scheduled trigger (not HTTP-callable): every 6 hours, POST the API's backfill endpoint with a
// Google ID token of the function's service account (oli-functions-runtime@...).
import { onSchedule } from './lib/triggers.js';

export const BACKFILL_PATH = '/integrations/withings/backfill';

export async function runBackfill({ env, mintIdToken, fetch, log }) {
  const base = String(env.OLI_API_BASE_URL || '').replace(/\/+$/, '');
  if (!base) {
    log('completed ok:false error=OLI_API_BASE_URL not set');
    return { ok: false, error: 'OLI_API_BASE_URL not set' };
  }
  // The token's audience is the service URL itself (the value of the API's INVOKER_TOKEN_AUDIENCE),
  // not the endpoint URL: a token minted for base + path is rejected with AUDIENCE_MISMATCH.
  const idToken = await mintIdToken({ audience: base });
  const res = await fetch(`${base}${BACKFILL_PATH}`, { method: 'POST', headers: { Authorization: `Bearer ${idToken}` } });
  if (res.status !== 200) {
    const body = await res.text();
    log(`backfill request failed status=${res.status} body=${body}`);
    log(`completed ok:false error=${res.status}`);
    return { ok: false, error: res.status };
  }
  const body = await res.json();
  log(`completed ok:true processed=${body.processed}`);
  return { ok: true, processed: body.processed };
}

export const onWithingsBackfillScheduled = onSchedule(
  { schedule: 'every 6 hours', timeZone: 'UTC' },
  async (_event, deps) => runBackfill(deps),
);

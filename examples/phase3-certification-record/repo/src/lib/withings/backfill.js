// Backfill resume: advance every user whose backfill is running (or failed last time) by one page.
import { writeRawEvents } from './rawEvents.js';

export const PAGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
export const RESUMABLE = Object.freeze(['running', 'error']);

export function isResumable(backfill) {
  return Boolean(backfill) && RESUMABLE.includes(backfill.status);
}

export async function resumeOne(store, withings, uid, nowMs) {
  const path = `users/${uid}/integrations/withings`;
  const { backfill } = store.get(path);
  const from = backfill.cursorStartMs;
  const to = Math.min(from + PAGE_DAYS * DAY_MS, backfill.cursorEndMs);
  try {
    const groups = await withings.measures(uid, from, to);
    const created = writeRawEvents(store, uid, groups);
    const done = to >= backfill.cursorEndMs;
    const next = { ...backfill, cursorStartMs: to, processed: backfill.processed + created,
      status: done ? 'complete' : 'running', lastError: null };
    store.set(path, { backfill: next }, { merge: true });
    return { uid, created, status: next.status };
  } catch (err) {
    store.create(`failures/withings-backfill-${uid}-${nowMs}`, {
      uid, stage: 'backfill', cursorStartMs: from, message: String(err.message || err), atMs: nowMs,
    });
    store.set(path, { backfill: { ...backfill, status: 'error', lastError: String(err.message || err) } },
      { merge: true });
    return { uid, created: 0, status: 'error' };
  }
}

export async function resumeAll(store, withings, nowMs) {
  const results = [];
  for (const { path, data } of store.list('users/')) {
    if (!path.endsWith('/integrations/withings') || !isResumable(data.backfill)) continue;
    results.push(await resumeOne(store, withings, path.split('/')[1], nowMs));
  }
  const processed = results.reduce((n, r) => n + r.created, 0);
  return { processed, users: results.length, results };
}

// GET /integrations/withings/status: when connected and no backfill was ever started, start one
// (a single ref.set of backfill.status=running with its cursor fields).
export const BACKFILL_WINDOW_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

export function initialBackfill(nowMs) {
  return {
    status: 'running',
    cursorStartMs: nowMs - BACKFILL_WINDOW_DAYS * DAY_MS,
    cursorEndMs: nowMs,
    processed: 0,
    startedAtMs: nowMs,
  };
}

export function withingsStatus(store, uid, nowMs) {
  const path = `users/${uid}/integrations/withings`;
  const doc = store.get(path) || { connected: false };
  if (doc.connected && !doc.backfill) {
    doc.backfill = initialBackfill(nowMs);
    store.set(path, { backfill: doc.backfill }, { merge: true });
  }
  return { connected: Boolean(doc.connected), backfill: doc.backfill || null };
}

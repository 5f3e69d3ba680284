// Client presence hook (logic only): is there recent Withings weight data?
// Trust boundary: client code imports only from src/shared, never from src/api or src/lib.
import { RECENT_DAYS, WEIGHT_KIND, WITHINGS_SOURCE_ID } from '../shared/withings.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function isWithingsWeight(event) {
  return Boolean(event) && event.kind === WEIGHT_KIND && event.sourceId === WITHINGS_SOURCE_ID;
}

export function withingsPresence(events, nowMs) {
  const mine = (events || []).filter(isWithingsWeight);
  let latest = null;
  for (const e of mine) {
    if (latest === null || e.observedAtMs > latest.observedAtMs) latest = e;
  }
  const hasRecentData = latest !== null && nowMs - latest.observedAtMs <= RECENT_DAYS * DAY_MS;
  return { latest, hasRecentData, count: mine.length };
}

// The query the hook sends: GET /users/me/raw-events?kinds=weight
export function presenceQuery() {
  return `/users/me/raw-events?kinds=${WEIGHT_KIND}`;
}

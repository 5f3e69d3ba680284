// Incremental pull: new measurements since the last pull, for every connected user.
import { writeRawEvents } from './rawEvents.js';

export async function pullOne(store, withings, uid, nowMs) {
  const path = `users/${uid}/integrations/withings`;
  const doc = store.get(path);
  const since = doc.lastPulledAtMs || doc.connectedAtMs || nowMs;
  const groups = await withings.measures(uid, since, nowMs);
  const created = writeRawEvents(store, uid, groups);
  store.set(path, { lastPulledAtMs: nowMs }, { merge: true });
  return { uid, created };
}

export async function pullAll(store, withings, nowMs) {
  const results = [];
  for (const { path, data } of store.list('users/')) {
    if (path.endsWith('/integrations/withings') && data.connected) {
      results.push(await pullOne(store, withings, path.split('/')[1], nowMs));
    }
  }
  return { pulled: results.reduce((n, r) => n + r.created, 0), users: results.length };
}

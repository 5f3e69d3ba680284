import { WEIGHT_KIND, WITHINGS_SOURCE_ID } from '../../shared/withings.js';

export function rawEventId(measureGroup) {
  return `withings-${measureGroup.grpid}`;
}

export function toRawEvent(measureGroup) {
  return {
    kind: WEIGHT_KIND,
    sourceId: WITHINGS_SOURCE_ID,
    observedAtMs: measureGroup.date * 1000,
    value: { kg: measureGroup.kg },
  };
}

// create-only: a RawEvent that already exists is left as it is (idempotent backfill and pull)
export function writeRawEvents(store, uid, measureGroups) {
  let created = 0;
  for (const g of measureGroups) {
    if (store.create(`users/${uid}/rawEvents/${rawEventId(g)}`, toRawEvent(g))) created += 1;
  }
  return created;
}

export function listRawEvents(store, uid, kinds) {
  return store
    .list(`users/${uid}/rawEvents/`)
    .map((d) => d.data)
    .filter((e) => kinds.length === 0 || kinds.includes(e.kind));
}

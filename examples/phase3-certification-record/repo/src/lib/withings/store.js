// An in-memory document store with the Firestore operations the backfill relies on.
export function memoryStore() {
  const docs = new Map();
  const writes = [];
  return {
    docs,
    writes,
    get(path) {
      return docs.has(path) ? structuredClone(docs.get(path)) : undefined;
    },
    set(path, data, { merge = false } = {}) {
      writes.push({ op: 'set', path });
      docs.set(path, merge ? { ...(docs.get(path) || {}), ...structuredClone(data) } : structuredClone(data));
    },
    // create-only: never overwrites an existing document (Firestore `create`)
    create(path, data) {
      if (docs.has(path)) return false;
      writes.push({ op: 'create', path });
      docs.set(path, structuredClone(data));
      return true;
    },
    list(prefix) {
      return [...docs.entries()]
        .filter(([p]) => p.startsWith(prefix))
        .map(([p, d]) => ({ path: p, data: structuredClone(d) }));
    },
  };
}

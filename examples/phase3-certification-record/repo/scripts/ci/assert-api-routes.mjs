// The routes the app really mounts (src/api/app.js, walked at run time) are exactly the paths of
// openapi.yaml, and the invoker endpoints are guarded by requireInvoker. Prints ASSERT_API_ROUTES_OK.
import app from '../../src/api/app.js';
import { listRoutes } from '../../src/api/http/express.js';
import { requireInvoker } from '../../src/api/auth/invoker.js';
import { read } from '../files.mjs';

const INVOKER_ROUTES = ['POST /integrations/withings/backfill', 'POST /integrations/withings/pull'];

function contractRoutes(text) {
  const out = [];
  let path = null;
  for (const line of text.split('\n')) {
    const p = line.match(/^ {2}(\/\S*):\s*$/);
    const m = line.match(/^ {4}(get|post|put|patch|delete):/);
    if (p) path = p[1];
    else if (m && path) out.push(`${m[1].toUpperCase()} ${path}`);
    else if (/^\S/.test(line)) path = null;
  }
  return out.sort();
}

const mounted = listRoutes(app);
const code = mounted.map((r) => `${r.method} ${r.path}`).sort();
const contract = contractRoutes(read('openapi.yaml'));
const failures = [
  ...code.filter((r) => !contract.includes(r)).map((r) => `undocumented: ${r} is mounted but not in openapi.yaml`),
  ...contract.filter((r) => !code.includes(r)).map((r) => `unimplemented: ${r} is in openapi.yaml but not mounted`),
  ...INVOKER_ROUTES.filter((key) => {
    const route = mounted.find((r) => `${r.method} ${r.path}` === key);
    return !route || route.handlers[0] !== requireInvoker;
  }).map((r) => `unguarded: ${r} is not behind requireInvoker`),
];
for (const r of code) console.log(`route ${r}`);
for (const f of failures) console.log(`FAIL ${f}`);
console.log(failures.length ? `ASSERT_API_ROUTES_FAILED (${failures.length})` : `ASSERT_API_ROUTES_OK (${code.length} routes)`);
process.exit(failures.length ? 1 : 0);

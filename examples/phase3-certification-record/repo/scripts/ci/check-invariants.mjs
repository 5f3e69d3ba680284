// Repository invariants of the Phase 3 code, CHECK 1..22, then the client trust boundary, then
// assert-phase3-specs. Each CHECK reads the tree; any failure is printed and exits 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsFiles, read, root } from '../files.mjs';
import { assertPhase3Specs } from './assert-phase3-specs.mjs';

const src = jsFiles('src');
const has = (rel, re) => re.test(read(rel));
const count = (rel, re) => (read(rel).match(new RegExp(re.source, 'g')) || []).length;
const INVOKER = 'src/api/auth/invoker.js';
const FN = 'src/functions/onWithingsBackfillScheduled.js';
const ROUTES = 'src/api/routes/integrations.withings.js';
const routeFiles = src.filter((f) => f.startsWith('src/api/routes/'));
const guarded = (method, path, guard) => new RegExp(`router\\.${method}\\('${path}', ${guard},`);

const CHECKS = [
  ['package.json defines the typecheck, lint and test scripts',
    () => ['typecheck', 'lint', 'test'].every((s) => JSON.parse(read('package.json')).scripts[s])],
  ['every route module exports its router as default', () => routeFiles.every((f) => has(f, /export default router;/))],
  ['every route module is mounted in src/api/app.js',
    () => routeFiles.every((f) => has('src/api/app.js', new RegExp(`from './routes/${f.split('/').pop()}'`)))],
  ['POST /backfill is behind requireInvoker', () => has(ROUTES, guarded('post', '/backfill', 'requireInvoker'))],
  ['POST /pull is behind requireInvoker', () => has(ROUTES, guarded('post', '/pull', 'requireInvoker'))],
  ['GET /status is behind requireUser', () => has(ROUTES, guarded('get', '/status', 'requireUser'))],
  ['invoker auth reads WITHINGS_PULL_INVOKER_EMAILS and WITHINGS_PULL_INVOKER_SUBS',
    () => has(INVOKER, /env\.WITHINGS_PULL_INVOKER_EMAILS/) && has(INVOKER, /env\.WITHINGS_PULL_INVOKER_SUBS/)],
  ['invoker auth verifies the audience against INVOKER_TOKEN_AUDIENCE', () => has(INVOKER, /env\.INVOKER_TOKEN_AUDIENCE/)],
  ['production refuses to start with both allowlists empty',
    () => has(INVOKER, /NODE_ENV === 'production' && emails\.length === 0 && subs\.length === 0/)],
  ['the only 403 in src/ is the invoker reject()',
    () => src.reduce((n, f) => n + count(f, /code\(403\)/), 0) === 1 && count(INVOKER, /code\(403\)/) === 1],
  ['the rejection logs invoker_auth_rejected with rid (and branch/errorCode from every caller)',
    () => {
      const calls = [...read(INVOKER).matchAll(/return reject\(req, res, \{([\s\S]*?)\}\);/g)].map((m) => m[1]);
      return has(INVOKER, /message: 'invoker_auth_rejected', rid: req\.rid/) && calls.length >= 3
        && calls.every((c) => /branch: '(none|bearer)'/.test(c) && /errorCode/.test(c));
    }],
  ['Bearer-path rejections carry aud, emailPresent, subPresent, sub, verifyReason',
    () => ['aud:', 'emailPresent:', 'subPresent:', 'sub:', 'verifyReason:'].every((k) => read(INVOKER).includes(k))],
  ['no token or Authorization header is ever logged',
    () => src.every((f) => !/log\.\w+\([^)]*\b(header|token|authorization)\b/i.test(read(f)))],
  ['onWithingsBackfillScheduled is an onSchedule trigger', () => has(FN, /= onSchedule\(/)],
  ['no HTTP trigger (onRequest/onCall) under src/functions',
    () => src.filter((f) => f.startsWith('src/functions/') && !f.endsWith('lib/triggers.js'))
      .every((f) => !/\bon(Request|Call)\(/.test(read(f)))],
  ['the function reads OLI_API_BASE_URL', () => has(FN, /env\.OLI_API_BASE_URL/)],
  ['the function mints its ID token for the bare base URL', () => has(FN, /mintIdToken\(\{ audience: base \}\)/)],
  ['RawEvents are written create-only (no set() on rawEvents)',
    () => src.every((f) => !/\.set\([^)]*rawEvents/.test(read(f))) && has('src/lib/withings/rawEvents.js', /store\.create\(/)],
  ['a failed backfill page writes a FailureEntry', () => has('src/lib/withings/backfill.js', /store\.create\(`failures\//)],
  ['status autostart is a single set()', () => count('src/lib/withings/status.js', /store\.set\(/) === 1],
  ["the 'withings'/'weight' contract literals live only in src/shared/withings.js",
    () => src.filter((f) => f !== 'src/shared/withings.js').every((f) => !/['"](withings|weight)['"]/.test(read(f)))],
  ['every src/lib/withings module is imported by a test',
    () => {
      const tests = jsFiles('tests').map(read).join('\n');
      return src.filter((f) => f.startsWith('src/lib/withings/'))
        .every((f) => tests.includes(`../${f.replace(/\.js$/, '')}`));
    }],
];

let failed = 0;
CHECKS.forEach(([what, fn], i) => {
  let ok = false;
  try { ok = fn(); } catch (err) { what += ` (${err.message})`; }
  if (!ok) failed += 1;
  console.log(`CHECK ${i + 1} ${ok ? 'ok' : 'FAILED'}: ${what}`);
});

// Client trust boundary: client code imports only src/shared and reads no server configuration.
const client = src.filter((f) => f.startsWith('src/client/'));
const boundary = client.flatMap((f) => [
  ...[...read(f).matchAll(/from '([^']+)'/g)].map((m) => m[1]).filter((p) => !p.startsWith('../shared/'))
    .map((p) => `${f} imports ${p}`),
  ...(/process\.env/.test(read(f)) ? [`${f} reads process.env`] : []),
]);
for (const b of boundary) console.log(`TRUST BOUNDARY FAILED: ${b}`);

const phase3 = existsSync(join(root, 'docs/phase3-specs.json')) ? await assertPhase3Specs() : { failures: ['no docs/phase3-specs.json'] };
for (const f of phase3.failures) console.log(`ASSERT_PHASE3_SPECS FAILED: ${f}`);

if (failed === 0) console.log(`All CHECKs 1-${CHECKS.length} passed`);
console.log(boundary.length ? 'client trust boundary FAILED' : `client trust boundary passed (${client.length} client modules)`);
console.log(phase3.failures.length ? 'assert-phase3-specs FAILED' : 'assert-phase3-specs passed');
process.exit(failed || boundary.length || phase3.failures.length ? 1 : 0);

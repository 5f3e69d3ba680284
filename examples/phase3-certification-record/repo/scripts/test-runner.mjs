// A jest-style test runner (the fixture has no node_modules, so no jest): finds tests/**/*.test.js,
// runs them, and prints jest's summary lines. A suite is a top-level describe() block.
//   node scripts/test-runner.mjs [--testPathPattern=REGEX]
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  const out = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...findTests(p));
    else if (ent.name.endsWith('.test.js')) out.push(relative(root, p));
  }
  return out.sort();
}

function option(name) {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

class AssertionError extends Error {}

function expect(actual) {
  const check = (ok, what, negated) => {
    if (ok === negated) throw new AssertionError(`expected ${inspect(actual)} ${negated ? 'not ' : ''}${what}`);
  };
  const matchers = (negated) => ({
    toBe: (v) => check(Object.is(actual, v), `to be ${inspect(v)}`, negated),
    toEqual: (v) => check(isDeepStrictEqual(actual, v), `to equal ${inspect(v)}`, negated),
    toBeNull: () => check(actual === null, 'to be null', negated),
    toBeTruthy: () => check(Boolean(actual), 'to be truthy', negated),
    toContain: (v) => check(actual.includes(v), `to contain ${inspect(v)}`, negated),
    toMatch: (re) => check(new RegExp(re).test(actual), `to match ${re}`, negated),
    toHaveLength: (n) => check(actual.length === n, `to have length ${n}`, negated),
    toBeGreaterThan: (n) => check(actual > n, `to be > ${n}`, negated),
    toMatchObject: (v) => check(Object.entries(v).every(([k, x]) => isDeepStrictEqual(actual[k], x)),
      `to match ${inspect(v)}`, negated),
    toThrow: (re) => {
      let thrown = null;
      try { actual(); } catch (e) { thrown = e; }
      check(thrown !== null && (!re || new RegExp(re).test(thrown.message)), `to throw ${re || ''}`, negated);
    },
  });
  return { ...matchers(false), not: matchers(true) };
}

const suites = [];
let current = null;
globalThis.expect = expect;
globalThis.describe = (name, body) => {
  if (current) throw new Error(`nested describe("${name}") is not supported`);
  current = { name, tests: [], beforeEach: [] };
  body();
  suites.push(current);
  current = null;
};
globalThis.beforeEach = (fn) => current.beforeEach.push(fn);
globalThis.test = (name, fn) => {
  if (!current) throw new Error(`test("${name}") outside describe()`);
  current.tests.push({ name, fn });
};
globalThis.it = globalThis.test;

const pattern = option('testPathPattern');
const files = findTests(join(root, 'tests')).filter((f) => !pattern || new RegExp(pattern).test(f));
if (files.length === 0) {
  console.log(`No tests found, exiting with code 1${pattern ? ` (testPathPattern: ${pattern})` : ''}`);
  process.exit(1);
}

const totals = { suites: 0, suitesFailed: 0, tests: 0, failed: 0 };
for (const file of files) {
  suites.length = 0;
  const lines = [];
  let fileFailed = false;
  try {
    await import(pathToFileURL(join(root, file)).href);
  } catch (err) {
    fileFailed = true;
    lines.push(`  ● Test suite failed to run: ${err.message}`);
    totals.suites += 1;
    totals.suitesFailed += 1;
  }
  for (const suite of suites) {
    let suiteFailed = false;
    lines.push(`  ${suite.name}`);
    for (const t of suite.tests) {
      totals.tests += 1;
      try {
        for (const fn of suite.beforeEach) await fn();
        await t.fn();
        lines.push(`    ✓ ${t.name}`);
      } catch (err) {
        suiteFailed = true;
        totals.failed += 1;
        lines.push(`    ✕ ${t.name}`, `      ${err.message}`);
      }
    }
    totals.suites += 1;
    if (suiteFailed) totals.suitesFailed += 1;
    fileFailed = fileFailed || suiteFailed;
  }
  console.log(`${fileFailed ? 'FAIL' : 'PASS'} ${file}`);
  console.log(lines.join('\n'));
}

const part = (failed, total) => `${failed ? `${failed} failed, ` : ''}${total - failed} passed, ${total} total`;
console.log('');
console.log(`Test Suites: ${part(totals.suitesFailed, totals.suites)}`);
console.log(`Tests:       ${part(totals.failed, totals.tests)}`);
process.exit(totals.failed || totals.suitesFailed ? 1 : 0);

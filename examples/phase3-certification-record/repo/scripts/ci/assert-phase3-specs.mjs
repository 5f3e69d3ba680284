// Every Phase 3 spec in docs/phase3-specs.json has its module (with the named exports) and its test
// file (mentioning the spec's key assertions). Prints ASSERT_PHASE3_SPECS_OK, or each failure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { read, root } from '../files.mjs';

export async function assertPhase3Specs() {
  const { specs } = JSON.parse(read('docs/phase3-specs.json'));
  const failures = [];
  for (const s of specs) {
    if (!existsSync(join(root, s.module))) {
      failures.push(`${s.id}: module ${s.module} is missing`);
    } else {
      const mod = await import(pathToFileURL(join(root, s.module)).href);
      for (const name of s.exports) {
        if (typeof mod[name] !== 'function') failures.push(`${s.id}: ${s.module} does not export ${name}`);
      }
    }
    if (!existsSync(join(root, s.test))) {
      failures.push(`${s.id}: test ${s.test} is missing`);
      continue;
    }
    const text = read(s.test);
    for (const m of s.mentions) {
      if (!text.includes(m)) failures.push(`${s.id}: ${s.test} does not test "${m}"`);
    }
  }
  return { specs: specs.length, failures };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { specs, failures } = await assertPhase3Specs();
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(failures.length ? `ASSERT_PHASE3_SPECS_FAILED (${failures.length} of ${specs} specs)` : `ASSERT_PHASE3_SPECS_OK (${specs} specs)`);
  process.exit(failures.length ? 1 : 0);
}

// Stand-in for `tsc --noEmit` (no TypeScript in this fixture): load and link every module under
// src/. ESM linking fails on a missing file or a named import the other module does not export,
// which is the class of error the real typecheck catches first.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsFiles, root } from './files.mjs';

const files = jsFiles('src');
const errors = [];
for (const rel of files) {
  try {
    await import(pathToFileURL(join(root, rel)).href);
  } catch (err) {
    errors.push(`${rel}: error: ${err.message.split('\n')[0]}`);
  }
}
for (const e of errors) console.log(e);
console.log(`typecheck: ${files.length} modules linked, ${errors.length} errors`);
process.exit(errors.length ? 1 : 0);

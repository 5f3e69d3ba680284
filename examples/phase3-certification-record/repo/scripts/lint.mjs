// Stand-in for eslint (no node_modules): the rules this project enforces, line by line.
import { jsFiles, read } from './files.mjs';

const RULES = [
  { id: 'no-var', re: /\bvar\s+\w/ },
  { id: 'eqeqeq', re: /(?<![=!<>])==(?!=)|!=(?!=)/ }, // lint-disable-line
  { id: 'no-debugger', re: /\bdebugger\b/ },
  { id: 'no-console', re: /\bconsole\.\w+\(/, only: /^src\// },
];
// string literals are blanked first, so `'a==b'` in a string is not a finding
const blank = (line) => line.replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '""');

const files = jsFiles('src', 'tests', 'scripts');
const problems = [];
for (const rel of files) {
  const text = read(rel);
  if (!text.endsWith('\n')) problems.push(`${rel}: eol-last`);
  text.split('\n').forEach((line, i) => {
    if (/[ \t]+$/.test(line)) problems.push(`${rel}:${i + 1}: no-trailing-spaces`);
    if (line.endsWith('// lint-disable-line')) return;
    const code = blank(line.replace(/\/\/.*$/, ''));
    for (const r of RULES) {
      if ((!r.only || r.only.test(rel)) && r.re.test(code)) problems.push(`${rel}:${i + 1}: ${r.id}`);
    }
  });
}
for (const p of problems) console.log(p);
console.log(`lint: ${files.length} files, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);

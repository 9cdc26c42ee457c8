#!/usr/bin/env node
// Checks what every publishable package would ship (`npm pack --dry-run --json`, after the build): no test
// helpers (`*.test.*`, `*.fixture.*`, `fixtures.*`, `__tests__/`, `dist/test/`, `dist/e2e/`) and a README.md
// and LICENSE in each. Usage: node scripts/check-tarballs.mjs [package-dir…] (default: every packages/*).
// Exits 1 listing the offending files.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const FORBIDDEN = [
  [/(^|\/)[^/]*\.test\.[^/]*$/, 'a test file'],
  [/(^|\/)[^/]*\.fixture\.[^/]*$/, 'a test fixture'],
  [/(^|\/)fixtures\.(?:js|d\.ts|ts|mjs|cjs)(?:\.map)?$/, 'test helpers (fixtures)'],
  [/(^|\/)__tests__\//, 'a test folder'],
  [/^dist\/test\//, 'test helpers (dist/test)'],
  [/^dist\/e2e\//, 'end-to-end tests (dist/e2e)'],
];
const REQUIRED = ['README.md', 'LICENSE', 'package.json'];

const args = process.argv.slice(2);
const dirs = args.length
  ? args.map((d) => resolve(d))
  : readdirSync(join(root, 'packages'))
      .map((d) => join(root, 'packages', d))
      .filter((d) => existsSync(join(d, 'package.json')));

let problems = 0;
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  const bad = [];
  for (const file of files) {
    const hit = FORBIDDEN.find(([re]) => re.test(file));
    if (hit) bad.push(`${file}: ${hit[1]}`);
  }
  for (const need of REQUIRED) if (!files.includes(need)) bad.push(`${need}: missing`);
  if (!files.some((f) => f.startsWith('dist/'))) bad.push('dist/: missing (build first)');
  if (bad.length) {
    problems += bad.length;
    console.error(`check-tarballs: ${pkg.name} (${files.length} files):\n  ${bad.join('\n  ')}`);
  } else {
    console.log(`check-tarballs: ${pkg.name}: ${files.length} files, ok`);
  }
}
if (problems) {
  console.error(`check-tarballs: ${problems} problem(s); fix the package.json "files" (or add README.md / LICENSE)`);
  process.exit(1);
}

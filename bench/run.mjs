// `pnpm bench`: runs every bench/*.bench.mjs against the built packages and prints one table of figures.
// Each bench module exports `async function run({ core, testkit, kenburns })` returning rows
// `[{ name, value, unit, note }]`. Benchmarks print figures; they do not pass or fail on speed.
// Select some with a filter: `pnpm bench media engine`. serve.bench.mjs (1 vs 4 workers of ttv serve) also needs
// Debian's redis-server and the built @ttv/server; it starts and stops a redis-server of its own.
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(new URL('../packages/cli/package.json', import.meta.url));
const load = (pkg) => import(pathToFileURL(require.resolve(pkg)).href);
const modules = {
  // The library entry with the media toolkit, the test clip makers and the engine entry, as one namespace.
  core: Object.assign(
    {},
    ...(await Promise.all(
      ['index', 'media/index', 'media/testing', 'engine'].map((e) => import(new URL(`../packages/core/dist/${e}.js`, import.meta.url).href)),
    )),
  ),
  testkit: await import(new URL('../packages/testkit/dist/index.js', import.meta.url).href),
  kenburns: await load('@ttv/backend-kenburns'),
};

const filters = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.mjs') && (filters.length === 0 || filters.some((x) => f.includes(x)))).sort();
const rows = [];
let failed = 0;
for (const file of files) {
  const started = performance.now();
  process.stderr.write(`bench: ${file} …\n`);
  try {
    const mod = await import(pathToFileURL(`${here}${file}`).href);
    for (const row of await mod.run(modules)) rows.push({ bench: file.replace('.bench.mjs', ''), ...row });
  } catch (error) {
    failed++;
    rows.push({ bench: file.replace('.bench.mjs', ''), name: 'ERROR', value: '', unit: '', note: String(error?.message ?? error).split('\n')[0] });
  }
  process.stderr.write(`bench: ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) : String(v));
const table = rows.map((r) => [r.bench, r.name, fmt(r.value), r.unit ?? '', r.note ?? '']);
const head = ['bench', 'measure', 'value', 'unit', 'note'];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of table) console.log(line(r));
process.exitCode = failed ? 1 : 0;

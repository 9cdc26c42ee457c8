// Startup of the ttv CLI: median wall time of `ttv --version` and `ttv backends` against bare `node -e 0`,
// measured in the same run (goal: ≤ 3× bare Node and ≤ 250 ms for --version). Uses the built CLI and its
// oclif.manifest.json (built by `pnpm turbo run build --filter @ttv/cli`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/cli/bin/run.js', import.meta.url));
const OCLIF = createRequire(BIN).resolve('@oclif/core').replace(/^/, 'file://');
const MANIFEST = fileURLToPath(new URL('../packages/cli/oclif.manifest.json', import.meta.url));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(args, runs) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 300)}`);
    if (i > 0) samples.push(ms); // the first run warms the disk cache
  }
  return median(samples);
}

export async function run() {
  const runs = Number(process.env.TTV_BENCH_RUNS ?? 9);
  const bare = time(['-e', '0'], runs);
  const version = time([BIN, '--version'], runs);
  // --version through oclif itself (bin/run.js answers --version without loading oclif).
  const viaOclif = time(
    [
      '--input-type=module',
      '-e',
      `const { execute } = await import(${JSON.stringify(OCLIF)}); await execute({ dir: ${JSON.stringify(new URL('../packages/cli/bin/run.js', import.meta.url).href)}, args: ['--version'] });`,
    ],
    runs,
  );
  const backends = time([BIN, 'backends'], runs);
  const manifest = existsSync(MANIFEST) ? 'with oclif.manifest.json' : 'NO oclif.manifest.json (build the CLI)';
  return [
    { name: 'node -e 0 (bare Node)', value: bare, unit: 'ms', note: `median of ${runs}` },
    { name: 'ttv --version', value: version, unit: 'ms', note: `${(version / bare).toFixed(2)}× bare Node; goal ≤ 3× and ≤ 250 ms; ${manifest}` },
    { name: 'ttv --version through oclif', value: viaOclif, unit: 'ms', note: `${(viaOclif / bare).toFixed(2)}× bare Node; --version without the fast path` },
    { name: 'ttv backends', value: backends, unit: 'ms', note: `${(backends / bare).toFixed(2)}× bare Node; loads core and the kenburns backend` },
  ];
}

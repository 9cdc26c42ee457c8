// Startup of the ttv CLI: median wall time of `ttv --version` and `ttv backends` against bare `node -e 0`,
// measured in the same run (goal: ≤ 3× bare Node and ≤ 250 ms for --version), in wall time and in the CPU time each
// process reports (steadier on a loaded machine). Uses the built CLI and its
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

/** `time` returns the median wall time (a number) carrying the median CPU time as `.cpu`. */
const cpuRow = (name, t, bare) => ({
  name: `${name} (CPU)`,
  value: t.cpu,
  unit: 'ms',
  note: `${(t.cpu / bare.cpu).toFixed(2)}× bare Node's CPU (user+system of the process, all threads)`,
});

// Each process reports the CPU it used (all its threads) on exit: a figure other processes' load does not inflate.
const CPU_PROBE = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(2, `\\nttv-bench-cpu-ms ${(u.user + u.system) / 1000}\\n`); });")}`;

function time(args, runs) {
  const samples = [];
  const cpu = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 300)}`);
    if (i > 0) {
      samples.push(ms); // the first run warms the disk cache (and the compile cache)
      cpu.push(Number(/ttv-bench-cpu-ms ([\d.]+)/.exec(String(r.stderr))?.[1]));
    }
  }
  return Object.assign(median(samples), { cpu: median(cpu) });
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
    { name: 'node -e 0 (bare Node)', value: +bare, unit: 'ms', note: `median of ${runs}` },
    { name: 'ttv --version', value: +version, unit: 'ms', note: `${(version / bare).toFixed(2)}× bare Node; goal ≤ 3× and ≤ 250 ms; ${manifest}` },
    { name: 'ttv --version through oclif', value: +viaOclif, unit: 'ms', note: `${(viaOclif / bare).toFixed(2)}× bare Node; --version without the fast path` },
    { name: 'ttv backends', value: +backends, unit: 'ms', note: `${(backends / bare).toFixed(2)}× bare Node; loads core and the kenburns backend` },
    { name: 'node -e 0 (bare Node) (CPU)', value: bare.cpu, unit: 'ms', note: `median of ${runs}` },
    cpuRow('ttv --version', version, bare),
    cpuRow('ttv --version through oclif', viaOclif, bare),
    cpuRow('ttv backends', backends, bare),
  ];
}

#!/usr/bin/env node
// Refuse unsupported Node versions before loading anything (oclif, @ttv/core): a run on an old Node would
// otherwise create a run folder and then crash INTERNAL on a missing API. Keep this file syntax old-Node safe.
const REQUIRED = '^22.12 || ^24 || >=26';
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = (major === 22 && minor >= 12) || major === 24 || major >= 26;
const argv = process.argv.slice(2);
if (!supported) {
  process.stderr.write(
    `Error [NODE_UNSUPPORTED] ttv needs Node.js ${REQUIRED}; this is Node.js ${process.versions.node} (${process.execPath})\n` +
      'fix: install a supported Node.js (e.g. the current LTS from https://nodejs.org, or `nvm install 22`) and run ttv with it\n',
  );
  process.exitCode = 1;
} else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Fast path: `ttv --version` answers from package.json without loading oclif (same text as oclif prints).
  const { readFileSync } = await import('node:fs');
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  await enableCompileCache();
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

/**
 * Node's module compile cache (node:module enableCompileCache, Node >= 22.1): the V8 code of the ~350 modules a
 * command loads is kept on disk, so later starts skip most of their compilation (docs/decisions/0007). It lives in
 * this user's cache folder (where oclif keeps ttv's: TTV_CACHE_DIR, else ~/Library/Caches/ttv, %LOCALAPPDATA%\ttv
 * or $XDG_CACHE_HOME/ttv / ~/.cache/ttv), never in a folder other users can write. Node checks each entry against
 * the module's source, skips the cache when NODE_DISABLE_COMPILE_CACHE is set and uses NODE_COMPILE_CACHE's folder
 * when that is set; any failure only means no cache.
 */
async function enableCompileCache() {
  try {
    const [{ enableCompileCache: enable }, { homedir }, { join }] = await Promise.all([import('node:module'), import('node:os'), import('node:path')]);
    if (typeof enable !== 'function' || process.env.NODE_COMPILE_CACHE) return;
    const env = process.env;
    const base =
      env.TTV_CACHE_DIR ||
      (process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches', 'ttv')
        : process.platform === 'win32'
          ? join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'ttv')
          : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ttv'));
    enable(join(base, 'compile-cache'));
  } catch {
    // no cache: the CLI runs the same, only slower to start
  }
}

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
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

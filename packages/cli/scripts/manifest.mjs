#!/usr/bin/env node
// Writes oclif.manifest.json (what `oclif manifest` does, without the heavy `oclif` dev CLI): with it, oclif
// reads command metadata from one JSON file at startup instead of importing every command module.
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
const file = join(root, 'oclif.manifest.json');
await writeFile(file, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands (${Object.keys(plugin.manifest.commands).sort().join(', ')})`);

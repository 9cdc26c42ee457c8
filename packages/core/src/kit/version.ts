import { readFileSync } from 'node:fs';

/**
 * The version of the package a module belongs to, from the `package.json` one folder above it (`src/` or `dist/`):
 * what a backend's index exports as `VERSION` (`packageVersion(import.meta.url)`).
 */
export function packageVersion(moduleUrl: string | URL): string {
  return (JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version: string }).version;
}

// Test helper for the packages' own entry tests (core/src/entries.test.ts, testkit/src/exports.test.ts): pins the
// entries of a package.json `exports` map and the runtime names each one exports.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One test for the `exports` map (exactly these entries), one per entry: its `ttv-source` file exports exactly
 * these runtime names (types are not runtime names).
 */
export function describePinnedEntries(title: string, packageJson: URL, entries: Record<string, string[]>): void {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { 'ttv-source'?: string } | string> };
  const source = (entry: string) => {
    const target = pkg.exports[entry];
    return typeof target === 'object' && target['ttv-source'] ? fileURLToPath(new URL(target['ttv-source'], packageJson)) : undefined;
  };
  describe(title, () => {
    it('package.json exports exactly these entries', () => {
      expect(Object.keys(pkg.exports).filter((key) => key !== './package.json')).toEqual(Object.keys(entries));
    });

    it.each(Object.entries(entries))('%s exports exactly its pinned runtime names', async (entry, names) => {
      const file = source(entry);
      expect(file, `${entry} has a ttv-source file`).toBeDefined();
      expect(Object.keys(await import(file!)).sort()).toEqual([...names].sort());
    });
  });
}

import type { TtvError } from '@ttv/core';

/** The typed `@ttv/testkit/emulators` entry (never imports vitest). */
export type TestkitEmulators = typeof import('@ttv/testkit/emulators');

const MISSING = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'MODULE_NOT_FOUND']);

/**
 * Loads `@ttv/testkit/emulators` lazily: the testkit is an optional peer of the CLI (only `ttv emulate` needs
 * it). Without it, or with a testkit too old to have the entry, fails with BACKEND_NOT_INSTALLED naming the fix.
 */
export async function loadEmulators(): Promise<TestkitEmulators> {
  try {
    return await import('@ttv/testkit/emulators');
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (typeof code !== 'string' || !MISSING.has(code)) throw cause;
    const { TtvError } = await import('@ttv/core');
    throw notInstalled(TtvError, cause, code === 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  }
}

function notInstalled(E: typeof TtvError, cause: unknown, tooOld: boolean): TtvError {
  const what = tooOld ? 'the installed @ttv/testkit has no emulators entry (too old)' : '@ttv/testkit is not installed';
  return new E('BACKEND_NOT_INSTALLED', `ttv emulate needs the ttv testkit (emulators): ${what}`, {
    fix: tooOld
      ? 'npm install @ttv/testkit@latest next to @ttv/cli (or globally with it: npm install -g @ttv/testkit)'
      : 'npm install @ttv/testkit next to @ttv/cli (or globally with it: npm install -g @ttv/testkit)',
    cause,
  });
}

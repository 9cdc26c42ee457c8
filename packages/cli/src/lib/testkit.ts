import type { TtvError } from '@ttv/core';

/**
 * Loads a testkit emulator module lazily (the testkit is a dependency of the CLI, but only `ttv emulate` needs it).
 * Prefers the named export from `@ttv/testkit`; falls back to the module beside its entry point
 * (`emulators/<name>/index.js`).
 */
export async function loadEmulatorModule(name: 'runway' | 'veo' | 'wan21'): Promise<Record<string, unknown>> {
  const core = await import('@ttv/core');
  let entry: string;
  try {
    entry = import.meta.resolve('@ttv/testkit');
  } catch (cause) {
    throw notInstalled(core.TtvError, cause);
  }
  const main = (await import('@ttv/testkit').catch(() => ({}))) as Record<string, unknown>;
  const wanted = { runway: 'startRunwayEmulator', veo: 'startVeoEmulator', wan21: 'wan21StandIn' }[name];
  if (typeof main[wanted] === 'function') return main;
  const ext = entry.endsWith('.ts') ? 'ts' : 'js';
  try {
    return (await import(new URL(`./emulators/${name}/index.${ext}`, entry).href)) as Record<string, unknown>;
  } catch (cause) {
    throw notInstalled(core.TtvError, cause);
  }
}

function notInstalled(E: typeof TtvError, cause: unknown): TtvError {
  return new E('BACKEND_NOT_INSTALLED', `the ttv testkit (emulators) is not available: ${(cause as Error)?.message ?? String(cause)}`, {
    fix: 'reinstall @ttv/cli (it depends on @ttv/testkit), or npm install @ttv/testkit next to it',
    cause,
  });
}

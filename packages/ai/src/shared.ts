/** Small pieces both plugins use: a lazy once-only async value, and the `ttv doctor` checks of a section. */
import type { DoctorCheck } from '@ttv/core/backend';
import { KEY_ENV, parseModelRef } from './config.js';
import { PROVIDER_PACKAGES } from './providers.js';

/** `fn` called on first use only; a failure is not cached (the next call tries again). */
export function onceAsync<T>(fn: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= fn().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/** The provider package is installed, and a key is there when the provider needs one (offline checks). */
export async function doctorChecks(section: string, config: { model: string }, apiKey: string | undefined): Promise<DoctorCheck[]> {
  const { provider } = parseModelRef(config.model);
  const pkg = PROVIDER_PACKAGES[provider];
  let installed = true;
  try {
    await import(pkg);
  } catch {
    installed = false;
  }
  const keyEnv = KEY_ENV[provider];
  return [
    { name: `${section}: ${pkg}`, ok: installed, detail: installed ? 'installed' : 'not installed', ...(installed ? {} : { fix: `npm install ${pkg}` }) },
    {
      name: `${section}: API key`,
      ok: keyEnv === undefined || apiKey !== undefined,
      detail: keyEnv === undefined ? 'none needed' : apiKey === undefined ? 'no key' : 'set',
      ...(keyEnv !== undefined && apiKey === undefined ? { fix: `set ${section}.apiKey or ${keyEnv}` } : {}),
    },
  ];
}

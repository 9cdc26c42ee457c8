import { TtvError } from '../spec/errors.js';

const MISSING = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

export interface OptionalPeer {
  /** The package `importer` loads, e.g. `@ai-sdk/openai`. */
  pkg: string;
  /** What needs it, for the message, e.g. `the openai models`. */
  neededBy: string;
  /** The config field that chose it, and its value. */
  field: string;
  value: unknown;
  /** The package it must be installed beside, e.g. `@ttv/ai`. */
  beside: string;
}

/**
 * `import()` of an optional peer package (a provider SDK installed only by those who use it): when that package is
 * missing, BACKEND_NOT_INSTALLED naming it and the install command; any other failure (including a missing
 * dependency of the package itself) is rethrown as it is.
 */
export async function importOptionalPeer<T>(peer: OptionalPeer, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (typeof code !== 'string' || !MISSING.has(code) || !String((cause as Error).message).includes(peer.pkg)) throw cause;
    throw new TtvError('BACKEND_NOT_INSTALLED', `${peer.neededBy} need${/s$/.test(peer.neededBy) ? '' : 's'} the package ${peer.pkg}, which is not installed`, {
      field: peer.field,
      value: peer.value,
      fix: `npm install ${peer.pkg} (or pnpm add ${peer.pkg}) beside ${peer.beside}`,
      cause,
    });
  }
}

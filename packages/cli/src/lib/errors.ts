import type { TtvError } from '@ttv/core';

/** Prints a failure the same way for every command: `[CODE] message` + fix on stderr, or JSON on stdout. */
export async function reportError(error: unknown, json: boolean, log: (s: string) => void, logErr: (s: string) => void): Promise<number> {
  const { toTtvError } = await import('@ttv/core');
  const { redact } = await import('@ttv/core/engine');
  const e: TtvError = toTtvError(error);
  if (json) log(JSON.stringify({ ok: false, error: e.toJSON() }, null, 2));
  else logErr(redact(`Error ${e.format()}`));
  return e.exitCode;
}

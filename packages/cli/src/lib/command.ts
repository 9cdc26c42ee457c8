import { Command, Flags } from '@oclif/core';
import { reportError } from './errors.js';

/** Flags shared by every command that reads a config and reports. */
export const configFlag = Flags.string({ char: 'c', summary: 'Config file (default: ./ttv.yaml)' });
export const jsonFlag = Flags.boolean({ summary: 'Print one JSON object on stdout instead of text' });

/** Base class: one way to print JSON and to fail (`[CODE] message` + fix on stderr, or `{ok:false,error}` JSON). */
export abstract class TtvCommand extends Command {
  /** Prints `value` as JSON; `redact` (core's, for output that carries config values) masks secrets in it. */
  protected printJson(value: unknown, redact: (text: string) => string = (t) => t): void {
    this.log(redact(JSON.stringify(value, null, 2)));
  }

  protected async fail(error: unknown, json: boolean): Promise<never> {
    const code = await reportError(
      error,
      json,
      (s) => this.log(s),
      (s) => process.stderr.write(`${s}\n`),
    );
    this.exit(code);
  }
}

/** Fixed-width text table (no colours: works in logs and pipes). */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n');
}

export const usd = (n: number): string => `$${n.toFixed(2)}`;

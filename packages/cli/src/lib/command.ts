import { Command, Flags } from '@oclif/core';
import type { DryRun } from './dry-run.js';
import { reportError } from './errors.js';

/** Flags shared by every command that reads a config and reports. */
export const configFlag = Flags.string({ char: 'c', summary: 'Config file (default: ./ttv.yaml)' });
export const jsonFlag = Flags.boolean({ summary: 'Print one JSON object on stdout instead of text' });
export const writeStoryboardFlag = Flags.string({
  summary:
    'Also write the plan as an editable config: this config with its storyboard replaced by the planned segments (and, in keyframe mode, their keyframe prompts)',
});

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

  /**
   * What `ttv plan` and `ttv estimate` share: loads the dry run of `--config` (core's checks and estimate, no network
   * call), prints its warnings on stderr (text mode), hands it to `render` with `say` (a line on stdout, secrets
   * masked) and core's `redact`, then exits with the code `render` returns. Errors are reported as by `fail`.
   */
  protected async dryRun(
    flags: { config?: string | undefined; json: boolean },
    render: (run: DryRun, say: (line: string) => void, redact: (text: string) => string) => Promise<number>,
    options: { askPlanner?: boolean } = {},
  ): Promise<void> {
    let exitCode = 0;
    try {
      const { loadDryRun } = await import('./dry-run.js');
      const { redact } = await import('@ttv/core/engine');
      const run = await loadDryRun(flags.config, this.config.dataDir, options);
      if (!flags.json) for (const w of run.warnings) process.stderr.write(`${redact(`Warning: ${w}`)}\n`);
      exitCode = await render(run, (line) => this.log(redact(line)), redact);
    } catch (error) {
      await this.fail(error, flags.json);
    }
    if (exitCode !== 0) this.exit(exitCode);
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

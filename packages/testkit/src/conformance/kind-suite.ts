// What the conformance suites of the plugin kinds beside video backends (image generators, planners) share: the
// optional vitest import, running one check by id on a fresh context, and registering one test per check.
import type { TestApi } from './types.js';

let vitest: TestApi | undefined;
try {
  vitest = (await import('vitest')) as unknown as TestApi;
} catch {
  vitest = undefined;
}

export interface KindCheck<Context> {
  id: string;
  title: string;
  run(ctx: Context): Promise<void>;
}

export interface KindSuiteOptions {
  name: string;
  api?: TestApi;
  timeoutMs?: number;
}

/** Runs check `id` of `checks` on a context opened for it (and disposed after), rejecting with what failed. */
export async function runKindCheck<Context, Options>(
  kind: string,
  checks: ReadonlyArray<KindCheck<Context>>,
  id: string,
  open: (options: Options) => Promise<Context & { dispose(): Promise<void> }>,
  options: Options,
): Promise<void> {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`unknown ${kind} check "${id}"; known: ${checks.map((c) => c.id).join(', ')}`);
  const ctx = await open(options);
  try {
    await check.run(ctx);
  } finally {
    await ctx.dispose();
  }
}

/** Registers one `describe` titled `ttv <kind> conformance: <name>` with one test per check, each run by `run`. */
export function describeKindSuite<Context, Options extends KindSuiteOptions>(
  kind: string,
  fn: string,
  checks: ReadonlyArray<KindCheck<Context>>,
  run: (id: string, options: Options) => Promise<void>,
  options: Options,
): void {
  const api = options.api ?? vitest;
  if (!api) throw new Error(`${fn} needs vitest (npm i -D vitest) or an \`api\` option with describe/it`);
  const timeout = options.timeoutMs ?? 60_000;
  api.describe(`ttv ${kind} conformance: ${options.name}`, () => {
    for (const check of checks) api.it(`[${check.id}] ${check.title}`, () => run(check.id, options), timeout);
  });
}

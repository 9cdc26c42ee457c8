import { CHECKS } from './checks.js';
import { createConformanceContext } from './context.js';
import { checkApplies, skipReasons } from './run.js';
import type { ConformanceContext, ConformanceOptions, TestApi } from './types.js';

// vitest is an optional peer: load it only if installed, so the rest of @ttv/testkit works without it.
let vitest: TestApi | undefined;
try {
  vitest = (await import('vitest')) as unknown as TestApi;
} catch {
  vitest = undefined;
}

/**
 * Registers the ttv backend conformance suite: one `describe` named after the backend with one test per check
 * (see CONFORMANCE_CHECKS). Checks that do not apply to the declared capabilities, or that `skip` names, are
 * reported as skipped with the reason. Call it at the top level of a test file:
 *
 *     describeBackendConformance({ name: 'mybackend', plugin, config: () => ({ baseUrl: emulator.url }) });
 */
export function describeBackendConformance(options: ConformanceOptions): void {
  const api = options.api ?? vitest;
  if (!api) throw new Error('describeBackendConformance needs vitest (npm i -D vitest) or an `api` option with describe/it/beforeAll/afterAll');
  const tier = options.tier ?? 'unit';
  const timeout = options.timeoutMs ?? (tier === 'live' ? 15 * 60_000 : 60_000);
  skipReasons(options); // unknown ids fail at collection time
  const title = `ttv backend conformance: ${options.name} (${tier})`;
  let live = true;
  if (tier === 'live') {
    const gate = options.live?.skipUnless ?? false;
    live = typeof gate === 'function' ? gate() : gate;
  }
  api.describe(live ? title : `${title} [skipped: ${options.live?.reason ?? 'live tier needs `live.skipUnless`'}]`, () => {
    let ctx: ConformanceContext | undefined;
    let setupError: unknown;
    api.beforeAll(async () => {
      if (!live) return;
      try {
        ctx = await createConformanceContext(options);
      } catch (error) {
        setupError = error;
      }
    }, timeout);
    api.afterAll(async () => {
      await ctx?.dispose();
    }, timeout);
    for (const check of CHECKS) {
      api.it(
        `[${check.id}] ${check.title}`,
        async (test) => {
          if (!live) {
            test.skip?.(options.live?.reason ?? 'live tier not enabled');
            return;
          }
          if (setupError) throw setupError;
          const applies = checkApplies(check.id, ctx!);
          if (applies !== true) {
            test.skip?.(applies);
            return;
          }
          await check.run(ctx!);
        },
        timeout,
      );
    }
  });
}

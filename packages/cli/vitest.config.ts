import { defineProject } from 'vitest/config';

export default defineProject({
  // No `ttv-source` condition here: the commands run from the built dist (as users run them) and oclif imports
  // them natively, so the workspace packages must resolve to their dist too (vitest would pass the condition
  // on to Node's own resolver, which cannot load .ts sources).
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // @oclif/test captures stdout/stderr itself; vitest must not intercept console output.
    disableConsoleIntercept: true,
  },
});

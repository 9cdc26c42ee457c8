import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['ttv-source'] },
  ssr: { resolve: { conditions: ['ttv-source'] } },
  test: { name: 'server', include: ['src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});

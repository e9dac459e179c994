import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

/** Where every package's vitest run leaves its machine-readable results (read by `run-all.ts`). */
export const resultsFile = '.vitest/results.json';

/**
 * The preset every package's `vitest.config.ts` starts from: node environment, tests next to the
 * code, generous timeouts for tests that start real servers on this 2-core machine, and a JSON
 * results file beside the human reporter so the totals are counted, never grepped.
 */
export function createVitestConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  const base = defineConfig({
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      reporters: ['default', ['json', { outputFile: resultsFile }]],
      passWithNoTests: false,
    },
  });
  return mergeConfig(base, overrides);
}

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The test config every package uses. Workspace packages resolve through the
 * `@mlops/source` export condition, so tests run against `src/`, never a stale `dist/`.
 * Results also go to `.reports/vitest/<package dir>.json`, which `.ci/run` sums up.
 */
export function defineProjectTestConfig(configUrl: string, overrides: { testTimeout?: number; hookTimeout?: number } = {}) {
  const projectDir = path.dirname(fileURLToPath(configUrl));
  const reportFile = path.join(workspaceRoot, '.reports', 'vitest', `${path.relative(workspaceRoot, projectDir)}.json`);
  // Not vite's defaults: its 'module' condition makes Node load SDK builds (AWS) that only
  // bundlers can resolve. Tests run in Node, so resolve as Node would, plus our source condition.
  const conditions = ['@mlops/source', 'node', 'development|production'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@mlops/source'] } },
    test: {
      root: projectDir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: overrides.hookTimeout ?? 60_000,
      // Type tests (`*.test-d.ts`, expectTypeOf) run in vitest's typecheck mode next to the others.
      typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: path.join(projectDir, 'tsconfig.json') },
      reporters: ['default', 'json'],
      outputFile: { json: reportFile },
    },
  });
}

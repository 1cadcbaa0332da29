import { defineConfig, type Options } from 'tsup';

/**
 * The one build config every package uses: ESM + CJS + .d.ts, Node 20, no bundled deps.
 * A package's own tsup.config.ts passes only what differs (extra entry points).
 */
export function defineLibraryConfig(overrides: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    shims: false,
    ...overrides,
  });
}

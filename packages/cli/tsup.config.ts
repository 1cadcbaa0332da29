import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// ESM output uses code splitting, so each command group stays a chunk loaded on first use (`mlops --help`
// and `runCli(['registry', ...])` load no ONNX Runtime, DuckDB or feature store); CJS stays one file.
// bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves a hashbang).
export default [
  defineLibraryConfig({ entry: { index: 'src/index.ts', bin: 'src/bin.ts' }, format: ['esm'], splitting: true, dts: { entry: { index: 'src/index.ts' } } }),
  defineLibraryConfig({ format: ['cjs'], dts: { entry: { index: 'src/index.ts' } }, clean: false }),
];

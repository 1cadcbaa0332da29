import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves a hashbang). The bin is ESM with code
// splitting, so each command group stays a chunk loaded on first use (`mlops --help` loads no ONNX Runtime).
export default [defineLibraryConfig(), defineLibraryConfig({ entry: { bin: 'src/bin.ts' }, format: ['esm'], dts: false, clean: false, splitting: true })];

import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// bin.ts keeps its `#!/usr/bin/env node` line (esbuild preserves a hashbang); ESM only for the bin.
export default [defineLibraryConfig(), defineLibraryConfig({ entry: { bin: 'src/bin.ts' }, format: ['esm'], dts: false, clean: false })];

import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// The hashing worker's entry is built next to index.js / index.cjs and loaded by URL.
export default defineLibraryConfig({ entry: ['src/index.ts', 'src/hash-worker-thread.ts'] });

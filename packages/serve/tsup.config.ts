import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// The session worker is its own entry, started by URL (dist/session-worker-entry.js).
// shims: the CJS build needs `import.meta.url` to find that entry and onnxruntime-node.
export default defineLibraryConfig({ entry: ['src/index.ts', 'src/session-worker-entry.ts'], shims: true });

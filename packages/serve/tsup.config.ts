import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// shims: the CJS build needs `import.meta.url` to locate onnxruntime-node for the worker threads.
export default defineLibraryConfig({ shims: true });

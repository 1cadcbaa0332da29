import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// shims: the CJS build needs import.meta.url to find the bundled traces/ beside dist/.
// src/kubernetes.ts is the `./kubernetes` subpath (the @kubernetes/client-node ClusterSource).
export default defineLibraryConfig({ entry: ['src/index.ts', 'src/kubernetes.ts'], shims: true });

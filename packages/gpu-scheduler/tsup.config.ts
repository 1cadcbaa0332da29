import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// shims: the CJS build needs import.meta.url to find the bundled traces/ beside dist/.
export default defineLibraryConfig({ shims: true });

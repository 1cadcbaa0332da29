import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

// `errors` is its own entry (no Arrow); the root imports it by name, so both share one copy.
export default defineLibraryConfig({
  entry: { index: 'src/index.ts', errors: 'src/errors-entry.ts' },
  external: ['@mlops/contracts/errors'],
});

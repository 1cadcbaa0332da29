import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

export default defineLibraryConfig();

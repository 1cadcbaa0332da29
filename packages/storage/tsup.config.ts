import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

export default defineLibraryConfig({ entry: ['src/index.ts', 'src/s3.ts', 'src/gcs.ts'] });

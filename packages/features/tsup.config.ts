import { defineLibraryConfig } from '../../tools/tsup.shared.ts';

export default defineLibraryConfig({ entry: ['src/index.ts', 'src/duckdb.ts', 'src/redis.ts'] });

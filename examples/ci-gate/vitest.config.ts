import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

// The gate script starts `mlops` several times per case; on a shared 2-core machine each start can take seconds.
export default defineProjectTestConfig(import.meta.url, { testTimeout: 240_000 });

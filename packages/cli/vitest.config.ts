import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

// Tests start `mlops` as child processes (several per test); on a shared 2-core machine each start can take seconds.
export default defineProjectTestConfig(import.meta.url, { testTimeout: 180_000 });

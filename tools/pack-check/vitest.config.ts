import { defineProjectTestConfig } from '../vitest.shared.ts';

// Packing and installing nine packages takes a while: generous timeouts, one file.
export default defineProjectTestConfig(import.meta.url, { testTimeout: 240_000, hookTimeout: 300_000 });

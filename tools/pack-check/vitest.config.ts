import { defineProjectTestConfig } from '../vitest.shared.ts';

// Packing, installing and type-checking nine packages takes minutes on a busy 2-core machine.
export default defineProjectTestConfig(import.meta.url, { testTimeout: 240_000, hookTimeout: 900_000 });

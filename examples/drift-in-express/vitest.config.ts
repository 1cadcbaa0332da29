import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';
// The replay sends 1,200 HTTP requests one by one: ~5 s alone, ~20 s on a crowded 2-core VM.
export default defineProjectTestConfig(import.meta.url, { testTimeout: 120_000 });

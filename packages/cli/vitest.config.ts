import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

export default defineProjectTestConfig(import.meta.url);

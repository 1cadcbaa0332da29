import { defineProjectTestConfig } from '../vitest.shared.ts';

export default defineProjectTestConfig(import.meta.url);

import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

// The shared config resolves with Vite's default server conditions, whose "module" entry sends
// @aws-sdk/* to its bundler-only dist-es build that Node cannot load (extensionless imports).
// Resolve like Node does, as packages/storage does (tools/vitest.shared.ts should do this for all).
const config = defineProjectTestConfig(import.meta.url, { testTimeout: 60_000 });
const conditions = ['@mlops/source', 'node', 'development|production'];
if (config.resolve) config.resolve.conditions = conditions;
if (config.ssr?.resolve) config.ssr.resolve.conditions = conditions;

export default config;

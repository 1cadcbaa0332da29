import { defineProjectTestConfig } from '../../tools/vitest.shared.ts';

const config = defineProjectTestConfig(import.meta.url);
// The shared config resolves with Vite's default server conditions, which include "module":
// that makes @aws-sdk/* resolve to its bundler-only dist-es build, which Node can't load
// (extensionless imports). Resolve like Node does instead.
const conditions = ['@mlops/source', 'node', 'development|production'];
if (config.resolve) config.resolve.conditions = conditions;
if (config.ssr?.resolve) config.ssr.resolve.conditions = conditions;

export default config;

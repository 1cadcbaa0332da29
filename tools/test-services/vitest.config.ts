import { defineProjectTestConfig } from '../vitest.shared.ts';

// The shared config resolves with vite's default server conditions, whose `module` entry
// sends the AWS SDK's @aws-sdk/checksums to its extensionless dist-es build, which Node then
// cannot load ("Cannot find module .../NODE_REQUEST_CHECKSUM_CALCULATION_CONFIG_OPTIONS").
// Resolve like Node does instead (see the report: tools/vitest.shared.ts should do this).
const conditions = ['@mlops/source', 'node', 'development|production'];
const config = defineProjectTestConfig(import.meta.url);
config.resolve = { ...config.resolve, conditions };
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } };

export default config;

import { createS3Store } from '@mlops/storage/s3';
import { startS3Server } from '@mlops/test-services';
import { describeRegistrySuite } from './registry-suite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A real S3 HTTP server (s3rver behind the conditional-write layer), one store instance per writer.
describeRegistrySuite(
  's3 (s3rver)',
  async () => {
    const server = await startS3Server({ buckets: ['registry'] });
    return {
      newStore: () => createS3Store({ bucket: 'registry', prefix: 'suite', clientConfig: server.clientConfig }),
      cleanup: () => server.stop(),
    };
  },
  { searchVersions: 40 },
);

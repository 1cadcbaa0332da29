import { createGcsStore } from '@mlops/storage/gcs';
import { startGcsEmulator } from '@mlops/test-services';
import { describeRegistrySuite } from './registry-suite.js';

// The Cloud Storage JSON API emulator with ifGenerationMatch preconditions, one store instance per writer.
describeRegistrySuite(
  'gcs (emulator)',
  async () => {
    const server = await startGcsEmulator({ buckets: ['registry'] });
    return {
      newStore: () => createGcsStore({ bucket: 'registry', prefix: 'suite', options: { apiEndpoint: server.host, projectId: server.projectId } }),
      cleanup: () => server.stop(),
    };
  },
  { searchVersions: 40 },
);

import { randomBytes } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { startGcsEmulator, type GcsTestServer } from '@mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcsStore } from '../src/gcs.js';
import { openStore } from '../src/index.js';
import { codeOf, describeObjectStoreConformance } from './conformance.js';

let emulator: GcsTestServer;
let storage: Storage;

beforeAll(async () => {
  emulator = await startGcsEmulator({ buckets: ['conformance'] });
  storage = new Storage({ apiEndpoint: emulator.host, projectId: emulator.projectId });
});
afterAll(async () => {
  await emulator?.stop();
});

describeObjectStoreConformance('gcs (emulator)', async () => {
  const prefix = `run-${randomBytes(6).toString('hex')}`;
  return {
    store: createGcsStore({ bucket: 'conformance', prefix, storage }),
    cleanup: () => storage.bucket('conformance').deleteFiles({ prefix: `${prefix}/` }),
  };
});

describe('gcs store specifics', () => {
  it('uses the object generation as etag', async () => {
    const store = createGcsStore({ bucket: 'conformance', prefix: 'generation', storage });
    const put = await store.put('a', 'x');
    const [metadata] = await storage.bucket('conformance').file('generation/a').getMetadata();
    expect(put.etag).toBe(String(metadata.generation));
    expect(await codeOf(store.put('a', 'y', { ifMatch: 'not-a-generation' }))).toBe('PRECONDITION_FAILED');
    await store.delete('a', { ifMatch: put.etag });
    expect(await store.head('a')).toBeUndefined();
  });

  it('creates its client from options, and is what openStore returns for gs:// URLs', async () => {
    const store = await openStore('gs://conformance/opened', { gcs: { options: { apiEndpoint: emulator.host, projectId: emulator.projectId } } });
    expect(store).toMatchObject({ kind: 'gcs', url: 'gs://conformance/opened' });
    await store.put('k', 'v');
    const [files] = await storage.bucket('conformance').getFiles({ prefix: 'opened/' });
    expect(files.map((f) => f.name)).toEqual(['opened/k']);
    await store.delete('k');
    await store.close();
  });

  it('maps a missing bucket to NOT_FOUND and an unreachable server to retryable SERVICE_UNAVAILABLE', async () => {
    const missing = createGcsStore({ bucket: 'no-such-bucket', storage });
    expect(await codeOf(missing.put('x', 'y'))).toBe('NOT_FOUND');
    const down = createGcsStore({
      bucket: 'conformance',
      options: { apiEndpoint: 'http://127.0.0.1:9', projectId: 'p', retryOptions: { autoRetry: false } },
    });
    const error = await down.get('x').catch((e: unknown) => e as { code: string; retryable: boolean });
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
  });
});

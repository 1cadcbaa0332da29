// Defect 2 of issue #16: raw s3rver ignores If-None-Match / If-Match, so racing writers would all be
// told "version N". The registry must notice on its first write and refuse, unless single-writer.
import { createS3Store } from '@mlops/storage/s3';
import { startS3Server, type S3TestServer } from '@mlops/test-services';
import { MlopsError } from '@mlops/contracts/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let raw: S3TestServer;
let conforming: S3TestServer;
beforeAll(async () => {
  [raw, conforming] = await Promise.all([startS3Server({ buckets: ['registry'], conditionalWrites: false }), startS3Server({ buckets: ['registry'] })]);
});
afterAll(async () => {
  await Promise.all([raw?.stop(), conforming?.stop()]);
});

describe('conditional-write probe', () => {
  it('refuses to write to raw s3rver with UNSUPPORTED naming the missing feature, and writes nothing', async () => {
    const store = createS3Store({ bucket: 'registry', clientConfig: raw.clientConfig });
    const registry = createRegistry({ store });
    let error: unknown;
    try {
      await registry.registerModelVersion({ name: 'fraud', artifacts: { 'model.bin': new Uint8Array([1, 2, 3]) } });
    } catch (e) {
      error = e;
    }
    expect(MlopsError.isInstance(error, 'UNSUPPORTED')).toBe(true);
    expect((error as MlopsError).details).toMatchObject({ missing: 'create-if-absent (If-None-Match: *)' });
    expect((error as MlopsError).message).toContain('singleWriter');
    const keys: string[] = [];
    for await (const page of store.list()) for (const o of page.objects) keys.push(o.key);
    expect(keys).toEqual([]);
    // Reads need no probe.
    expect(await registry.listModels()).toEqual([]);
    await store.close();
  });

  it('writes to raw s3rver when single-writer mode is chosen explicitly', async () => {
    const store = createS3Store({ bucket: 'registry', prefix: 'single', clientConfig: raw.clientConfig });
    const registry = createRegistry({ store, singleWriter: true });
    expect((await registry.registerModelVersion({ name: 'fraud', artifacts: { 'model.bin': new Uint8Array([1, 2, 3]) } })).version).toBe(1);
    await store.close();
  });

  it('passes on a server that enforces conditional writes, and leaves no probe object behind', async () => {
    const store = createS3Store({ bucket: 'registry', clientConfig: conforming.clientConfig });
    const registry = createRegistry({ store });
    expect((await registry.registerModelVersion({ name: 'fraud', artifacts: { 'model.bin': new Uint8Array([1, 2, 3]) } })).version).toBe(1);
    const keys: string[] = [];
    for await (const page of store.list({ prefix: 'probes/' })) for (const o of page.objects) keys.push(o.key);
    expect(keys).toEqual([]);
    await store.close();
  });
});

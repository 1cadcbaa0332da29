import { randomBytes } from 'node:crypto';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3TestServer } from '@mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store } from '../src/s3.js';
import { openStore } from '../src/index.js';
import { codeOf, describeObjectStoreConformance } from './conformance.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let server: S3TestServer;
let admin: S3Client;

beforeAll(async () => {
  server = await startS3Server({ buckets: ['conformance'] });
  admin = new S3Client(server.clientConfig);
});
afterAll(async () => {
  admin?.destroy();
  await server?.stop();
});

async function deletePrefix(prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const out = await admin.send(new ListObjectsV2Command({ Bucket: 'conformance', Prefix: prefix, ContinuationToken: token }));
    const keys = (out.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length > 0) await admin.send(new DeleteObjectsCommand({ Bucket: 'conformance', Delete: { Objects: keys } }));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

describeObjectStoreConformance(
  's3 (s3rver)',
  async () => {
    // Each test gets its own prefix in one shared bucket: the store's prefix is its root.
    const prefix = `run-${randomBytes(6).toString('hex')}`;
    return {
      // 5 MiB parts (the S3 minimum) keep the client's in-flight buffers, and those of the
      // conditional-write proxy that runs in this process, well under the 64 MiB object.
      store: createS3Store({ bucket: 'conformance', prefix, clientConfig: server.clientConfig, partSizeBytes: 5 << 20 }),
      cleanup: () => deletePrefix(`${prefix}/`),
    };
  },
  {
    checkStreamingMemory: true,
    // lib-storage keeps up to 3 parts (15 MiB) in hand, and the conditional-write proxy of
    // @mlops/test-services runs in this process with up to 4 MiB buffered per connection; peaks
    // of 30-49 MiB were measured on a loaded machine. Buffering the 64 MiB object would show
    // at least 64 MiB on top of those buffers, so 60 MiB still tells the two apart.
    maxStreamingGrowthBytes: 60 << 20,
  },
);

describe('s3 store specifics', () => {
  it('uses an injected client and leaves it usable after close', async () => {
    const client = new S3Client(server.clientConfig);
    const store = createS3Store({ bucket: 'conformance', prefix: 'injected', client });
    await store.put('a.txt', 'hello');
    await store.close();
    const out = await client.send(new ListObjectsV2Command({ Bucket: 'conformance', Prefix: 'injected/' }));
    expect(out.Contents?.map((o) => o.Key)).toEqual(['injected/a.txt']);
    client.destroy();
    await deletePrefix('injected/');
  });

  it('sends multipart uploads for large byte bodies, with preconditions', async () => {
    const client = new S3Client(server.clientConfig);
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = createS3Store({ bucket: 'conformance', prefix: 'multipart', client, multipartThresholdBytes: 1 << 20, partSizeBytes: 5 << 20 });
    const body = randomBytes(11 << 20);
    const first = await store.put('big.bin', body, { ifNoneMatch: '*' });
    expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    expect(await codeOf(store.put('big.bin', body, { ifNoneMatch: '*' }))).toBe('PRECONDITION_FAILED');
    expect(await codeOf(store.put('big.bin', body, { ifMatch: '"not-the-etag"' }))).toBe('PRECONDITION_FAILED');
    const second = await store.put('big.bin', body.subarray(0, 6 << 20), { ifMatch: first.etag });
    expect((await store.head('big.bin'))?.etag).toBe(second.etag);
    expect(Buffer.from((await store.get('big.bin')).body).equals(body.subarray(0, 6 << 20))).toBe(true);
    await store.close();
    client.destroy();
    await deletePrefix('multipart/');
  });

  it('maps a missing bucket to NOT_FOUND and an unreachable server to retryable SERVICE_UNAVAILABLE', async () => {
    const missing = createS3Store({ bucket: 'no-such-bucket', clientConfig: server.clientConfig });
    expect(await codeOf(missing.get('x'))).toBe('NOT_FOUND');
    await missing.close();
    const down = createS3Store({
      bucket: 'conformance',
      clientConfig: { ...server.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 },
    });
    const error = await down.get('x').catch((e: unknown) => e as { code: string; retryable: boolean });
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    await down.close();
  });

  it('maps bad credentials to PERMISSION_DENIED', async () => {
    const store = createS3Store({
      bucket: 'conformance',
      clientConfig: { ...server.clientConfig, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } },
    });
    expect(await codeOf(store.put('x', 'y'))).toBe('PERMISSION_DENIED');
    await store.close();
  });

  it('is what openStore returns for s3:// URLs', async () => {
    const store = await openStore('s3://conformance/opened/here', { s3: { clientConfig: server.clientConfig } });
    expect(store.kind).toBe('s3');
    expect(store.url).toBe('s3://conformance/opened/here');
    await store.put('k', 'v');
    const out = await admin.send(new ListObjectsV2Command({ Bucket: 'conformance', Prefix: 'opened/' }));
    expect(out.Contents?.map((o) => o.Key)).toEqual(['opened/here/k']);
    await store.close();
    await deletePrefix('opened/');
  });

  it('rejects a bad bucket name', () => {
    expect(() => createS3Store({ bucket: 'Bad_Bucket' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

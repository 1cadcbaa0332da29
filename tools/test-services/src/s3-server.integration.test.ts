import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MlopsError } from '@mlops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from './index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let s3: S3TestServer;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['test-bucket', 'other-bucket'] });
  client = new S3Client(s3.clientConfig);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

/** Runs `fn` and returns the S3 error it threw (fails the test when it does not throw). */
async function s3Error(fn: () => Promise<unknown>): Promise<S3ServiceException> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

function rawPut(agent: http.Agent, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: s3.port, method: 'PUT', path, agent, headers: { 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${path} answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function readBody(key: string): Promise<{ text: string; etag: string }> {
  const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return { text: await res.Body!.transformToString(), etag: res.ETag! };
}

async function sha256OfStream(stream: AsyncIterable<Uint8Array>): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hex: hash.digest('hex'), bytes };
}

describe('startS3Server', () => {
  it('exposes a client config for path-style access with the s3rver key pair', () => {
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.port}`);
    expect(s3.bucket).toBe('test-bucket');
    expect(s3.clientConfig).toEqual({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });

  it('round-trips put, get, head, list and delete', async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'round/trip.txt', Body: 'hello', ContentType: 'text/plain' }),
    );
    expect(put.ETag).toBe(`"${createHash('md5').update('hello').digest('hex')}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'round/trip.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got.ContentType).toBe('text/plain');
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'round/trip.txt' }));
    expect(head.ContentLength).toBe(5);
    expect(head.ETag).toBe(put.ETag);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'round/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['round/trip.txt']);
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'round/trip.txt' }));
    const missing = await s3Error(() => client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'round/trip.txt' })));
    expect(missing.name).toBe('NoSuchKey');
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('creates every requested bucket', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'k', Body: 'v' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'other-bucket' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['k']);
  });

  it('paginates ListObjectsV2 past 1000 keys with continuation tokens', async () => {
    const keys = Array.from({ length: 1105 }, (_, i) => `page/${String(i).padStart(5, '0')}`);
    // Seeded with plain HTTP PUTs (s3rver accepts unsigned requests): the SDK's per-request
    // overhead would make 1105 PUTs take most of this suite's time budget.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          await rawPut(agent, `/${s3.bucket}/${key}`, key);
        }
      }),
    );
    agent.destroy();
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'page/', ContinuationToken: token }),
      );
      pageSizes.push(page.KeyCount ?? 0);
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pageSizes).toEqual([1000, 105]);
    expect(seen).toEqual(keys);
  });

  it('lists with a delimiter as common prefixes', async () => {
    await Promise.all(
      ['dir/a/1', 'dir/a/2', 'dir/b/1', 'dir/top'].map((Key) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: Key }))),
    );
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'dir/', Delimiter: '/' }));
    expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/a/', 'dir/b/']);
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['dir/top']);
  });
});

describe('conditional writes', () => {
  it('If-None-Match: * lets exactly one of 32 concurrent creators win; the others get 412 PreconditionFailed', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) =>
        client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'race/lock', Body: `writer-${i}`, IfNoneMatch: '*' })),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as S3ServiceException] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(31);
    for (const err of losers) {
      expect(err.name).toBe('PreconditionFailed');
      expect(err.$metadata.httpStatusCode).toBe(412);
    }
    // The stored object is the winner's, whole.
    expect((await readBody('race/lock')).text).toBe(`writer-${winners[0]}`);
  });

  it('answers 412 with the S3 error XML (Code, Message, Condition, Key)', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'xml/shape', Body: 'x' }));
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s3.port,
          method: 'PUT',
          path: '/test-bucket/xml/shape',
          headers: { 'if-none-match': '*', 'content-length': '1', authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER/x' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.end('y');
    });
    expect(body.status).toBe(412);
    expect(body.text).toContain('<Code>PreconditionFailed</Code>');
    expect(body.text).toContain('<Message>At least one of the pre-conditions you specified did not hold</Message>');
    expect(body.text).toContain('<Condition>If-None-Match</Condition>');
    expect(body.text).toContain('<Key>xml/shape</Key>');
    expect((await readBody('xml/shape')).text).toBe('x');
  });

  it('rejects If-None-Match values other than * like S3 does (501)', async () => {
    const err = await s3Error(() =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'inm/etag', Body: 'x', IfNoneMatch: '"abc"' })),
    );
    expect(err.$metadata.httpStatusCode).toBe(501);
  });

  it('If-Match is a compare-and-swap: the current ETag wins, a stale one or a missing key gets 412', async () => {
    const first = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/v', Body: 'v1' }));
    const second = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/v', Body: 'v2', IfMatch: first.ETag }));
    expect(second.ETag).not.toBe(first.ETag);
    const stale = await s3Error(() =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/v', Body: 'v3', IfMatch: first.ETag })),
    );
    expect(stale.$metadata.httpStatusCode).toBe(412);
    expect((await readBody('cas/v')).text).toBe('v2');
    const absent = await s3Error(() =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/absent', Body: 'x', IfMatch: first.ETag })),
    );
    expect(absent.$metadata.httpStatusCode).toBe(412);
    // ETags compare without quotes, as on S3.
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/v', Body: 'v4', IfMatch: second.ETag!.replace(/"/g, '') }));
    expect((await readBody('cas/v')).text).toBe('v4');
  });

  it('concurrent compare-and-swap increments never lose an update', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/counter', Body: '0' }));
    const writers = 4;
    const increments = 10;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (let done = 0; done < increments; ) {
          const { text, etag } = await readBody('cas/counter');
          try {
            await client.send(
              new PutObjectCommand({ Bucket: s3.bucket, Key: 'cas/counter', Body: String(Number(text) + 1), IfMatch: etag }),
            );
            done++;
          } catch (err) {
            if ((err as S3ServiceException).$metadata?.httpStatusCode !== 412) throw err;
          }
        }
      }),
    );
    expect((await readBody('cas/counter')).text).toBe(String(writers * increments));
  });

  it('DeleteObject honours If-Match', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'del/x', Body: 'x' }));
    const stale = await s3Error(() => client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'del/x', IfMatch: '"0000"' })));
    expect(stale.$metadata.httpStatusCode).toBe(412);
    expect((await readBody('del/x')).text).toBe('x');
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'del/x', IfMatch: put.ETag }));
    const gone = await s3Error(() => client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'del/x' })));
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('CopyObject copies and honours If-None-Match on the destination', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'copy/src', Body: 'source', ContentType: 'text/plain' }));
    await client.send(new CopyObjectCommand({ Bucket: s3.bucket, Key: 'copy/dst', CopySource: `${s3.bucket}/copy/src`, IfNoneMatch: '*' }));
    const copied = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'copy/dst' }));
    expect(await copied.Body!.transformToString()).toBe('source');
    expect(copied.ContentType).toBe('text/plain');
    const err = await s3Error(() =>
      client.send(new CopyObjectCommand({ Bucket: s3.bucket, Key: 'copy/dst', CopySource: `${s3.bucket}/copy/src`, IfNoneMatch: '*' })),
    );
    expect(err.$metadata.httpStatusCode).toBe(412);
  });

  it('GetObject honours If-Match and suffix ranges like S3', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'read/x', Body: '0123456789' }));
    const ok = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'read/x', IfMatch: put.ETag }));
    expect(await ok.Body!.transformToString()).toBe('0123456789');
    const stale = await s3Error(() => client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'read/x', IfMatch: '"0000"' })));
    expect(stale.$metadata.httpStatusCode).toBe(412);
    const tail = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'read/x', Range: 'bytes=-3' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    expect(tail.ContentRange).toBe('bytes 7-9/10');
    const mid = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'read/x', Range: 'bytes=2-4' }));
    expect(await mid.Body!.transformToString()).toBe('234');
  });

  it('CompleteMultipartUpload honours If-None-Match and leaves the existing object alone', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'mpu/exists', Body: 'original' }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'mpu/exists' }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: 'mpu/exists', UploadId, PartNumber: 1, Body: 'replacement' }),
    );
    const err = await s3Error(() =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: s3.bucket,
          Key: 'mpu/exists',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
      ),
    );
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect((await readBody('mpu/exists')).text).toBe('original');
  });
});

describe('multipart uploads: list and abort (added to s3rver, which answered 501 and 405)', () => {
  const bucket = 'other-bucket';
  const openUploads = async (params: { Prefix?: string; MaxUploads?: number; KeyMarker?: string; UploadIdMarker?: string } = {}) =>
    client.send(new ListMultipartUploadsCommand({ Bucket: bucket, ...params }));

  it('lists open uploads in key order with prefix and pagination, and abort removes one and its parts', async () => {
    const keys = ['mp/b', 'mp/a', 'mp/a', 'other/c'];
    const ids: string[] = [];
    for (const Key of keys) ids.push((await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))).UploadId!);
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[0], PartNumber: 1, Body: 'part one' }));
    const all = await openUploads({ Prefix: 'mp/' });
    expect(all.Uploads!.map((u) => u.Key)).toEqual(['mp/a', 'mp/a', 'mp/b']);
    expect(new Set(all.Uploads!.map((u) => u.UploadId))).toEqual(new Set(ids.slice(0, 3)));
    expect(all.Uploads!.every((u) => u.Initiated instanceof Date && Date.now() - u.Initiated.getTime() < 60_000)).toBe(true);
    expect(all.IsTruncated).toBe(false);
    // Pages of one resume after (key, upload id) and list every upload once.
    const seen: string[] = [];
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await openUploads({ Prefix: 'mp/', MaxUploads: 1, ...marker });
      seen.push(...page.Uploads!.map((u) => `${u.Key} ${u.UploadId}`));
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
    expect(seen).toEqual(all.Uploads!.map((u) => `${u.Key} ${u.UploadId}`));

    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[0] }));
    expect((await openUploads({ Prefix: 'mp/' })).Uploads!.map((u) => u.Key)).toEqual(['mp/a', 'mp/a']);
    // Once aborted, the upload is gone for every operation, as on S3.
    for (const call of [
      () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[0] })),
      () => client.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[0], PartNumber: 2, Body: 'late part' })),
      () =>
        client.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[0], MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }),
        ),
      // An id that belongs to another key, and one that is not an id at all.
      () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/b', UploadId: ids[1] })),
      () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/b', UploadId: '../../x' })),
    ]) {
      const err = await s3Error(call);
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
    }
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'mp/' }))).KeyCount).toBe(0);
    for (const [i, Key] of keys.entries()) if (i > 0) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId: ids[i] }));
    expect((await openUploads()).Uploads ?? []).toEqual([]);
  });

  it('a lib-storage upload whose source fails mid-stream aborts its multipart upload: nothing listed, no object', async () => {
    const partSize = 5 * 1024 * 1024;
    const chunk = randomBytes(partSize);
    async function* failing(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 3; i++) yield chunk;
      throw new Error('source died mid-stream');
    }
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: 'mp-fail/big.bin', Body: Readable.from(failing()) },
      partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await expect(upload.done()).rejects.toThrow(/source died/);
    expect((await openUploads({ Prefix: 'mp-fail/' })).Uploads ?? []).toEqual([]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'mp-fail/' }))).KeyCount).toBe(0);
  });
});

describe('streams and consistency', () => {
  it('round-trips a 64 MiB streamed multipart upload byte-identical', async () => {
    const partSize = 8 * 1024 * 1024;
    const parts = 8;
    const source = randomBytes(partSize);
    const expected = createHash('sha256');
    for (let i = 0; i < parts; i++) expected.update(source);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < parts; i++) yield source;
    }
    const upload = new Upload({
      client,
      params: { Bucket: s3.bucket, Key: 'big/64mib.bin', Body: Readable.from(body()) },
      partSize,
      queueSize: 4,
    });
    await upload.done();
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'big/64mib.bin' }));
    expect(got.ContentLength).toBe(64 * 1024 * 1024);
    const actual = await sha256OfStream(got.Body as Readable);
    expect(actual.bytes).toBe(64 * 1024 * 1024);
    expect(actual.hex).toBe(expected.digest('hex'));
  });

  it('stores aws-chunked uploads from a client left on the SDK default checksum settings', async () => {
    const defaults = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
    try {
      const data = randomBytes(300_000);
      await defaults.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'chunked/default', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ContentLength: data.length }),
      );
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'chunked/default' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
      expect(got.ETag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    } finally {
      defaults.destroy();
    }
  });

  it('a reader never sees a half-written object, and its ETag always matches its bytes', async () => {
    const size = 2 * 1024 * 1024;
    const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'atomic/obj', Body: versions[0] }));
    const writer = (async () => {
      for (let i = 1; i <= 6; i++) {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'atomic/obj', Body: versions[i % 2] }));
      }
    })();
    const readers = Array.from({ length: 2 }, async () => {
      for (let i = 0; i < 6; i++) {
        const res = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'atomic/obj' }));
        const bytes = Buffer.from(await res.Body!.transformToByteArray());
        expect(bytes.equals(versions[0]!) || bytes.equals(versions[1]!)).toBe(true);
        expect(res.ETag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
      }
    });
    await Promise.all([writer, ...readers]);
  });
});

describe('lifecycle', () => {
  it('rejects bad bucket names with INVALID_ARGUMENT', async () => {
    await expect(startS3Server({ buckets: ['Bad_Bucket'] })).rejects.toSatisfy((e: unknown) => MlopsError.isInstance(e, 'INVALID_ARGUMENT'));
    await expect(startS3Server({ buckets: [] })).rejects.toSatisfy((e: unknown) => MlopsError.isInstance(e, 'INVALID_ARGUMENT'));
  });

  it('stop() removes the temporary directory it created', async () => {
    const server = await startS3Server();
    expect(existsSync(server.directory)).toBe(true);
    await server.stop();
    expect(existsSync(server.directory)).toBe(false);
  });

  it('stop() kills the server; a given directory is kept and reused', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-s3-keep-'));
    try {
      const first = await startS3Server({ directory: dir, buckets: ['kept'] });
      const c1 = new S3Client(first.clientConfig);
      await c1.send(new PutObjectCommand({ Bucket: 'kept', Key: 'survives', Body: 'yes' }));
      c1.destroy();
      await first.stop();
      await first.stop();
      await expect(
        new Promise((resolve, reject) => http.get(`${first.endpoint}/kept`, resolve).on('error', reject)),
      ).rejects.toThrow(/ECONNREFUSED/);
      expect(existsSync(dir)).toBe(true);
      const second = await startS3Server({ directory: dir, buckets: ['kept'] });
      const c2 = new S3Client(second.clientConfig);
      const got = await c2.send(new GetObjectCommand({ Bucket: 'kept', Key: 'survives' }));
      expect(await got.Body!.transformToString()).toBe('yes');
      c2.destroy();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('robustness', () => {
  it('a client that disconnects while queued on a key does not block later writers of that key', async () => {
    // Hold the key with a slow PUT (body sent in two halves), queue a second PUT behind it
    // and drop that one, then check a third writer still gets through.
    const slow = http.request({ host: '127.0.0.1', port: s3.port, method: 'PUT', path: '/test-bucket/robust/key', headers: { 'content-length': '4' } });
    slow.write('ab');
    await new Promise((r) => setTimeout(r, 100));
    const dropped = http.request({ host: '127.0.0.1', port: s3.port, method: 'PUT', path: '/test-bucket/robust/key', headers: { 'content-length': '1' } });
    dropped.on('error', () => undefined);
    dropped.end('x');
    await new Promise((r) => setTimeout(r, 50));
    dropped.destroy();
    const slowDone = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      slow.on('error', reject);
    });
    slow.end('cd');
    expect(await slowDone).toBe(200);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'robust/key', Body: 'final', IfMatch: (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'robust/key' }))).ETag }));
    expect((await readBody('robust/key')).text).toBe('final');
  });
});

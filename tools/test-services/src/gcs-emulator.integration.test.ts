import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CRC32C, Storage, type Bucket } from '@google-cloud/storage';
import { MlopsError } from '@mlops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcsEmulator, type GcsTestServer } from './index.js';

let gcs: GcsTestServer;
let storage: Storage;
let bucket: Bucket;

beforeAll(async () => {
  gcs = await startGcsEmulator({ buckets: ['test-bucket', 'copy-target'] });
  storage = new Storage({ apiEndpoint: gcs.host, projectId: gcs.projectId });
  bucket = storage.bucket(gcs.bucket);
});

afterAll(async () => {
  await gcs?.stop();
});

/** HTTP status of a failed client call (gaxios and the JSON API client put it in different places). */
function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: number } };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.status === 'number') return e.status;
  return e.response?.status;
}

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

function crc32cBase64(data: Buffer | string): string {
  const crc = new CRC32C();
  crc.update(Buffer.from(data));
  return crc.toString();
}

async function rawJson(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${gcs.host}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('startGcsEmulator', () => {
  it('exposes host, port, project and bucket', () => {
    expect(gcs.host).toBe(`http://127.0.0.1:${gcs.port}`);
    expect(gcs.projectId).toBe('test-project');
    expect(gcs.bucket).toBe('test-bucket');
  });

  it('round-trips save (multipart), download, getMetadata, exists and delete', async () => {
    const file = bucket.file('round/trip.txt');
    await file.save('hello', { resumable: false, contentType: 'text/plain', metadata: { metadata: { team: 'ml' } } });
    const [bytes] = await file.download();
    expect(bytes.toString()).toBe('hello');
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({
      name: 'round/trip.txt',
      bucket: 'test-bucket',
      metageneration: '1',
      size: '5',
      md5Hash: md5Base64('hello'),
      crc32c: crc32cBase64('hello'),
      contentType: 'text/plain',
      metadata: { team: 'ml' },
    });
    expect(meta.generation).toMatch(/^\d+$/);
    expect(typeof meta.etag).toBe('string');
    expect(new Date(meta.timeCreated!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(meta.updated).toBe(meta.timeCreated);
    expect(await file.exists()).toEqual([true]);
    await file.delete();
    expect(await file.exists()).toEqual([false]);
    const err = await failure(() => file.download());
    expect(statusOf(err)).toBe(404);
  });

  it('resumable save, createWriteStream and createReadStream (with ranges) round-trip', async () => {
    const data = randomBytes(300_000);
    await bucket.file('resumable/save.bin').save(data, { resumable: true });
    const [back] = await bucket.file('resumable/save.bin').download();
    expect(back.equals(data)).toBe(true);

    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), bucket.file('resumable/stream.bin').createWriteStream());
    const chunks: Buffer[] = [];
    for await (const chunk of bucket.file('resumable/stream.bin').createReadStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);

    const ranged: Buffer[] = [];
    for await (const chunk of bucket.file('resumable/stream.bin').createReadStream({ start: 10, end: 19 })) ranged.push(chunk as Buffer);
    expect(Buffer.concat(ranged).equals(data.subarray(10, 20))).toBe(true);

    const [meta] = await bucket.file('resumable/stream.bin').getMetadata();
    expect(meta.size).toBe(String(data.length));
    expect(meta.crc32c).toBe(crc32cBase64(data));
  });

  it('round-trips objects on both sides of the 1 MiB in-memory limit, with ranges and copies', async () => {
    for (const size of [1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17]) {
      const data = randomBytes(size);
      const file = bucket.file(`sizes/${size}`);
      await file.save(data, { resumable: false });
      expect((await file.download())[0].equals(data)).toBe(true);
      const [tail] = await file.download({ start: size - 100, end: size - 1 });
      expect(tail.equals(data.subarray(size - 100))).toBe(true);
      await file.copy(bucket.file(`sizes/${size}-copy`));
      const [meta] = await bucket.file(`sizes/${size}-copy`).getMetadata();
      expect(meta.md5Hash).toBe(md5Base64(data));
      expect((await bucket.file(`sizes/${size}-copy`).download())[0].equals(data)).toBe(true);
    }
  });

  it('generations increase with every write and metageneration with every metadata patch', async () => {
    const file = bucket.file('gen/x');
    await file.save('1', { resumable: false });
    const [a] = await file.getMetadata();
    await file.save('2', { resumable: false });
    const [b] = await file.getMetadata();
    expect(BigInt(b.generation!)).toBeGreaterThan(BigInt(a.generation!));
    const [patched] = await file.setMetadata({ contentType: 'application/json', metadata: { k: 'v' } });
    expect(patched.metageneration).toBe('2');
    expect(patched.generation).toBe(b.generation);
    expect(patched.contentType).toBe('application/json');
    expect(patched.metadata).toEqual({ k: 'v' });
    const stale = await failure(() => file.setMetadata({ metadata: { k: 'w' } }, { ifMetagenerationMatch: 1 }));
    expect(statusOf(stale)).toBe(412);
  });

  it('lists with prefix, delimiter, startOffset and small pages', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `list/item-${String(i).padStart(2, '0')}`);
    await Promise.all([...names, 'list/sub/a', 'list/sub/b', 'list/zz/c'].map((n) => bucket.file(n).save(n, { resumable: false })));
    const seen: string[] = [];
    const pageSizes: number[] = [];
    type Query = { prefix: string; delimiter: string; autoPaginate: false; maxResults: number; pageToken?: string };
    let query: Query | null = {
      prefix: 'list/',
      delimiter: '/',
      autoPaginate: false,
      maxResults: 10,
    };
    const prefixes: string[] = [];
    while (query) {
      const [files, next, response] = (await bucket.getFiles(query)) as unknown as [{ name: string }[], Query | null, { prefixes?: string[] }];
      pageSizes.push(files.length + (response.prefixes?.length ?? 0));
      seen.push(...files.map((f) => f.name));
      prefixes.push(...(response.prefixes ?? []));
      query = next;
    }
    expect(seen).toEqual(names);
    expect(prefixes).toEqual(['list/sub/', 'list/zz/']);
    expect(pageSizes).toEqual([10, 10, 7]);

    const [fromOffset] = await bucket.getFiles({ prefix: 'list/item-', startOffset: 'list/item-20' });
    expect(fromOffset.map((f) => f.name)).toEqual(names.slice(20));
    const [all] = await bucket.getFiles({ prefix: 'list/' });
    expect(all).toHaveLength(28);
  });

  it('copies objects between buckets (rewrite)', async () => {
    await bucket.file('copy/src').save('payload', { resumable: false, contentType: 'text/plain' });
    await bucket.file('copy/src').copy(storage.bucket('copy-target').file('copied'));
    const [bytes] = await storage.bucket('copy-target').file('copied').download();
    expect(bytes.toString()).toBe('payload');
  });

  it('creates and finds buckets through the API', async () => {
    const [created] = await storage.createBucket('made-by-client');
    expect(created.name).toBe('made-by-client');
    expect(await storage.bucket('made-by-client').exists()).toEqual([true]);
    expect(await storage.bucket('never-made').exists()).toEqual([false]);
    const [buckets] = await storage.getBuckets();
    expect(buckets.map((b) => b.name)).toContain('made-by-client');
  });

  it('works through STORAGE_EMULATOR_HOST (JSON API paths without /storage/v1)', async () => {
    const previous = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = gcs.host;
    try {
      const viaEnv = new Storage({ projectId: gcs.projectId });
      await viaEnv.bucket(gcs.bucket).file('env/x').save('via env', { resumable: false });
      const [meta] = await viaEnv.bucket(gcs.bucket).file('env/x').getMetadata();
      expect(meta.size).toBe('7');
      const [files] = await viaEnv.bucket(gcs.bucket).getFiles({ prefix: 'env/' });
      expect(files.map((f) => f.name)).toEqual(['env/x']);
    } finally {
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
    }
  });
});

describe('preconditions', () => {
  it('ifGenerationMatch=0 lets exactly one of 32 concurrent creators win; the others get 412', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) =>
        bucket.file('race/lock').save(`writer-${i}`, { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(31);
    for (const err of losers) expect(statusOf(err)).toBe(412);
    const [bytes] = await bucket.file('race/lock').download();
    expect(bytes.toString()).toBe(`writer-${winners[0]}`);
  });

  it('ifGenerationMatch=0 holds for racing resumable uploads too', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        bucket.file('race/resumable').save(`writer-${i}`, { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(statusOf(r.reason)).toBe(412);
  });

  it('ifGenerationMatch is a compare-and-swap; a stale or absent generation gets 412', async () => {
    const file = bucket.file('cas/v');
    await file.save('v1', { resumable: false });
    const [{ generation: g1 }] = await file.getMetadata();
    await file.save('v2', { resumable: false, preconditionOpts: { ifGenerationMatch: g1 } });
    const stale = await failure(() => file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: g1 } }));
    expect(statusOf(stale)).toBe(412);
    expect((await file.download())[0].toString()).toBe('v2');
    const absent = await failure(() =>
      bucket.file('cas/absent').save('x', { resumable: false, preconditionOpts: { ifGenerationMatch: g1 } }),
    );
    expect(statusOf(absent)).toBe(412);
  });

  it('concurrent compare-and-swap increments never lose an update', async () => {
    const file = bucket.file('cas/counter');
    await file.save('0', { resumable: false });
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let done = 0; done < 10; ) {
          const [meta] = await file.getMetadata();
          const [bytes] = await file.download();
          try {
            await file.save(String(Number(bytes.toString()) + 1), {
              resumable: false,
              preconditionOpts: { ifGenerationMatch: meta.generation },
            });
            done++;
          } catch (err) {
            if (statusOf(err) !== 412) throw err;
          }
        }
      }),
    );
    expect((await file.download())[0].toString()).toBe('40');
  });

  it('delete honours ifGenerationMatch', async () => {
    const file = bucket.file('del/x');
    await file.save('x', { resumable: false });
    const [{ generation }] = await file.getMetadata();
    const stale = await failure(() => file.delete({ ifGenerationMatch: 1 }));
    expect(statusOf(stale)).toBe(412);
    expect(await file.exists()).toEqual([true]);
    await file.delete({ ifGenerationMatch: generation });
    expect(await file.exists()).toEqual([false]);
  });

  it('answers 412 and 404 with the Google JSON error shape', async () => {
    await bucket.file('shape/x').save('x', { resumable: false });
    const conflict = await rawJson(`/upload/storage/v1/b/test-bucket/o?uploadType=media&name=shape%2Fx&ifGenerationMatch=0`, {
      method: 'POST',
      body: 'y',
    });
    expect(conflict.status).toBe(412);
    expect(conflict.body).toEqual({
      error: {
        code: 412,
        message: 'At least one of the pre-conditions you specified did not hold.',
        errors: [
          {
            message: 'At least one of the pre-conditions you specified did not hold.',
            domain: 'global',
            reason: 'conditionNotMet',
            locationType: 'header',
            location: 'If-Match',
          },
        ],
      },
    });
    const missing = await rawJson('/storage/v1/b/test-bucket/o/shape%2Fnope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 404, errors: [{ reason: 'notFound' }] } });
    const noBucket = await rawJson('/storage/v1/b/no-such-bucket/o');
    expect(noBucket.status).toBe(404);
    expect(noBucket.body).toMatchObject({ error: { code: 404, message: 'The specified bucket does not exist.' } });
    const notModified = await fetch(`${gcs.host}/storage/v1/b/test-bucket/o/shape%2Fx?ifGenerationNotMatch=${(await bucket.file('shape/x').getMetadata())[0].generation}`);
    expect(notModified.status).toBe(304);
  });
});

describe('raw protocol', () => {
  it('serves ranges with 206 and Content-Range, 416 past the end, and x-goog-hash of the whole object', async () => {
    const data = Buffer.from('0123456789');
    await bucket.file('range/x').save(data, { resumable: false });
    const part = await fetch(`${gcs.host}/download/storage/v1/b/test-bucket/o/range%2Fx?alt=media`, { headers: { range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
    const suffix = await fetch(`${gcs.host}/storage/v1/b/test-bucket/o/range%2Fx?alt=media`, { headers: { range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const whole = await fetch(`${gcs.host}/storage/v1/b/test-bucket/o/range%2Fx?alt=media`);
    expect(whole.headers.get('x-goog-hash')).toBe(`crc32c=${crc32cBase64(data)},md5=${md5Base64(data)}`);
    expect(whole.headers.get('x-goog-stored-content-encoding')).toBe('identity');
    const past = await fetch(`${gcs.host}/storage/v1/b/test-bucket/o/range%2Fx?alt=media`, { headers: { range: 'bytes=10-' } });
    expect(past.status).toBe(416);
    await past.text();
  });

  it('runs a chunked resumable session: 308 with Range, status query, resent overlap, final 200', async () => {
    const init = await fetch(`${gcs.host}/upload/storage/v1/b/test-bucket/o?uploadType=resumable&name=raw%2Fsession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-upload-content-type': 'text/plain' },
      body: JSON.stringify({ metadata: { source: 'raw' } }),
    });
    expect(init.status).toBe(200);
    const session = init.headers.get('location')!;
    expect(session).toContain('upload_id=');
    const put = (body: string, range: string) => fetch(session, { method: 'PUT', headers: { 'content-range': range }, body });
    const first = await put('hello ', 'bytes 0-5/*');
    expect(first.status).toBe(308);
    expect(first.headers.get('range')).toBe('bytes=0-5');
    const status = await put('', 'bytes */*');
    expect(status.status).toBe(308);
    expect(status.headers.get('range')).toBe('bytes=0-5');
    // Resending bytes the server already has is allowed; they are skipped.
    const second = await put('o world', 'bytes 4-10/*');
    expect(second.status).toBe(308);
    expect(second.headers.get('range')).toBe('bytes=0-10');
    const last = await put('!', 'bytes 11-11/12');
    expect(last.status).toBe(200);
    const resource = (await last.json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ name: 'raw/session', size: '12', contentType: 'text/plain', metadata: { source: 'raw' } });
    expect((await bucket.file('raw/session').download())[0].toString()).toBe('hello world!');
    // A finished session answers its object again.
    const again = await put('', 'bytes */12');
    expect(again.status).toBe(200);
    const gap = await fetch(`${gcs.host}/upload/storage/v1/b/test-bucket/o?uploadType=resumable&name=raw%2Fgap`, { method: 'POST' });
    const gapSession = gap.headers.get('location')!;
    const skipped = await fetch(gapSession, { method: 'PUT', headers: { 'content-range': 'bytes 5-9/10' }, body: 'abcde' });
    expect(skipped.status).toBe(400);
    const cancelled = await fetch(gapSession, { method: 'DELETE' });
    expect(cancelled.status).toBe(499);
  });

  it('rejects a final chunk whose X-Goog-Hash does not match the bytes', async () => {
    const init = await fetch(`${gcs.host}/upload/storage/v1/b/test-bucket/o?uploadType=resumable&name=raw%2Fbad-hash`, { method: 'POST' });
    const session = init.headers.get('location')!;
    const res = await fetch(session, {
      method: 'PUT',
      headers: { 'content-range': 'bytes 0-3/4', 'x-goog-hash': `md5=${md5Base64('nope')}` },
      body: 'data',
    });
    expect(res.status).toBe(400);
    expect(await bucket.file('raw/bad-hash').exists()).toEqual([false]);
  });
});

describe('large objects', () => {
  it('round-trips 64 MiB through a chunked resumable upload byte-identical', async () => {
    const block = randomBytes(4 * 1024 * 1024);
    const blocks = 16;
    const expected = createHash('sha256');
    for (let i = 0; i < blocks; i++) expected.update(block);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < blocks; i++) yield block;
    }
    const file = bucket.file('big/64mib.bin');
    await pipeline(Readable.from(body()), file.createWriteStream({ resumable: true, chunkSize: 16 * 1024 * 1024 }));
    const [meta] = await file.getMetadata();
    expect(meta.size).toBe(String(64 * 1024 * 1024));
    const actual = createHash('sha256');
    let bytes = 0;
    for await (const chunk of file.createReadStream()) {
      actual.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    expect(bytes).toBe(64 * 1024 * 1024);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
  });
});

describe('lifecycle', () => {
  it('rejects bad options with INVALID_ARGUMENT', async () => {
    await expect(startGcsEmulator({ buckets: ['Bad Bucket'] })).rejects.toSatisfy((e: unknown) => MlopsError.isInstance(e, 'INVALID_ARGUMENT'));
    await expect(startGcsEmulator({ buckets: [] })).rejects.toSatisfy((e: unknown) => MlopsError.isInstance(e, 'INVALID_ARGUMENT'));
  });

  it('stop() closes the port; a second stop() is a no-op', async () => {
    const other = await startGcsEmulator();
    const res = await fetch(`${other.host}/storage/v1/b/test-bucket`);
    expect(res.status).toBe(200);
    await res.text();
    await other.stop();
    await other.stop();
    await expect(fetch(`${other.host}/storage/v1/b/test-bucket`)).rejects.toThrow();
  });
});

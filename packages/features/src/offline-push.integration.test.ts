import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError, readParquet, tableFromIpc, tableToCsv, tableToIpc, tableToParquet } from '@mlops/contracts';
import { createFileStore } from '@mlops/storage';
import type { ObjectStore } from '@mlops/storage';
import { createS3Store } from '@mlops/storage/s3';
import { startS3Server } from '@mlops/test-services';
import type { S3TestServer } from '@mlops/test-services';
import { HOUR, T0 } from '../test/fixtures.js';
import { driverSources } from '../test/driver-store.js';
import { createFeatureStore, defineEntity, defineFeatureView } from './index.js';
import type { SourceFormat } from './index.js';

const entityRows = { driver_id: [1001, 1003], event_timestamp: [T0 + 5 * HOUR, T0 + 5 * HOUR] };
const pushRows = { driver_id: [1001, 1003], event_timestamp: [T0 + 4 * HOUR, T0 + 4 * HOUR], created: [T0 + 4 * HOUR, null], conv_rate: [0.55, 0.66], trips: [55, 66] };

function fileStore(store: ObjectStore, key: string, format: SourceFormat) {
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: { path: key, format, store }, ttlMs: 2 * HOUR, createdTimestampColumn: 'created', features: ['conv_rate', 'trips'] });
  return createFeatureStore({ entities: [driver], views: [view], clock: () => T0 + 5 * HOUR });
}

async function encode(format: SourceFormat): Promise<Uint8Array | string> {
  const { driverStats } = driverSources();
  return format === 'parquet' ? tableToParquet(driverStats) : format === 'ipc' ? tableToIpc(driverStats) : tableToCsv(driverStats);
}

async function decode(format: SourceFormat, bytes: Uint8Array) {
  return format === 'parquet' ? readParquet(bytes) : tableFromIpc(bytes);
}

/** The same checks on any ObjectStore: durable, visible to getHistoricalFeatures, atomic, same format and types. */
function suite(name: string, open: () => Promise<{ store: ObjectStore; cleanup(): Promise<void> }>) {
  describe(`offline push on ${name}`, () => {
    it.each(['parquet', 'ipc'] as const)('%s: rows land in the source file (its format and types) and historical retrieval sees them from a new store', async (format) => {
      const { store, cleanup } = await open();
      try {
        const key = `sources/driver_stats.${format === 'ipc' ? 'arrow' : 'parquet'}`;
        await store.put(key, await encode(format));
        const before = await fileStore(store, key, format).getHistoricalFeatures({ entityRows, features: ['driver_stats:conv_rate'] });
        expect([...before.getChild('driver_stats__conv_rate')!]).toEqual([null, null]);

        const result = await fileStore(store, key, format).push('driver_stats', pushRows, { to: 'offline' });
        expect(result).toEqual({ rows: 2, written: 0, skipped: 0 });

        // A fresh store (another process, in effect) reads the pushed rows from the file.
        const after = await fileStore(store, key, format).getHistoricalFeatures({ entityRows, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
        expect([...after.getChild('driver_stats__conv_rate')!]).toEqual([0.55, 0.66]);
        expect([...after.getChild('driver_stats__trips')!]).toEqual([55n, 66n]);
        const written = await decode(format, (await store.get(key)).body);
        expect(written.numRows).toBe(7);
        expect(written.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual((await decode(format, (await encode(format)) as Uint8Array)).schema.fields.map((f) => `${f.name}:${String(f.type)}`));
        // The original rows are untouched, in order, before the pushed ones.
        expect([...written.getChild('conv_rate')!]).toEqual([0.1, 0.2, 0.35, 0.3, 0.9, 0.55, 0.66]);
        expect(written.getChild('created')!.get(6)).toBeNull();
      } finally {
        await cleanup();
      }
    });

    it('to "both" writes offline and online', async () => {
      const { store, cleanup } = await open();
      try {
        await store.put('both.parquet', await encode('parquet'));
        const features = fileStore(store, 'both.parquet', 'parquet');
        expect(await features.push('driver_stats', pushRows, { to: 'both' })).toEqual({ rows: 2, written: 2, skipped: 0 });
        const online = await features.getOnlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1003] } });
        expect(online.features['driver_stats__trips']!.values).toEqual([66]);
        expect((await decode('parquet', (await store.get('both.parquet')).body)).numRows).toBe(7);
      } finally {
        await cleanup();
      }
    });

    it('concurrent pushes: every row lands (compare-and-swap on the etag, retried)', async () => {
      const { store, cleanup } = await open();
      try {
        await store.put('cas.parquet', await encode('parquet'));
        const features = fileStore(store, 'cas.parquet', 'parquet');
        await Promise.all([0, 1, 2].map((i) => features.push('driver_stats', { ...pushRows, trips: [100 + i, 200 + i] }, { to: 'offline' })));
        const written = await decode('parquet', (await store.get('cas.parquet')).body);
        expect(written.numRows).toBe(11);
        expect([...written.getChild('trips')!].slice(5).map(Number).sort()).toEqual([100, 101, 102, 200, 201, 202]);
      } finally {
        await cleanup();
      }
    });

    it('bad rows or a CSV source: a coded error and the file unchanged', async () => {
      const { store, cleanup } = await open();
      try {
        await store.put('bad.parquet', await encode('parquet'));
        const original = (await store.get('bad.parquet')).body;
        const features = fileStore(store, 'bad.parquet', 'parquet');
        await expect(features.push('driver_stats', { ...pushRows, trips: ['x', 'y'] }, { to: 'offline' })).rejects.toSatisfy((e: unknown) => MlopsError.isInstance(e));
        expect(Buffer.compare((await store.get('bad.parquet')).body, original)).toBe(0);
        await store.put('stats.csv', await encode('csv'));
        await expect(fileStore(store, 'stats.csv', 'csv').push('driver_stats', pushRows, { to: 'offline' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      } finally {
        await cleanup();
      }
    });
  });
}

suite('a file store', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'features-push-'));
  return { store: createFileStore({ root: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['features'] });
});
afterAll(() => s3?.stop());
let prefix = 0;
suite('S3 (s3rver)', async () => {
  const store = createS3Store({ bucket: 'features', prefix: `push${prefix++}`, clientConfig: s3.clientConfig });
  return { store, cleanup: () => store.close() };
});

describe('offline push to a local path', () => {
  it('writes atomically: a reader never sees a partial file, no temp files are left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'features-push-local-'));
    try {
      const file = path.join(dir, 'stats.parquet');
      await writeFile(file, (await encode('parquet')) as Uint8Array);
      const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
      const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: { path: file }, ttlMs: 2 * HOUR, createdTimestampColumn: 'created', features: ['conv_rate', 'trips'] });
      const features = createFeatureStore({ entities: [driver], views: [view] });
      // Many rows so the write spans many chunks; a reader polling meanwhile sees whole files only.
      const n = 200_000;
      const big = { driver_id: Array.from({ length: n }, (_, i) => 2000 + i), event_timestamp: Array.from({ length: n }, () => T0), created: Array.from({ length: n }, () => T0), conv_rate: Array.from({ length: n }, (_, i) => i / n), trips: Array.from({ length: n }, (_, i) => i) };
      let reading = true;
      const seen = new Set<number>();
      const reader = (async () => {
        while (reading) {
          seen.add((await readParquet(await readFile(file))).numRows);
          await new Promise((r) => setImmediate(r));
        }
      })();
      await features.push('driver_stats', big, { to: 'offline' });
      reading = false;
      await reader;
      seen.add((await readParquet(await readFile(file))).numRows);
      expect([...seen].every((rows) => rows === 5 || rows === 5 + n)).toBe(true);
      expect(seen.has(5 + n)).toBe(true);
      // Only the file (and the file store's lock folder): no temp file left behind.
      expect((await readdir(dir)).filter((f) => !f.startsWith('.mlops-locks'))).toEqual(['stats.parquet']);
      const out = await features.getHistoricalFeatures({ entityRows: { driver_id: [2000 + n - 1], event_timestamp: [T0] }, features: ['driver_stats:trips'] });
      expect([...out.getChild('driver_stats__trips')!]).toEqual([BigInt(n - 1)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

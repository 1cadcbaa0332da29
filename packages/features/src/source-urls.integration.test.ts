import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError, tableToCsv, tableToIpc, tableToParquet } from '@mlops/contracts';
import { openStore } from '@mlops/storage';
import type { OpenStoreOptions } from '@mlops/storage';
import { startGcsEmulator, startS3Server } from '@mlops/test-services';
import type { GcsTestServer, S3TestServer } from '@mlops/test-services';
import { HOUR, T0, f64, i64, table, ts } from '../test/fixtures.js';
import { driverSources } from '../test/driver-store.js';
import { createFeatureStore, defineEntity, defineFeatureView } from './index.js';

// Sources named by s3:// and gs:// URLs, read from real local servers (s3rver, the GCS emulator):
// the same answers and the same schema check on read as on a local file.
let s3: S3TestServer;
let gcs: GcsTestServer;
beforeAll(async () => {
  [s3, gcs] = await Promise.all([startS3Server(), startGcsEmulator()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), gcs?.stop()]);
});

const encoders = {
  parquet: (t: Parameters<typeof tableToParquet>[0]) => tableToParquet(t),
  arrow: (t: Parameters<typeof tableToIpc>[0]) => tableToIpc(t),
  csv: (t: Parameters<typeof tableToCsv>[0]) => tableToCsv(t),
} as const;

describe.each(['s3', 'gs'] as const)('file sources at %s:// URLs', (scheme) => {
  const target = () => (scheme === 's3' ? `s3://${s3.bucket}/features` : `gs://${gcs.bucket}/features`);
  const storeOptions = (): OpenStoreOptions =>
    scheme === 's3' ? { s3: { clientConfig: s3.clientConfig } } : { gcs: { options: { apiEndpoint: gcs.host, projectId: gcs.projectId } } };

  it.each(['parquet', 'arrow', 'csv'] as const)('%s: historical retrieval and materialization read it; a changed schema is SCHEMA_MISMATCH', async (format) => {
    const objects = await openStore(target(), storeOptions());
    const key = `driver_stats_${format}.${format}`;
    await objects.put(key, await encoders[format](driverSources().driverStats));
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
    const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: { path: `${target()}/${key}` }, ttlMs: 2 * HOUR, createdTimestampColumn: 'created', features: ['conv_rate', 'trips'] });
    const store = createFeatureStore({ entities: [driver], views: [view], offline: { storeOptions: storeOptions() }, clock: () => T0 + 2 * HOUR });
    try {
      const out = await store.getHistoricalFeatures({ entityRows: { driver_id: [1001, 1002, 1001], event_timestamp: [T0 + 2 * HOUR, T0 + HOUR, T0 - 1] }, features: ['driver_stats:conv_rate'] });
      expect([...out.getChild('driver_stats__conv_rate')!]).toEqual([0.35, 0.9, null]);
      await store.materialize({ start: T0 - HOUR, end: new Date(T0 + 3 * HOUR) });
      const online = await store.getOnlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1001, 1002] } });
      expect(online.features['driver_stats__trips']!.values).toEqual([35, 90]);

      // The file is replaced under the view: conv_rate is gone.
      await objects.put(key, await encoders[format](table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0]], created: [ts(), [T0]], other: [f64(), [1]] })));
      const error = await store.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['driver_stats:conv_rate'] }).catch((e: unknown) => e);
      expect(MlopsError.isInstance(error, 'SCHEMA_MISMATCH')).toBe(true);
      expect((error as Error).message).toContain('feature "conv_rate" expected, not found');
      await expect(store.materialize({ start: T0 - HOUR, end: T0 + 3 * HOUR })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    } finally {
      await store.close();
      await objects.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MlopsError, tableToParquet, tableToCsv, tableToIpc } from '@mlops/contracts';
import { createMemoryStore } from '@mlops/storage';
import { DAY, HOUR, T0, f64, i64, table, ts } from '../test/fixtures.js';
import { driverSources, driverStore } from '../test/driver-store.js';
import { createFeatureStore, defineEntity, defineFeatureService, defineFeatureView, defineOnDemandFeatureView } from './index.js';

const rowsOf = (t: { toArray(): unknown[] }) => t.toArray().map((r) => ({ ...(r as object) }));

describe('getHistoricalFeatures (arrow engine): Feast point-in-time rules', () => {
  it('takes the latest row at or before each entity time, within the TTL, ties by created time', async () => {
    const store = driverStore();
    const out = await store.getHistoricalFeatures({
      entityRows: {
        driver_id: [1001, 1001, 1001, 1001, 1002, 1003, 1001],
        event_timestamp: [T0 - 1, T0 + HOUR, T0 + HOUR + 30, T0 + 2 * HOUR, T0 + 2 * HOUR + 1, T0, T0 + 4 * HOUR],
      },
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
    });
    expect(out.schema.fields.map((f) => f.name)).toEqual(['driver_id', 'event_timestamp', 'driver_stats__conv_rate', 'driver_stats__trips']);
    const rows = rowsOf(out).map((r) => [(r as { driver_stats__conv_rate: number | null }).driver_stats__conv_rate]);
    expect(rows).toEqual([
      [null], // before the first row: nothing yet
      [0.2], // equal time counts (<=)
      [0.2], // latest before
      [0.35], // two rows at 02:00: the one created later (0.35) wins
      [null], // 1002's only row is 2h00m00.001s old: outside the 2 h TTL
      [null], // unknown driver: left join keeps the row
      [0.35], // 02:00 row is exactly 2 h old at 04:00: TTL bounds are inclusive
    ]);
    expect(out.getChild('driver_stats__trips')!.toArray()).toEqual(new BigInt64Array([0n, 20n, 20n, 35n, 0n, 0n, 35n]));
    expect(out.getChild('driver_stats__trips')!.nullCount).toBe(3);
  });

  it('keeps entity row order and duplicates, and joins views with different keys', async () => {
    const store = driverStore();
    const out = await store.getHistoricalFeatures({
      entityRows: { driver_id: [1002, 1001, 1002], customer_id: ['c2', 'c1', 'c2'], event_timestamp: [T0 + 1, T0 + HOUR, T0 + 1], label: [1, 0, 1] },
      features: ['driver_stats:conv_rate', 'customer_profile:segment'],
    });
    expect(rowsOf(out).map((r) => Object.values(r).slice(0, 1).concat(Object.values(r).slice(3)))).toEqual([
      [1002n, 1, 0.9, 'silver'],
      [1001n, 0, 0.2, 'gold'],
      [1002n, 1, 0.9, 'silver'],
    ]);
  });

  it('fullFeatureNames: false gives bare names and refuses collisions', async () => {
    const store = driverStore();
    const out = await store.getHistoricalFeatures({ entityRows: { driver_id: [1001], event_timestamp: [T0] }, features: ['driver_stats:conv_rate'], fullFeatureNames: false });
    expect(out.schema.fields.map((f) => f.name)).toEqual(['driver_id', 'event_timestamp', 'conv_rate']);
    const a = table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0]], conv_rate: [f64(), [1]] });
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const twin = createFeatureStore({
      entities: [driver],
      views: [defineFeatureView({ name: 'a', entities: [driver], source: a, features: ['conv_rate'] }), defineFeatureView({ name: 'b', entities: [driver], source: a, features: ['conv_rate'] })],
    });
    await expect(twin.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['a:conv_rate', 'b:conv_rate'], fullFeatureNames: false })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('"conv_rate" (b:conv_rate and a:conv_rate)'),
    });
  });

  it('resolves feature services and view:* refs', async () => {
    const { driverStats } = driverSources();
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: driverStats, features: ['conv_rate', 'trips'] });
    const store = createFeatureStore({ entities: [driver], views: [view], services: [defineFeatureService({ name: 'model_v1', features: [view] })] });
    const out = await store.getHistoricalFeatures({ entityRows: { driver_id: [1002], event_timestamp: [T0 + DAY] }, features: 'model_v1' });
    expect(rowsOf(out)[0]).toMatchObject({ driver_stats__conv_rate: 0.9, driver_stats__trips: 90n });
  });

  it('computes on-demand features from joined features and request columns', async () => {
    const { driverStats } = driverSources();
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: driverStats, features: ['conv_rate'] });
    const odfv = defineOnDemandFeatureView({
      name: 'adjusted',
      sources: ['driver_stats:conv_rate'],
      requestData: ['bonus'],
      features: ['conv_plus_bonus'],
      transform: ({ columns, numRows }) => {
        const conv = columns['driver_stats__conv_rate'] as Float64Array;
        const bonus = columns['bonus'] as Float64Array;
        const out = new Float64Array(numRows);
        for (let i = 0; i < numRows; i++) out[i] = conv[i]! + bonus[i]!;
        return { conv_plus_bonus: out };
      },
    });
    const store = createFeatureStore({ entities: [driver], views: [view], onDemand: [odfv] });
    const out = await store.getHistoricalFeatures({ entityRows: { driver_id: [1002, 7], event_timestamp: [T0, T0], bonus: [0.05, 1] }, features: ['adjusted:conv_plus_bonus'] });
    expect(out.getChild('adjusted__conv_plus_bonus')!.toArray()[0]).toBeCloseTo(0.95);
    expect(out.getChild('adjusted__conv_plus_bonus')!.get(1)).toBeNull();
    await expect(store.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['adjusted:conv_plus_bonus'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('needs request data [bonus]'),
    });
  });
});

describe('getHistoricalFeatures: bad input', () => {
  it('unknown refs: NOT_FOUND listing each', async () => {
    const store = driverStore();
    const error = await store.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['driver_stats:nope', 'ghost:x'] }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(error, 'NOT_FOUND')).toBe(true);
    expect((error as MlopsError).details!.unknown).toEqual(['driver_stats:nope (view "driver_stats" has conv_rate, trips)', 'ghost:x (no view "ghost")']);
  });

  it('entity rows without a timestamp column: SCHEMA_MISMATCH', async () => {
    const store = driverStore();
    await expect(store.getHistoricalFeatures({ entityRows: table({ driver_id: [i64(), [1]] }), features: ['driver_stats:conv_rate'] })).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('expected a timestamp column "event_timestamp"'),
    });
  });

  it('null keys and null times: INVALID_ARGUMENT with the first row', async () => {
    const store = driverStore();
    await expect(store.getHistoricalFeatures({ entityRows: { driver_id: [1, null], event_timestamp: [T0, T0] }, features: ['driver_stats:conv_rate'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('join key "driver_id" has 1 null (first at row 1)'),
    });
    await expect(store.getHistoricalFeatures({ entityRows: { driver_id: [1, 2], event_timestamp: [T0, null] }, features: ['driver_stats:conv_rate'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('1 null (first at row 1)'),
    });
  });

  it('epoch seconds where ms were meant: INVALID_ARGUMENT naming the unit', async () => {
    const store = driverStore();
    const error = await store.getHistoricalFeatures({ entityRows: { driver_id: [1001], event_timestamp: [Math.floor(T0 / 1000)] }, features: ['driver_stats:conv_rate'] }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as MlopsError).details).toMatchObject({ suspectedUnit: 's' });
    expect((error as Error).message).toContain('look like epoch SECONDS');
    const secondsSource = table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0 / 1000]], x: [f64(), [1]] });
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const s = createFeatureStore({ entities: [driver], views: [defineFeatureView({ name: 'v', entities: [driver], source: secondsSource, features: ['x'] })] });
    await expect(s.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['v:x'] })).rejects.toMatchObject({
      details: { suspectedUnit: 's', what: 'view "v" source column "event_timestamp"' },
    });
    await expect(store.getHistoricalFeatures({ entityRows: { driver_id: [1001], event_timestamp: [T0 * 1000] }, features: ['driver_stats:conv_rate'] })).rejects.toMatchObject({
      details: { suspectedUnit: 'us' },
    });
  });

  it('join key missing from entity rows, or typed differently from the source', async () => {
    const store = driverStore();
    await expect(store.getHistoricalFeatures({ entityRows: { event_timestamp: [T0] }, features: ['driver_stats:conv_rate'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('[driver_id]') });
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const { driverStats } = driverSources();
    const s = createFeatureStore({ entities: [driver], views: [defineFeatureView({ name: 'v', entities: [driver], source: driverStats, features: ['trips'] })] });
    await expect(s.getHistoricalFeatures({ entityRows: { driver_id: ['1001'], event_timestamp: [T0] }, features: ['v:trips'] })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
  });
});

describe('file sources on an ObjectStore', () => {
  it.each(['parquet', 'csv', 'arrow'] as const)('reads %s through @mlops/contracts IO and checks the schema on read', async (format) => {
    const objects = createMemoryStore();
    const { driverStats } = driverSources();
    const bytes = format === 'parquet' ? await tableToParquet(driverStats) : format === 'csv' ? tableToCsv(driverStats) : tableToIpc(driverStats);
    await objects.put(`features/driver_stats.${format}`, bytes);
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source: { path: `features/driver_stats.${format}` }, ttlMs: 2 * HOUR, createdTimestampColumn: 'created', features: ['conv_rate'] });
    const store = createFeatureStore({ entities: [driver], views: [view], offline: { store: objects } });
    const out = await store.getHistoricalFeatures({ entityRows: { driver_id: [1001, 1002], event_timestamp: [T0 + 2 * HOUR, T0 + HOUR] }, features: ['driver_stats:conv_rate'] });
    expect(out.getChild('driver_stats__conv_rate')!.toArray()).toEqual(new Float64Array([0.35, 0.9]));

    // The file changes under the view: conv_rate is gone.
    const changed = table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0]], created: [ts(), [T0]], other: [f64(), [1]] });
    const changedBytes = format === 'parquet' ? await tableToParquet(changed) : format === 'csv' ? tableToCsv(changed) : tableToIpc(changed);
    await objects.put(`features/driver_stats.${format}`, changedBytes);
    const error = await store.getHistoricalFeatures({ entityRows: { driver_id: [1], event_timestamp: [T0] }, features: ['driver_stats:conv_rate'] }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(error, 'SCHEMA_MISMATCH')).toBe(true);
    expect((error as Error).message).toContain('feature "conv_rate" expected, not found');
  });
});

describe('file sources read in batches (arrow engine)', () => {
  it('gives the in-memory answer when matches, ties and TTL edges span Parquet row groups and IPC batches', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { writeParquetFile } = await import('@mlops/contracts');
    const dir = await mkdtemp(path.join(tmpdir(), 'features-batches-'));
    try {
      // Rows one per row group / batch; the 02:00 tie is split across two batches, the earlier-created row last.
      const order = [4, 2, 0, 3, 1];
      const rowsTable = table({
        driver_id: [i64(), order.map((i) => [1001, 1001, 1001, 1001, 1002][i]!)],
        event_timestamp: [ts(), order.map((i) => [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, T0][i]!)],
        created: [ts(), order.map((i) => [T0, T0 + HOUR, T0 + 2 * HOUR + 5, T0 + 2 * HOUR + 1, T0][i]!)],
        conv_rate: [f64(), order.map((i) => [0.1, 0.2, 0.35, 0.3, 0.9][i]!)],
        trips: [i64(), order.map((i) => [10, 20, 35, 30, 90][i]!)],
      });
      await writeParquetFile(path.join(dir, 'stats.parquet'), rowsTable, { rowGroupRows: 1 });
      const { Table: ArrowTable } = await import('apache-arrow');
      const multiBatch = new ArrowTable(rowsTable.batches.flatMap((b) => Array.from({ length: b.numRows }, (_, i) => b.slice(i, i + 1))));
      expect(multiBatch.batches.length).toBe(5);
      const { tableToIpc } = await import('@mlops/contracts');
      await writeFile(path.join(dir, 'stats.arrows'), tableToIpc(multiBatch, { format: 'stream' }));
      const entityRows = {
        driver_id: [1001, 1001, 1001, 1001, 1002, 1003, 1001, 1001],
        event_timestamp: [T0 - 1, T0 + HOUR, T0 + HOUR + 30, T0 + 2 * HOUR, T0 + 2 * HOUR + 1, T0, T0 + 4 * HOUR, T0 + 4 * HOUR + 1],
      };
      const expected = [null, 0.2, 0.2, 0.35, null, null, 0.35, null];
      const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
      for (const file of ['stats.parquet', 'stats.arrows']) {
        for (const source of [{ path: path.join(dir, file) }, { path: `file://${path.join(dir, file)}` }]) {
          const view = defineFeatureView({ name: 'driver_stats', entities: [driver], source, ttlMs: 2 * HOUR, createdTimestampColumn: 'created', features: ['conv_rate', 'trips'] });
          const store = createFeatureStore({ entities: [driver], views: [view] });
          const out = await store.getHistoricalFeatures({ entityRows, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
          expect(rowsOf(out).map((r) => (r as { driver_stats__conv_rate: number | null }).driver_stats__conv_rate), `${file} ${source.path}`).toEqual(expected);
          expect(out.getChild('driver_stats__trips')!.type.toString()).toBe('Int64');
          const duck = await store.getHistoricalFeatures({ entityRows, features: ['driver_stats:conv_rate'], engine: 'duckdb' });
          expect(rowsOf(duck).map((r) => (r as { driver_stats__conv_rate: number | null }).driver_stats__conv_rate)).toEqual(expected);
          await store.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

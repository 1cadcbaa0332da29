import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { HOUR, T0, f64, i64, table, ts } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { createFeatureStore, createMemoryOnlineStore, defineEntity, defineFeatureView, defineOnDemandFeatureView } from './index.js';
import type { OnlineStoreV1 } from './index.js';

describe('materialize and getOnlineFeatures', () => {
  it('writes the latest row per key in the window; statuses PRESENT / NOT_FOUND / OUTSIDE_TTL (TTL enforced on read)', async () => {
    let now = T0 + 3 * HOUR;
    const store = driverStore({ clock: () => now });
    const result = await store.materialize({ start: new Date(T0), end: '2026-01-01T03:00:00Z', views: ['driver_stats'] });
    expect(result.views).toEqual([{ view: 'driver_stats', startMs: T0, endMs: T0 + 3 * HOUR, rows: 2, written: 2, skipped: 0 }]);
    const read = () => store.getOnlineFeatures({ features: ['driver_stats:conv_rate', 'driver_stats:trips'], entities: { driver_id: [1001, 1002, 1003] } });
    const online = await read();
    expect(online.featureNames).toEqual(['driver_stats__conv_rate', 'driver_stats__trips']);
    expect(online.features['driver_stats__conv_rate']).toEqual({
      values: [0.35, null, null],
      statuses: ['PRESENT', 'OUTSIDE_TTL', 'NOT_FOUND'],
      eventTimestampsMs: [T0 + 2 * HOUR, T0, null],
    });
    expect(online.features['driver_stats__trips']!.values).toEqual([35, null, null]);
    now = T0 + 4 * HOUR + 1; // 1001's 02:00 value is now 2 h + 1 ms old
    expect((await read()).features['driver_stats__conv_rate']!.statuses).toEqual(['OUTSIDE_TTL', 'OUTSIDE_TTL', 'NOT_FOUND']);
  });

  it('is idempotent: running twice changes nothing', async () => {
    const store = driverStore();
    await store.materialize({ start: T0, end: T0 + 3 * HOUR });
    const again = await store.materialize({ start: T0, end: T0 + 3 * HOUR });
    expect(again.views.map((v) => [v.view, v.written, v.skipped])).toEqual([['driver_stats', 0, 2], ['customer_profile', 0, 0]]);
  });

  it('materializeIncremental starts from the watermark kept in the online store', async () => {
    const online = createMemoryOnlineStore();
    const store = driverStore({ online, clock: () => T0 + 2 * HOUR });
    const first = await store.materializeIncremental({ end: T0 + HOUR, views: ['driver_stats'] });
    expect(first.views[0]).toMatchObject({ startMs: T0 - HOUR, endMs: T0 + HOUR, rows: 2 });
    expect(await online.getWatermark('driver_stats')).toBe(T0 + HOUR);
    const second = await store.materializeIncremental({ end: T0 + 2 * HOUR, views: ['driver_stats'] });
    expect(second.views[0]).toMatchObject({ startMs: T0 + HOUR, endMs: T0 + 2 * HOUR, rows: 1, written: 1 });
    const read = await store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1001] } });
    expect(read.features['driver_stats__conv_rate']!.values).toEqual([0.35]);
  });

  it('a failed materialization leaves the watermark where it was', async () => {
    const inner = createMemoryOnlineStore();
    let fail = false;
    const flaky: OnlineStoreV1 = {
      ...inner,
      async writeRows(view, rows) {
        if (fail) throw new MlopsError('SERVICE_UNAVAILABLE', 'write failed', { retryable: true });
        return inner.writeRows(view, rows);
      },
    };
    const store = driverStore({ online: flaky });
    await store.materialize({ start: T0, end: T0 + HOUR, views: ['driver_stats'] });
    fail = true;
    await expect(store.materializeIncremental({ end: T0 + 3 * HOUR, views: ['driver_stats'] })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await inner.getWatermark('driver_stats')).toBe(T0 + HOUR);
  });

  it('push: latest per key online, older than stored ignored; offline pushes reach historical retrieval', async () => {
    const store = driverStore({ clock: () => T0 + 3 * HOUR });
    await store.materialize({ start: T0, end: T0 + 3 * HOUR, views: ['driver_stats'] });
    const pushed = await store.push(
      'driver_stats',
      { driver_id: [1001, 1002, 1002], event_timestamp: [T0 + HOUR, T0 + 2 * HOUR, T0 + 150 * 60_000], created: [null, null, null], conv_rate: [0.01, 0.5, 0.55], trips: [1, 50, 55] },
      { to: 'both' },
    );
    expect(pushed).toEqual({ rows: 3, written: 1, skipped: 1 });
    const online = await store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1001, 1002] } });
    expect(online.features['driver_stats__conv_rate']!.values).toEqual([0.35, 0.55]);
    const offline = await store.getHistoricalFeatures({ entityRows: { driver_id: [1002], event_timestamp: [T0 + 2 * HOUR] }, features: ['driver_stats:conv_rate'] });
    expect(offline.getChild('driver_stats__conv_rate')!.get(0)).toBe(0.5);
    await expect(store.push('driver_stats', { driver_id: [1], event_timestamp: [T0] })).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    await expect(store.push('nope', { driver_id: [1], event_timestamp: [T0] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('computes on-demand features online from stored features and request data', async () => {
    const source = table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0]], conv_rate: [f64(), [0.5]] });
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
    const view = defineFeatureView({ name: 'stats', entities: [driver], source, features: ['conv_rate'] });
    const odfv = defineOnDemandFeatureView({
      name: 'scaled',
      sources: ['stats:conv_rate'],
      requestData: ['factor'],
      features: ['conv_scaled'],
      transform: ({ columns }) => ({ conv_scaled: Array.from(columns['stats__conv_rate'] as Float64Array, (v, i) => v * (columns['factor'] as Float64Array)[i]!) }),
    });
    const store = createFeatureStore({ entities: [driver], views: [view], onDemand: [odfv] });
    await store.materialize({ start: 0, end: T0 });
    const read = await store.getOnlineFeatures({ features: ['scaled:conv_scaled', 'stats:conv_rate'], entities: { driver_id: ['1', 2] }, requestData: { factor: [10, 10] }, fullFeatureNames: false });
    expect(read.featureNames).toEqual(['conv_scaled', 'conv_rate']);
    expect(read.features['conv_scaled']!.values).toEqual([5, null]);
    expect(read.features['conv_scaled']!.statuses).toEqual(['PRESENT', 'NOT_FOUND']);
    expect(read.features['conv_rate']!.statuses).toEqual(['PRESENT', 'NOT_FOUND']);
  });

  it('refuses to materialize integer keys beyond 2^53 (they would address another entity)', async () => {
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const source = table({ driver_id: [i64(), [1]], event_timestamp: [ts(), [T0]], x: [f64(), [1]] });
    const { vectorFromArray, Int64, Table } = await import('apache-arrow');
    const big = new Table({ driver_id: vectorFromArray([2n ** 60n], new Int64()), event_timestamp: source.getChild('event_timestamp')!, x: source.getChild('x')! });
    const store = createFeatureStore({ entities: [driver], views: [defineFeatureView({ name: 'v', entities: [driver], source: big, features: ['x'] })] });
    await expect(store.materialize({ start: 0, end: T0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('beyond 2^53') });
  });

  it('bad online requests: missing keys, ragged columns, null keys, seconds', async () => {
    const store = driverStore();
    await expect(store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { customer_id: ['c1'] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('no [driver_id]') });
    await expect(store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1, 2] }, requestData: { x: [1] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1, null] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('entities.driver_id[1]') });
    await expect(store.materialize({ start: 1_700_000_000, end: T0 })).rejects.toMatchObject({ details: { suspectedUnit: 's' } });
    await expect(store.materialize({ start: T0, end: 'yesterday' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('push type checks', () => {
  it('refuses values whose kind differs from the source column', async () => {
    const store = driverStore();
    await expect(store.push('driver_stats', { driver_id: [1001], event_timestamp: [T0], created: [T0], conv_rate: ['high'], trips: [1] })).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('feature "conv_rate" expected Float64, found Utf8'),
    });
    await expect(store.push('driver_stats', { driver_id: [1001], event_timestamp: [T0], created: [T0], conv_rate: [0.1], trips: ['many'] })).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('column "trips": expected Int64'),
    });
  });
});

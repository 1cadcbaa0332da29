import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { runOnlineStoreConformance } from '../test/online-store-conformance.js';
import { startRedisServer } from '@mlops/test-services';
import type { RedisTestServer } from '@mlops/test-services';
import { HOUR, T0 } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { createRedisOnlineStore, decodeOnlineValue, encodeOnlineValue } from './redis.js';

let server: RedisTestServer;
let counter = 0;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

runOnlineStoreConformance('redis', async () => createRedisOnlineStore({ url: server.url, keyPrefix: `test${counter++}:` }));

describe('redis online store', () => {
  it('encodes values with their type', () => {
    for (const v of [0, -1.5, 1e300, 'text', '', 'n:not a number', true, false, 2n ** 63n - 1n, null]) expect(decodeOnlineValue(encodeOnlineValue(v))).toEqual(v);
    // Fields another writer left: a coded error naming the value, never a guess.
    for (const raw of ['x:1', 'n', 'n1', 'S:a', ':n', '1.5']) expect(() => decodeOnlineValue(raw)).toThrow(expect.objectContaining({ code: 'DATA_CORRUPTED' }));
  });

  it('uses one hash per entity key with a hash tag, fields per view (the documented layout)', async () => {
    const store = createRedisOnlineStore({ url: server.url, keyPrefix: 'layout:' });
    await store.writeRows('driver_stats', [{ entityKey: 'driver_id=1001', eventTimestampMs: 1000, values: { conv_rate: 0.5, city: 'x' } }]);
    await store.setWatermark('driver_stats', 2000);
    const { createClient } = await import('redis');
    const raw = createClient({ url: server.url });
    await raw.connect();
    expect(await raw.keys('layout:*')).toEqual(expect.arrayContaining(['layout:{driver_id=1001}', 'layout:{__meta}']));
    expect(await raw.hGetAll('layout:{driver_id=1001}')).toEqual({ '_ts:driver_stats': '1000', '_cr:driver_stats': '', 'driver_stats:conv_rate': 'n:0.5', 'driver_stats:city': 's:x' });
    expect(await raw.hGetAll('layout:{__meta}')).toEqual({ 'watermark:driver_stats': '2000' });
    await raw.close();
    await store.close();
  });

  it('expireKeys: the key expires at event time + view TTL (+ grace), only ever later; a view without TTL keeps it', async () => {
    const store = createRedisOnlineStore({ url: server.url, keyPrefix: 'exp:', expireKeys: true, expiryGraceMs: 1000 });
    const { createClient } = await import('redis');
    const raw = createClient({ url: server.url });
    await raw.connect();
    try {
      const now = Date.now();
      const hourMs = 3_600_000;
      await store.writeRows('a', [{ entityKey: 'k=1', eventTimestampMs: now, values: { x: 1 } }], { ttlMs: hourMs });
      const ttl1 = await raw.pTTL('exp:{k=1}');
      expect(ttl1).toBeGreaterThan(hourMs + 1000 - 5000);
      expect(ttl1).toBeLessThanOrEqual(hourMs + 1000);
      // A second view on the same hash with a shorter TTL does not shorten the key's life...
      await store.writeRows('b', [{ entityKey: 'k=1', eventTimestampMs: now, values: { y: 2 } }], { ttlMs: 60_000 });
      expect(await raw.pTTL('exp:{k=1}')).toBeGreaterThan(hourMs);
      // ...a newer row with a longer reach extends it...
      await store.writeRows('b', [{ entityKey: 'k=1', eventTimestampMs: now + 60_000, values: { y: 3 } }], { ttlMs: 2 * hourMs });
      expect(await raw.pTTL('exp:{k=1}')).toBeGreaterThan(2 * hourMs);
      // ...an older (skipped) row changes nothing, and a view without a TTL makes the key persistent.
      expect(await store.writeRows('a', [{ entityKey: 'k=1', eventTimestampMs: now - 1, values: { x: 0 } }], { ttlMs: 1 })).toEqual({ written: 0, skipped: 1 });
      await store.writeRows('forever', [{ entityKey: 'k=1', eventTimestampMs: now, values: { z: 1 } }], { ttlMs: 0 });
      expect(await raw.pTTL('exp:{k=1}')).toBe(-1);
      await store.writeRows('a', [{ entityKey: 'k=1', eventTimestampMs: now + 1, values: { x: 4 } }], { ttlMs: 1 });
      expect(await raw.pTTL('exp:{k=1}')).toBe(-1);

      // Redis drops the key once its values are past TTL + grace: the read says NOT_FOUND.
      await store.writeRows('a', [{ entityKey: 'k=2', eventTimestampMs: Date.now() - 950, values: { x: 1 } }], { ttlMs: 1000 });
      expect((await store.readRows('a', ['k=2'], ['x']))[0]?.values).toEqual({ x: 1 });
      await new Promise((r) => setTimeout(r, 1300));
      expect(await raw.exists('exp:{k=2}')).toBe(0);
      expect(await store.readRows('a', ['k=2'], ['x'])).toEqual([undefined]);
      // A row already past TTL + grace when written is not kept.
      await store.writeRows('a', [{ entityKey: 'k=3', eventTimestampMs: Date.now() - 10_000, values: { x: 1 } }], { ttlMs: 1000 });
      expect(await raw.exists('exp:{k=3}')).toBe(0);
      // Without expireKeys (the default) keys never expire.
      const plain = createRedisOnlineStore({ url: server.url, keyPrefix: 'noexp:' });
      await plain.writeRows('a', [{ entityKey: 'k=1', eventTimestampMs: Date.now() - 10_000, values: { x: 1 } }], { ttlMs: 1000 });
      expect(await raw.pTTL('noexp:{k=1}')).toBe(-1);
      await plain.close();
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('expireKeys through the store: materialize passes the view TTL, reads still enforce it', async () => {
    const online = createRedisOnlineStore({ url: server.url, keyPrefix: 'exp-e2e:', expireKeys: true, expiryGraceMs: 10 * 365 * 24 * HOUR });
    const store = driverStore({ online, clock: () => T0 + 3 * HOUR });
    await store.materialize({ start: T0, end: T0 + 3 * HOUR });
    const { createClient } = await import('redis');
    const raw = createClient({ url: server.url });
    await raw.connect();
    // driver_stats has a 2 h TTL: key expiry = latest event time + 2 h + grace.
    const expiresAt = Date.now() + (await raw.pTTL('exp-e2e:{driver_id=1001}'));
    expect(Math.abs(expiresAt - (T0 + 2 * HOUR + 2 * HOUR + 10 * 365 * 24 * HOUR))).toBeLessThan(5000);
    await raw.close();
    const read = await store.getOnlineFeatures({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1001, 1002, 1003] } });
    expect(read.features['driver_stats__conv_rate']!.statuses).toEqual(['PRESENT', 'OUTSIDE_TTL', 'NOT_FOUND']);
    await store.close();
  });

  it('rejects a negative expiryGraceMs', () => {
    expect(() => createRedisOnlineStore({ expireKeys: true, expiryGraceMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('serves a feature store end to end (materialize, TTL on read)', async () => {
    const online = createRedisOnlineStore({ url: server.url, keyPrefix: 'e2e:' });
    const store = driverStore({ online, clock: () => T0 + 3 * HOUR });
    await store.materialize({ start: T0, end: T0 + 3 * HOUR });
    const read = await store.getOnlineFeatures({ features: ['driver_stats:conv_rate', 'driver_stats:trips'], entities: { driver_id: [1001, 1002, 1003] } });
    expect(read.features['driver_stats__conv_rate']!.statuses).toEqual(['PRESENT', 'OUTSIDE_TTL', 'NOT_FOUND']);
    expect(read.features['driver_stats__trips']!.values).toEqual([35, null, null]);
    await store.close();
  });

  it('Redis going away mid-read: a coded retryable error, not a hang', async () => {
    const own = await startRedisServer();
    const store = createRedisOnlineStore({ url: own.url, commandTimeoutMs: 1000 });
    await store.writeRows('v', [{ entityKey: 'k=1', eventTimestampMs: 1, values: { x: 1 } }]);
    const keys = Array.from({ length: 2_000 }, (_, i) => `k=${i}`);
    const reading = store.readRows('v', keys, ['x']).catch((e: unknown) => e);
    own.process.kill('SIGKILL');
    const started = Date.now();
    const error = await reading;
    const after = await store.readRows('v', ['k=1'], ['x']).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const e of [error, after]) {
      expect(MlopsError.isInstance(e)).toBe(true);
      expect(['SERVICE_UNAVAILABLE', 'TIMEOUT']).toContain((e as MlopsError).code);
      expect((e as MlopsError).retryable).toBe(true);
    }
    await store.close();
    await own.stop();
  });

  it('a server that stops answering: TIMEOUT (retryable) after commandTimeoutMs', async () => {
    const own = await startRedisServer();
    const store = createRedisOnlineStore({ url: own.url, commandTimeoutMs: 300 });
    await store.setWatermark('v', 1);
    own.process.kill('SIGSTOP');
    try {
      const started = Date.now();
      await expect(store.getWatermark('v')).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      own.process.kill('SIGCONT');
      await store.close();
      await own.stop();
    }
  });

  it('an unreachable server: SERVICE_UNAVAILABLE on connect', async () => {
    const own = await startRedisServer();
    await own.stop();
    const store = createRedisOnlineStore({ url: own.url, connectTimeoutMs: 500, commandTimeoutMs: 3000 });
    await expect(store.getWatermark('v')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    await store.close();
  });
});

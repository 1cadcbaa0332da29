import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { runOnlineStoreConformance } from '../test/online-store-conformance.js';
import { startRedisServer } from '../test/redis-server.js';
import type { RedisTestServer } from '../test/redis-server.js';
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

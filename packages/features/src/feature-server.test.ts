import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, T0 } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { createFeatureServer, createMemoryOnlineStore, defineFeatureService } from './index.js';
import type { FeatureServer, OnlineStoreV1 } from './index.js';

let server: FeatureServer;
const store = driverStore({ clock: () => T0 + 3 * HOUR });

beforeAll(async () => {
  await store.materialize({ start: T0, end: T0 + 3 * HOUR });
  server = await createFeatureServer({ store, port: 0, bodyLimitBytes: 4096 });
});
afterAll(() => server?.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('feature server (Feast JSON)', () => {
  it('POST /get-online-features answers column-oriented, join keys first, OUTSIDE_MAX_AGE for TTL', async () => {
    const res = await post('/get-online-features', { features: ['driver_stats:conv_rate', 'driver_stats:trips'], entities: { driver_id: [1001, 1002, 1003] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      metadata: { feature_names: ['driver_id', 'conv_rate', 'trips'] },
      results: [
        { values: [1001, 1002, 1003], statuses: ['PRESENT', 'PRESENT', 'PRESENT'], event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
        { values: [0.35, null, null], statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'], event_timestamps: ['2026-01-01T02:00:00Z', '2026-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
        { values: [35, null, null], statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND'], event_timestamps: ['2026-01-01T02:00:00Z', '2026-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
      ],
    });
  });

  it('full_feature_names and feature_service', async () => {
    const withService = driverStore({ clock: () => T0 + 3 * HOUR, services: [defineFeatureService({ name: 'model_v1', features: ['driver_stats:conv_rate'] })] });
    await withService.materialize({ start: T0, end: T0 + 3 * HOUR });
    const other = await createFeatureServer({ store: withService, port: 0 });
    try {
      const res = await fetch(`${other.url}/get-online-features`, { method: 'POST', body: JSON.stringify({ feature_service: 'model_v1', features: ['ignored:x'], entities: { driver_id: [1001] }, full_feature_names: true }) });
      const body = (await res.json()) as { metadata: { feature_names: string[] }; results: { values: unknown[] }[] };
      expect(body.metadata.feature_names).toEqual(['driver_id', 'driver_stats__conv_rate']);
      expect(body.results[1]!.values).toEqual([0.35]);
    } finally {
      await other.close();
    }
  });

  it('POST /push writes online (200, empty body); older rows are ignored', async () => {
    const res = await post('/push', { push_source_name: 'driver_stats', df: { driver_id: [1003], event_timestamp: ['2026-01-01T02:30:00Z'], created: [null], conv_rate: [0.7], trips: [7] }, to: 'online' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const read = await (await post('/get-online-features', { features: ['driver_stats:conv_rate'], entities: { driver_id: [1003] } })).json();
    expect((read as { results: { values: unknown[] }[] }).results[1]!.values).toEqual([0.7]);
  });

  it.each([
    ['/get-online-features', '{not json', 400, 'not valid JSON'],
    ['/get-online-features', { entities: { driver_id: [1] } }, 400, 'Pass "features"'],
    ['/get-online-features', { features: ['driver_stats:nope'], entities: { driver_id: [1] } }, 400, 'Unknown feature ref'],
    ['/get-online-features', { features: ['driver_stats:conv_rate'], entities: { driver_id: 1 } }, 400, '"entities" must be an object'],
    ['/get-online-features', { features: ['driver_stats:conv_rate'], entities: { customer_id: ['c1'] } }, 400, 'no [driver_id]'],
    ['/push', { df: {} }, 400, 'push_source_name'],
    ['/push', { push_source_name: 'ghost', df: { a: [1] } }, 400, 'unknown feature view "ghost"'],
    ['/push', { push_source_name: 'driver_stats', df: { driver_id: [1] }, to: 'both' }, 400, '"to" must be'],
    ['/push', { push_source_name: 'driver_stats', df: { driver_id: [1], event_timestamp: ['2026-01-01T00:00:00Z'] } }, 400, 'do not fit the view'],
  ])('POST %s %j -> %i with the reason', async (path, body, status, reason) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.message).toContain(reason);
    expect(typeof json.error.code).toBe('string');
  });

  it('413 over the body limit; 404 and 405 for other routes; GET /health', async () => {
    const big = await post('/get-online-features', { features: ['driver_stats:conv_rate'], entities: { driver_id: Array.from({ length: 2000 }, (_, i) => i) } });
    expect(big.status).toBe(413);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/get-online-features`)).status).toBe(405);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
  });

  it('graceful shutdown: an in-flight request completes, then the port closes', async () => {
    const inner = createMemoryOnlineStore();
    const slow: OnlineStoreV1 = { ...inner, readRows: async (...args) => new Promise((resolve) => setTimeout(() => resolve(inner.readRows(...args)), 300)) };
    const own = await createFeatureServer({ store: driverStore({ online: slow }), port: 0 });
    const pending = fetch(`${own.url}/get-online-features`, { method: 'POST', body: JSON.stringify({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1] } }) });
    await new Promise((r) => setTimeout(r, 100));
    const closing = own.close();
    const res = await pending;
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${own.url}/health`)).rejects.toThrow();
  });
});

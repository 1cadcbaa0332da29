import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, T0 } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { MlopsError } from '@mlops/contracts';
import { createFeatureServer, createMemoryOnlineStore, defineFeatureService, defineOnDemandFeatureView, toFeastResponse } from './index.js';
import type { FeatureServer, OnlineStoreV1, OnlineValue } from './index.js';
import { feastResponseJson } from './feature-server.js';

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

  const feast = (cls: string, message: string) => expect.stringMatching(new RegExp(`^\\{"module":"feast\\.errors","class":"${cls}","message":".*${message}`));
  it.each([
    // Feast's error classes: their status, and to_error_detail() as a JSON string.
    ['/push', { push_source_name: 'ghost', df: { a: [1] } }, 422, 'NOT_FOUND', feast('PushSourceNotFoundException', "Unable to find push source 'ghost'")],
    ['/get-online-features', { features: ['nope:x'], entities: { driver_id: [1] } }, 404, 'NOT_FOUND', feast('FeatureViewNotFoundException', 'nope:x')],
    ['/get-online-features', { feature_service: 'ghost', entities: { driver_id: [1] } }, 404, 'NOT_FOUND', feast('FeatureServiceNotFoundException', 'Unknown feature service')],
    // What pydantic rejects before Feast's handler runs: 422 { detail: [...] }.
    ['/get-online-features', '{not json', 422, 'INVALID_ARGUMENT', { detail: [expect.objectContaining({ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error' })] }],
    ['/get-online-features', '[1]', 422, 'INVALID_ARGUMENT', { detail: [expect.objectContaining({ type: 'model_attributes_type', loc: ['body'] })] }],
    ['/get-online-features', { features: ['driver_stats:conv_rate'] }, 422, 'INVALID_ARGUMENT', { detail: [{ type: 'missing', loc: ['body', 'entities'], msg: 'Field required', input: { features: ['driver_stats:conv_rate'] } }] }],
    ['/get-online-features', { features: ['driver_stats:conv_rate'], entities: { driver_id: 1 } }, 422, 'INVALID_ARGUMENT', { detail: [{ type: 'list_type', loc: ['body', 'entities', 'driver_id'], msg: 'Input should be a valid list', input: 1 }] }],
    ['/get-online-features', { features: 'driver_stats:conv_rate', entities: { driver_id: [1] }, full_feature_names: 'yes' }, 422, 'INVALID_ARGUMENT', { detail: [expect.objectContaining({ type: 'list_type', loc: ['body', 'features'] }), expect.objectContaining({ type: 'bool_type', loc: ['body', 'full_feature_names'] })] }],
    ['/push', { df: {} }, 422, 'INVALID_ARGUMENT', { detail: [{ type: 'missing', loc: ['body', 'push_source_name'], msg: 'Field required', input: { df: {} } }] }],
    ['/push', { push_source_name: 'driver_stats', df: [1] }, 422, 'INVALID_ARGUMENT', { detail: [{ type: 'dict_type', loc: ['body', 'df'], msg: 'Input should be a valid dictionary', input: [1] }] }],
    // Bad input Feast leaves to an unhandled ValueError/KeyError (500 there): 422 with the message as a JSON string.
    ['/get-online-features', { entities: { driver_id: [1] } }, 422, 'INVALID_ARGUMENT', expect.stringContaining('No features specified')],
    ['/get-online-features', { features: ['driver_stats:nope'], entities: { driver_id: [1] } }, 422, 'NOT_FOUND', expect.stringContaining('Unknown feature ref')],
    ['/get-online-features', { features: ['driver_stats:conv_rate'], entities: { customer_id: ['c1'] } }, 422, 'INVALID_ARGUMENT', expect.stringContaining('no [driver_id]')],
    ['/push', { push_source_name: 'driver_stats', df: { driver_id: [1] }, to: 'both' }, 422, 'INVALID_ARGUMENT', expect.stringContaining('both is not a supported push format')],
    ['/push', { push_source_name: 'driver_stats', df: { driver_id: [1], event_timestamp: ['2026-01-01T00:00:00Z'] } }, 422, 'SCHEMA_MISMATCH', expect.stringContaining('do not fit the view')],
  ])('POST %s %j -> %i, Feast\'s body, our code in x-mlops-error-code', async (path, body, status, code, expected) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    if (status === 200) return;
    expect(res.headers.get('x-mlops-error-code')).toBe(code);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(expected);
  });

  it('a name collision is Feast\'s FeatureNameCollisionError (500); missing request data its RequestDataNotFoundInEntityRowsException (404)', async () => {
    const odfv = defineOnDemandFeatureView({
      name: 'scaled',
      sources: ['driver_stats:conv_rate'],
      requestData: ['factor'],
      features: ['conv_rate'],
      transform: ({ columns }) => ({ conv_rate: Array.from(columns['driver_stats__conv_rate'] as Float64Array, (v, i) => v * (columns['factor'] as Float64Array)[i]!) }),
    });
    const own = await createFeatureServer({ store: driverStore({ onDemand: [odfv] }), port: 0 });
    try {
      const ask = (body: unknown) => fetch(`${own.url}/get-online-features`, { method: 'POST', body: JSON.stringify(body) });
      const collision = await ask({ features: ['driver_stats:conv_rate', 'scaled:conv_rate'], entities: { driver_id: [1] }, request_context: { factor: [2] } });
      expect(collision.status).toBe(500);
      expect(JSON.parse((await collision.json()) as string)).toMatchObject({ module: 'feast.errors', class: 'FeatureNameCollisionError' });
      const missing = await ask({ features: ['scaled:conv_rate'], entities: { driver_id: [1] }, full_feature_names: true });
      expect(missing.status).toBe(404);
      expect(JSON.parse((await missing.json()) as string)).toMatchObject({ module: 'feast.errors', class: 'RequestDataNotFoundInEntityRowsException', message: expect.stringContaining('factor') });
      const ok = await ask({ features: ['scaled:conv_rate'], entities: { driver_id: [1] }, full_feature_names: true, request_context: { factor: [2] } });
      expect(ok.status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('an unreachable online store: 503 with the message, retryable code in the header', async () => {
    const inner = createMemoryOnlineStore();
    const down: OnlineStoreV1 = { ...inner, readRows: async () => Promise.reject(new MlopsError('SERVICE_UNAVAILABLE', 'Redis is unreachable during reading.', { retryable: true })) };
    const own = await createFeatureServer({ store: driverStore({ online: down }), port: 0 });
    try {
      const res = await fetch(`${own.url}/get-online-features`, { method: 'POST', body: JSON.stringify({ features: ['driver_stats:conv_rate'], entities: { driver_id: [1] } }) });
      expect(res.status).toBe(503);
      expect(res.headers.get('x-mlops-error-code')).toBe('SERVICE_UNAVAILABLE');
      expect(await res.json()).toBe('Redis is unreachable during reading.');
    } finally {
      await own.close();
    }
  });

  it('413 over the body limit; 404 and 405 for other routes; GET /health', async () => {
    const big = await post('/get-online-features', { features: ['driver_stats:conv_rate'], entities: { driver_id: Array.from({ length: 2000 }, (_, i) => i) } });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ detail: expect.stringContaining('bodyLimitBytes') });
    const notFound = await fetch(`${server.url}/nope`);
    expect([notFound.status, await notFound.json()]).toEqual([404, { detail: 'Not Found' }]);
    const wrongMethod = await fetch(`${server.url}/get-online-features`);
    expect([wrongMethod.status, await wrongMethod.json()]).toEqual([405, { detail: 'Method Not Allowed' }]);
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

describe('feastResponseJson', () => {
  it('writes byte for byte what JSON-stringifying toFeastResponse writes (int64 as plain numbers)', () => {
    const statuses = ['PRESENT', 'NOT_FOUND', 'OUTSIDE_TTL'] as const;
    const values: OnlineValue[] = [1.5, -0, 1e21, 5e-324, Number.NaN, Infinity, 'a"b\\c\u0000\u2028é', '', true, false, null, 9007199254740993n, -42n, 0];
    const rows = values.length;
    const column = (shift: number) => ({
      values: values.map((_, i) => values[(i + shift) % rows]!),
      statuses: values.map((_, i) => statuses[(i + shift) % 3]!),
      eventTimestampsMs: values.map((_, i) => (i % 4 === 0 ? null : T0 + ((i * 7 + shift) % 5) * HOUR + (i === 3 ? 123 : 0))),
    });
    const entities = { driver_id: values.map((_, i) => (i % 2 === 0 ? BigInt(1000 + i) : 1000 + i)), zone: values.map((_, i) => `z${i}`) };
    const result = { featureNames: ['f0', 'v:f1', 'f2'], features: { f0: column(0), 'v:f1': column(1), f2: column(5) } };
    const expected = JSON.stringify(toFeastResponse(entities, result), (_, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}__` : v)).replace(/"__bigint__(-?\d+)__"/g, '$1');
    expect(feastResponseJson(entities, result)).toBe(expected);
    expect(expected).toContain('9007199254740993');
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { T0, HOUR } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { createDuckDbEngine } from './duckdb.js';

const engine = createDuckDbEngine();
afterAll(() => engine.close());

describe('duckdb engine', () => {
  it('gives the same rows as the arrow engine on the worked example', async () => {
    const store = driverStore();
    const request = {
      entityRows: {
        driver_id: [1001, 1001, 1001, 1001, 1002, 1003, 1001],
        customer_id: ['c1', 'c2', 'c3', 'c1', 'c2', 'c1', 'c1'],
        event_timestamp: [T0 - 1, T0 + HOUR, T0 + HOUR + 30, T0 + 2 * HOUR, T0 + 2 * HOUR + 1, T0, T0 + 4 * HOUR],
      },
      features: ['driver_stats:conv_rate', 'customer_profile:segment', 'driver_stats:trips'],
    };
    const arrow = await store.getHistoricalFeatures(request);
    const duck = await store.getHistoricalFeatures({ ...request, engine: engine });
    const named = await store.getHistoricalFeatures({ ...request, engine: 'duckdb' });
    expect(duck.toArray().map((r) => r.toJSON())).toEqual(arrow.toArray().map((r) => r.toJSON()));
    expect(named.toArray().map((r) => r.toJSON())).toEqual(arrow.toArray().map((r) => r.toJSON()));
    expect(String(duck.schema)).toBe(String(arrow.schema));
    await store.close();
  });
});

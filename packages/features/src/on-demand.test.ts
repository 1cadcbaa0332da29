import { describe, expect, it } from 'vitest';
import { HOUR, T0, f64, i64, table, ts } from '../test/fixtures.js';
import { createFeatureStore, defineEntity, defineFeatureView, defineOnDemandFeatureView } from './index.js';
import type { OnDemandInput } from './index.js';

describe('on-demand views are vectorized', () => {
  it('the transform runs once per request over whole columns (typed arrays and the Arrow vectors), offline and online', async () => {
    const source = table({ driver_id: [i64(), [1, 2, 3]], event_timestamp: [ts(), [T0, T0, T0]], trips: [i64(), [10, 20, 30]], conv_rate: [f64(), [0.1, 0.2, 0.3]] });
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
    const view = defineFeatureView({ name: 'stats', entities: [driver], source, features: ['trips', 'conv_rate'] });
    const calls: OnDemandInput[] = [];
    const odfv = defineOnDemandFeatureView({
      name: 'derived',
      sources: ['stats:trips', 'stats:conv_rate'],
      requestData: ['bonus'],
      features: ['score', { name: 'trips_type', type: 'utf8' }],
      transform: (input) => {
        calls.push(input);
        const trips = input.columns['stats__trips'] as Float64Array;
        const conv = input.columns['stats__conv_rate'] as Float64Array;
        const bonus = input.columns['bonus'] as Float64Array;
        return {
          score: trips.map((t, i) => t * conv[i]! + bonus[i]!),
          // The Arrow vector keeps the source's type (Int64), which the Float64Array view does not.
          trips_type: Array.from({ length: input.numRows }, () => String(input.vectors['stats__trips']!.type)),
        };
      },
    });
    const store = createFeatureStore({ entities: [driver], views: [view], onDemand: [odfv] });

    const offline = await store.getHistoricalFeatures({ entityRows: { driver_id: [1, 2, 3, 4], event_timestamp: [T0 + HOUR, T0 + HOUR, T0 + HOUR, T0 + HOUR], bonus: [1, 2, 3, 4] }, features: ['derived:score', 'derived:trips_type'] });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.numRows).toBe(4);
    expect(calls[0]!.columns['stats__trips']).toBeInstanceOf(Float64Array);
    expect(calls[0]!.vectors['stats__trips']!.length).toBe(4);
    expect([...offline.getChild('derived__score')!].map((v) => (v === null ? null : Math.round((v as number) * 1e9) / 1e9))).toEqual([2, 6, 12, null]);
    expect(offline.getChild('derived__trips_type')!.get(0)).toBe('Int64');

    calls.length = 0;
    await store.materialize({ start: 0, end: T0 });
    const online = await store.getOnlineFeatures({ features: ['derived:score'], entities: { driver_id: [3, 1, 2] }, requestData: { bonus: [0, 0, 0] } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.numRows).toBe(3);
    expect(online.features['derived__score']!.values.map((v) => Math.round((v as number) * 1e9) / 1e9)).toEqual([9, 1, 4]);
  });
});

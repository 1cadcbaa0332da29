import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { table, ts, i64, f64, utf8, T0, DAY } from '../test/fixtures.js';
import { createFeatureStore, defineEntity, defineFeatureService, defineFeatureView, defineOnDemandFeatureView } from './index.js';

const source = table({
  driver_id: [i64(), [1, 2]],
  event_timestamp: [ts(), [T0, T0]],
  conv_rate: [f64(), [0.5, 0.6]],
  city: [utf8(), ['a', 'b']],
});

describe('definitions', () => {
  it('defineEntity defaults joinKeys to the name and refuses bad names', () => {
    expect(defineEntity({ name: 'driver_id' }).joinKeys).toEqual(['driver_id']);
    expect(() => defineEntity({ name: 'a:b' })).toThrow(/without ':'/);
    expect(() => defineEntity({ name: 'driver', joinKeys: [] })).toThrow(MlopsError);
  });

  it('defineFeatureView normalises features and defaults', () => {
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const view = defineFeatureView({ name: 'stats', entities: [driver], source, features: ['conv_rate', { name: 'city', type: 'utf8-like' }] });
    expect(view.entities).toEqual(['driver']);
    expect(view.timestampColumn).toBe('event_timestamp');
    expect(view.ttlMs).toBe(0);
    expect(view.features).toEqual([
      { name: 'conv_rate', type: undefined },
      { name: 'city', type: 'utf8-like' },
    ]);
    expect(() => defineFeatureView({ name: 'x', entities: [driver], source, features: ['a'], ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => defineFeatureView({ name: 'x', entities: [driver], source, features: [{ name: 'a', type: 'nope' as never }] })).toThrow(/type/);
  });

  it('defineFeatureService accepts refs and views', () => {
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
    const view = defineFeatureView({ name: 'stats', entities: [driver], source, features: ['conv_rate'] });
    expect(defineFeatureService({ name: 'model_v1', features: ['stats:conv_rate', view] }).features).toEqual(['stats:conv_rate', 'stats:*']);
    expect(() => defineFeatureService({ name: 's', features: ['stats'] })).toThrow(/view:feature/);
  });

  it('defineOnDemandFeatureView checks its shape', () => {
    expect(() => defineOnDemandFeatureView({ name: 'o', sources: ['stats'], features: ['x'], transform: () => ({}) })).toThrow(/view:feature/);
    expect(() => defineOnDemandFeatureView({ name: 'o', sources: ['stats:conv_rate'], features: ['x'], transform: 1 as never })).toThrow(/transform/);
  });
});

describe('createFeatureStore validation', () => {
  it('lists every problem in one INVALID_ARGUMENT error', () => {
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'string' });
    const views = [
      defineFeatureView({ name: 'stats', entities: [driver, 'customer'], source, features: ['conv_rate', 'missing_feature', { name: 'city', type: 'float64' }] }),
      defineFeatureView({ name: 'stats', entities: [driver], source, features: ['conv_rate'] }),
      defineFeatureView({ name: 'other', entities: [driver], source, features: ['conv_rate'], timestampColumn: 'ts_missing' }),
    ];
    const services = [defineFeatureService({ name: 'svc', features: ['stats:nope', 'ghost:x'] })];
    const onDemand = [defineOnDemandFeatureView({ name: 'od', sources: ['ghost:x'], features: ['y'], transform: () => ({}) })];
    let error: unknown;
    try {
      createFeatureStore({ entities: [driver], views, services, onDemand });
    } catch (e) {
      error = e;
    }
    expect(MlopsError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    const problems = (error as MlopsError).details!.problems as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        'views: duplicate name "stats" (names must be unique)',
        expect.stringContaining('unknown entity "customer"'),
        expect.stringContaining('join key "driver_id" expected string, found Int64'),
        expect.stringContaining('feature "missing_feature" expected, not found'),
        expect.stringContaining('feature "city" expected Float64, found Utf8'),
        expect.stringContaining('timestamp column "ts_missing" expected'),
        expect.stringContaining('service "svc": ref "stats:nope"'),
        expect.stringContaining('service "svc": ref "ghost:x": unknown view "ghost"'),
        expect.stringContaining('onDemand "od": source "ghost:x"'),
      ]),
    );
    expect(problems.length).toBe(10);
    expect((error as Error).message).toContain('10 problems');
  });

  it('accepts a consistent set of definitions', () => {
    const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
    const store = createFeatureStore({ entities: [driver], views: [defineFeatureView({ name: 'stats', entities: [driver], source, features: ['conv_rate'], ttlMs: DAY })] });
    expect([...store.catalog.views.keys()]).toEqual(['stats']);
  });
});

import { createFeatureStore, defineEntity, defineFeatureView } from '../src/index.js';
import type { FeatureStoreOptions } from '../src/index.js';
import { DAY, HOUR, T0, f64, i64, table, ts, utf8 } from './fixtures.js';

/**
 * The worked example used across tests and the README: driver 1001 has stats at 00:00, 01:00,
 * 02:00 (two rows at 02:00, created apart), driver 1002 one row at 00:00; TTL 2 hours.
 */
export function driverSources() {
  const driverStats = table({
    driver_id: [i64(), [1001, 1001, 1001, 1001, 1002]],
    event_timestamp: [ts(), [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, T0]],
    created: [ts(), [T0, T0 + HOUR, T0 + 2 * HOUR + 5, T0 + 2 * HOUR + 1, T0]],
    conv_rate: [f64(), [0.1, 0.2, 0.35, 0.3, 0.9]],
    trips: [i64(), [10, 20, 35, 30, 90]],
  });
  const customerProfile = table({
    customer_id: [utf8(), ['c1', 'c2']],
    event_timestamp: [ts(), [T0 - DAY, T0 - DAY]],
    segment: [utf8(), ['gold', 'silver']],
  });
  return { driverStats, customerProfile };
}

export function driverStore(extra: Partial<FeatureStoreOptions> = {}) {
  const { driverStats, customerProfile } = driverSources();
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const customer = defineEntity({ name: 'customer', joinKeys: ['customer_id'], valueType: 'string' });
  const stats = defineFeatureView({
    name: 'driver_stats',
    entities: [driver],
    source: driverStats,
    ttlMs: 2 * HOUR,
    createdTimestampColumn: 'created',
    features: [{ name: 'conv_rate', type: 'float64' }, 'trips'],
  });
  const profile = defineFeatureView({ name: 'customer_profile', entities: [customer], source: customerProfile, features: ['segment'] });
  return createFeatureStore({ entities: [driver, customer], views: [stats, profile], ...extra });
}

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MINUTE_MS, T0, f64, i64, table, ts, utf8 } from '../test/fixtures.js';
import { createTable } from '../test/duckdb-tables.js';
import { createDuckDbEngine } from './duckdb.js';
import { createFeatureStore, defineEntity, defineFeatureView } from './index.js';

const engine = createDuckDbEngine();
afterAll(() => engine.close());

const at = (minutes: number) => T0 + minutes * MINUTE_MS;

// Small key and time ranges force collisions: equal times, ties on created, duplicate entity
// rows, rows exactly at the TTL edge, keys with no feature rows.
const driverRow = fc.record({ id: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 12 }), created: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }), // -0 would print as 0 in the SQL literals: the engines agree, the test's transport would not.
  value: fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map((v) => (Object.is(v, -0) ? 0 : v)) });
const customerRow = fc.record({ id: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 12 }), segment: fc.option(fc.constantFrom('gold', 'silver'), { nil: null }) });
const entityRow = fc.record({ driver: fc.integer({ min: 0, max: 4 }), customer: fc.constantFrom('a', 'b', 'c', 'z'), t: fc.integer({ min: 0, max: 14 }) });
const input = fc.record({
  drivers: fc.array(driverRow, { maxLength: 25 }),
  customers: fc.array(customerRow, { maxLength: 10 }),
  entities: fc.array(entityRow, { minLength: 1, maxLength: 20 }),
  ttlMinutes: fc.constantFrom(0, 1, 3, 5),
});

type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

function storeFor(data: Input) {
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'] });
  const customer = defineEntity({ name: 'customer', joinKeys: ['customer_id'] });
  const stats = table({
    driver_id: [i64(), data.drivers.map((r) => r.id)],
    event_timestamp: [ts(), data.drivers.map((r) => at(r.t))],
    created: [ts(), data.drivers.map((r) => (r.created === null ? null : at(r.created)))],
    value: [f64(), data.drivers.map((r) => r.value)],
  });
  const profile = table({ customer_id: [utf8(), data.customers.map((r) => r.id)], event_timestamp: [ts(), data.customers.map((r) => at(r.t))], segment: [utf8(), data.customers.map((r) => r.segment)] });
  return createFeatureStore({
    entities: [driver, customer],
    views: [
      defineFeatureView({ name: 'stats', entities: [driver], source: stats, ttlMs: data.ttlMinutes * MINUTE_MS, createdTimestampColumn: 'created', features: ['value'] }),
      defineFeatureView({ name: 'profile', entities: [customer], source: profile, features: ['segment'] }),
    ],
  });
}

const request = (data: Input) => ({
  entityRows: { driver_id: data.entities.map((e) => e.driver), customer_id: data.entities.map((e) => e.customer), event_timestamp: data.entities.map((e) => at(e.t)) },
  features: ['stats:value', 'profile:segment'],
});

const rows = (t: { toArray(): { toJSON(): unknown }[] }) => t.toArray().map((r) => r.toJSON());

// A brute-force reading of Feast's rules, independent of both engines.
function reference(data: Input): { value: number | null; segment: string | null }[] {
  const ttl = data.ttlMinutes;
  return data.entities.map((e) => {
    let best: Input['drivers'][number] | undefined;
    let bestIndex = -1;
    data.drivers.forEach((r, i) => {
      if (r.id !== e.driver || r.t > e.t || (ttl > 0 && r.t < e.t - ttl)) return;
      const c = r.created ?? -Infinity;
      const bc = best ? (best.created ?? -Infinity) : -Infinity;
      if (!best || r.t > best.t || (r.t === best.t && (c > bc || (c === bc && i > bestIndex)))) {
        best = r;
        bestIndex = i;
      }
    });
    let seg: Input['customers'][number] | undefined;
    let segIndex = -1;
    data.customers.forEach((r, i) => {
      if (r.id !== e.customer || r.t > e.t) return;
      if (!seg || r.t > seg.t || (r.t === seg.t && i > segIndex)) {
        seg = r;
        segIndex = i;
      }
    });
    return { value: best ? best.value : null, segment: seg ? seg.segment : null };
  });
}

describe('engines agree (fast-check)', () => {
  it('arrow == brute-force reference == duckdb engine, row for row', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (data) => {
        const store = storeFor(data);
        const arrow = await store.getHistoricalFeatures(request(data));
        const duck = await store.getHistoricalFeatures({ ...request(data), engine });
        expect(rows(duck)).toEqual(rows(arrow));
        expect(arrow.toArray().map((r) => ({ value: r.stats__value, segment: r.profile__segment }))).toEqual(reference(data));
      }),
      { numRuns: 60 },
    );
  });

  it('arrow == the generated duckdb SQL run as written (sources without full ties)', async () => {
    const unique = input.map((data) => {
      // SQL has no row order, so full ties (same key, time and created) have no defined winner: drop them.
      const seen = new Set<string>();
      const drivers = data.drivers.filter((r) => !seen.has(`${r.id}/${r.t}/${r.created}`) && seen.add(`${r.id}/${r.t}/${r.created}`));
      const seenC = new Set<string>();
      const customers = data.customers.filter((r) => !seenC.has(`${r.id}/${r.t}`) && seenC.add(`${r.id}/${r.t}`));
      return { ...data, drivers, customers };
    });
    await fc.assert(
      fc.asyncProperty(unique, async (data) => {
        const store = storeFor(data);
        const req = request(data);
        const arrow = await store.getHistoricalFeatures(req);
        await createTable(engine, 'entity_rows', { driver_id: ['BIGINT', req.entityRows.driver_id], customer_id: ['VARCHAR', req.entityRows.customer_id], event_timestamp: ['TIMESTAMP', req.entityRows.event_timestamp] });
        await createTable(engine, 'stats', {
          driver_id: ['BIGINT', data.drivers.map((r) => r.id)],
          event_timestamp: ['TIMESTAMP', data.drivers.map((r) => at(r.t))],
          created: ['TIMESTAMP', data.drivers.map((r) => (r.created === null ? null : at(r.created)))],
          value: ['DOUBLE', data.drivers.map((r) => r.value)],
        });
        await createTable(engine, 'profile', { customer_id: ['VARCHAR', data.customers.map((r) => r.id)], event_timestamp: ['TIMESTAMP', data.customers.map((r) => at(r.t))], segment: ['VARCHAR', data.customers.map((r) => r.segment)] });
        const sql = await engine.query(store.toSql({ features: req.features }, { dialect: 'duckdb' }));
        const expected = arrow.toArray().map((r) => [r.stats__value ?? null, r.profile__segment ?? null]);
        expect(sql['stats__value']!.map((v, i) => [v, sql['profile__segment']![i]])).toEqual(expected);
      }),
      // Pinned counterexample: a double that a bare SQL numeric literal rounded one ULP off.
      { numRuns: 40, examples: [[{ drivers: [{ id: 0, t: 0, created: null, value: 0.00009044707809457945 }], customers: [], entities: [{ driver: 0, customer: 'a', t: 0 }], ttlMinutes: 0 }]] },
    );
  });
});

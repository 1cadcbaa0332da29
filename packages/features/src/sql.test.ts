import { afterAll, describe, expect, it } from 'vitest';
import { Parser } from 'node-sql-parser';
import { HOUR, T0 } from '../test/fixtures.js';
import { driverStore } from '../test/driver-store.js';
import { createTable } from '../test/duckdb-tables.js';
import { createDuckDbEngine } from './duckdb.js';
import { SQL_DIALECTS } from './index.js';

const engine = createDuckDbEngine();
afterAll(() => engine.close());

// node-sql-parser's name for each dialect (Spark SQL is HiveQL's grammar there).
const PARSER_DIALECT = { spark: 'hive', bigquery: 'bigquery', snowflake: 'snowflake', postgres: 'postgresql', duckdb: '' } as const;

describe('toSql', () => {
  const store = driverStore();
  const request = { features: ['driver_stats:conv_rate', 'customer_profile:segment', 'driver_stats:trips'] };

  it('duckdb: the generated SQL runs on DuckDB as written and matches the arrow engine', async () => {
    const entity = {
      driver_id: [1001, 1001, 1001, 1001, 1002, 1003, 1001],
      customer_id: ['c1', 'c2', 'c3', 'c1', 'c2', 'c1', 'c1'],
      event_timestamp: [T0 - 1, T0 + HOUR, T0 + HOUR + 30, T0 + 2 * HOUR, T0 + 2 * HOUR + 1, T0, T0 + 4 * HOUR],
    };
    await createTable(engine, 'entity_rows', { driver_id: ['BIGINT', entity.driver_id], customer_id: ['VARCHAR', entity.customer_id], event_timestamp: ['TIMESTAMP', entity.event_timestamp] });
    await createTable(engine, 'driver_stats', {
      driver_id: ['BIGINT', [1001, 1001, 1001, 1001, 1002]],
      event_timestamp: ['TIMESTAMP', [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR, T0]],
      created: ['TIMESTAMP', [T0, T0 + HOUR, T0 + 2 * HOUR + 5, T0 + 2 * HOUR + 1, T0]],
      conv_rate: ['DOUBLE', [0.1, 0.2, 0.35, 0.3, 0.9]],
      trips: ['BIGINT', [10, 20, 35, 30, 90]],
    });
    await createTable(engine, 'customer_profile', { customer_id: ['VARCHAR', ['c1', 'c2']], event_timestamp: ['TIMESTAMP', [T0 - 86_400_000, T0 - 86_400_000]], segment: ['VARCHAR', ['gold', 'silver']] });
    const result = await engine.query(store.toSql(request, { dialect: 'duckdb' }));
    const arrow = await store.getHistoricalFeatures({ entityRows: entity, ...request });
    const column = (name: string) => arrow.toArray().map((r) => (r.toJSON() as Record<string, unknown>)[name]);
    expect(result['driver_stats__conv_rate']).toEqual(column('driver_stats__conv_rate'));
    expect(result['customer_profile__segment']).toEqual(column('customer_profile__segment'));
    expect(result['driver_stats__conv_rate']).toEqual([null, 0.2, 0.2, 0.35, null, null, 0.35]);
    expect(result['driver_stats__trips']).toEqual([null, 20n, 20n, 35n, null, null, 35n]);
    expect(result['entity_row_id']).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
  });

  it('never puts the TTL into a LEFT JOIN ON clause', () => {
    for (const dialect of SQL_DIALECTS) {
      const sql = store.toSql(request, { dialect });
      for (const on of sql.split('LEFT JOIN').slice(1)) expect(on.split('\n')[0]).not.toMatch(/INTERVAL|DATEADD|UNIX_MILLIS|timestampadd/);
      expect(sql).toMatch(/ROW_NUMBER\(\) OVER \(PARTITION BY/);
    }
  });

  it.each(SQL_DIALECTS)('%s: parses with node-sql-parser and is pinned by snapshot', (dialect) => {
    const sql = store.toSql(request, { dialect, entityTable: 'analytics.entity_rows', sourceTables: { driver_stats: 'analytics.driver_stats' } });
    // DuckDB text is run for real above; node-sql-parser has no DuckDB grammar.
    if (dialect !== 'duckdb') expect(() => new Parser().astify(sql, { database: PARSER_DIALECT[dialect] })).not.toThrow();
    expect(sql).toMatchSnapshot();
  });

  it('refuses on-demand features and unknown dialects', () => {
    expect(() => store.toSql(request, { dialect: 'oracle' as never })).toThrow(/dialect must be one of/);
  });
});

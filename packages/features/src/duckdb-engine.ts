import type * as DuckDbApi from '@duckdb/node-api';
import type { Vector } from 'apache-arrow';
import type { ArrowTableLike, ArrowVectorLike } from '@mlops/contracts';
import { isUtf8Like, readEpochMillisColumn, toFloat64Array, toStringArray } from '@mlops/contracts';
import { MlopsError, loadOptionalPeer } from '@mlops/contracts/errors';
import { fullName } from './feature-refs.js';
import { gatherColumn } from './gather-column.js';
import type { HistoricalEngine, JoinPlan } from './join-plan.js';
import { pointInTimeSql } from './sql.js';
import { checkPlausibleEpochMs } from './time.js';

type DuckDbModule = typeof DuckDbApi;
type DuckDbConnection = DuckDbApi.DuckDBConnection;

/** Options of {@link createDuckDbEngine}. */
export interface DuckDbEngineOptions {
  /** Database path. Default `:memory:`. */
  path?: string;
  /** DuckDB configuration (e.g. `{ threads: '2', memory_limit: '2GB' }`). */
  config?: Record<string, string>;
}

/** A DuckDB engine; `close()` releases the database. */
export interface DuckDbEngine extends HistoricalEngine {
  /** Runs a SQL statement and returns its rows as column arrays (for tests and tools). */
  query(sql: string): Promise<Record<string, unknown[]>>;
  /** Closes the connection. */
  close(): Promise<void>;
}

const CHUNK = 2048;
const TIME_COLUMN = (name: string) => `${name}__ms`;

function loadDuckDb(): Promise<DuckDbModule> {
  return loadOptionalPeer('@duckdb/node-api', 'The duckdb engine of @mlops/features', () => import('@duckdb/node-api'));
}

interface Staged {
  name: string;
  kind: 'string' | 'number' | 'time';
  values: readonly (string | null)[] | Float64Array;
}

async function stage(duck: DuckDbModule, connection: DuckDbConnection, table: string, columns: readonly Staged[], numRows: number): Promise<void> {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const staging = `${table}__staging`;
  const defs = columns.map((c) => `${q(c.kind === 'time' ? TIME_COLUMN(c.name) : c.name)} ${c.kind === 'string' ? 'VARCHAR' : 'DOUBLE'}`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${q(staging)} (${defs.join(', ')})`);
  const appender = await connection.createAppender(staging);
  const types = columns.map((c) => (c.kind === 'string' ? duck.VARCHAR : duck.DOUBLE));
  try {
    for (let from = 0; from < numRows; from += CHUNK) {
      const to = Math.min(numRows, from + CHUNK);
      const chunk = duck.DuckDBDataChunk.create(types, to - from);
      chunk.setColumns(
        columns.map((c) => {
          const out = new Array<string | number | null>(to - from);
          for (let i = from; i < to; i++) {
            const v = c.values[i]!;
            out[i - from] = typeof v === 'number' && v !== v ? null : v;
          }
          return out;
        }),
      );
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  // Times travel as epoch-ms doubles and become TIMESTAMPs (microseconds) here.
  const selects = columns.map((c) => (c.kind === 'time' ? `make_timestamp(CAST(round(${q(TIME_COLUMN(c.name))} * 1000) AS BIGINT)) AS ${q(c.name)}` : q(c.name)));
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${q(table)} AS SELECT ${selects.join(', ')} FROM ${q(staging)}`);
  await connection.run(`DROP TABLE ${q(staging)}`);
}

function keyColumn(vector: ArrowVectorLike, name: string): Staged {
  return isUtf8Like(vector.type) ? { name, kind: 'string', values: toStringArray(vector) } : { name, kind: 'number', values: toFloat64Array(vector) };
}

/**
 * The DuckDB engine: the same point-in-time SQL that `toSql({ dialect: 'duckdb' })` writes, run
 * by DuckDB over the entity rows and sources (keys and times staged into temp tables). DuckDB
 * picks the source row per entity row; feature values are then copied from the Arrow sources,
 * so types come out exactly as with the arrow engine. Needs the optional peer `@duckdb/node-api`.
 */
export function createDuckDbEngine(options: DuckDbEngineOptions = {}): DuckDbEngine {
  let opened: Promise<{ duck: DuckDbModule; connection: DuckDbConnection; close(): void }> | undefined;
  const open = () =>
    (opened ??= (async () => {
      const duck = await loadDuckDb();
      const instance = await duck.DuckDBInstance.create(options.path ?? ':memory:', options.config);
      const connection = await instance.connect();
      return {
        duck,
        connection,
        close() {
          connection.closeSync();
          instance.closeSync();
        },
      };
    })());
  let counter = 0;
  return {
    name: 'duckdb',
    async query(sql: string) {
      const { connection } = await open();
      const reader = await connection.runAndReadAll(sql);
      return reader.getColumnsObjectJS() as Record<string, unknown[]>;
    },
    async join(plan: JoinPlan): Promise<Map<string, Vector>> {
      const { duck, connection } = await open();
      const id = `pit${counter++}`;
      const entityTable = `${id}_entity`;
      const keyColumns = new Map<string, Staged>();
      for (const part of plan.views) for (const k of part.joinKeys) if (!keyColumns.has(k)) keyColumns.set(k, keyColumn(plan.entityRows.getChild(k)!, k));
      const rowIds = new Float64Array(plan.entityRows.numRows);
      for (let i = 0; i < rowIds.length; i++) rowIds[i] = i;
      const tables: string[] = [entityTable];
      try {
        await stage(duck, connection, entityTable, [...keyColumns.values(), { name: plan.timestampColumn, kind: 'time', values: plan.entityTimes }, { name: '__row', kind: 'number', values: rowIds }], plan.entityRows.numRows);
        const views = [];
        for (const [i, part] of plan.views.entries()) {
          const table = `${id}_src${i}`;
          tables.push(table);
          const source: ArrowTableLike = part.source!;
          const times = readEpochMillisColumn(source, part.view.timestampColumn);
          checkPlausibleEpochMs(times, `view "${part.view.name}" source column "${part.view.timestampColumn}"`);
          const sourceRows = new Float64Array(source.numRows);
          for (let r = 0; r < sourceRows.length; r++) sourceRows[r] = r;
          const columns: Staged[] = [...part.joinKeys.map((k) => keyColumn(source.getChild(k)!, k)), { name: part.view.timestampColumn, kind: 'time', values: times }, { name: '__source_row', kind: 'number', values: sourceRows }];
          for (const [k, staged] of columns.entries()) {
            const entityKind = keyColumns.get(part.joinKeys[k] ?? '')?.kind;
            if (k < part.joinKeys.length && entityKind !== staged.kind) {
              throw new MlopsError('SCHEMA_MISMATCH', `view "${part.view.name}" source: join key "${part.joinKeys[k]}" is ${staged.kind === 'string' ? 'a string' : 'an integer'} column but the entity rows' is not. Use one type for the key everywhere.`);
            }
          }
          let tableSql = `"${table}"`;
          if (part.parquetPath) {
            // Straight over the file: keys, times and the file row number (= the Arrow row index).
            const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
            const time = (c: string) => `make_timestamp(epoch_us(${q(c)})) AS ${q(c)}`;
            const select = [...part.joinKeys.map(q), time(part.view.timestampColumn), ...(part.view.createdTimestampColumn ? [time(part.view.createdTimestampColumn)] : []), 'CAST(file_row_number AS DOUBLE) AS "__source_row"'];
            tableSql = `(SELECT ${select.join(', ')} FROM read_parquet('${part.parquetPath.replaceAll("'", "''")}', file_row_number = true))`;
          } else {
            if (part.view.createdTimestampColumn) columns.push({ name: part.view.createdTimestampColumn, kind: 'time', values: readEpochMillisColumn(source, part.view.createdTimestampColumn) });
            await stage(duck, connection, table, columns, source.numRows);
          }
          views.push({
            name: part.view.name,
            table: tableSql,
            keys: part.joinKeys,
            timestampColumn: part.view.timestampColumn,
            createdTimestampColumn: part.view.createdTimestampColumn,
            ttlMs: part.view.ttlMs,
            columns: [{ source: '__source_row', as: `${part.view.name}__source_row` }],
            tieBreakColumn: '__source_row',
          });
        }
        const sql = pointInTimeSql('duckdb', {
          entityTable: `"${entityTable}"`,
          timestampColumn: plan.timestampColumn,
          rowIdColumn: '__row',
          generateRowId: false,
          entityColumns: ['__row'],
          views,
          outputs: views.map((v) => ({ view: v.name, column: `${v.name}__source_row`, as: `${v.name}__source_row` })),
        });
        const reader = await connection.runAndReadAll(sql);
        const result = reader.getColumnsObjectJS() as Record<string, (number | null)[]>;
        const out = new Map<string, Vector>();
        const order = result.__row!;
        plan.views.forEach((part) => {
          const matched = result[`${part.view.name}__source_row`]!;
          const rows = new Int32Array(plan.entityRows.numRows).fill(-1);
          for (let i = 0; i < order.length; i++) {
            const m = matched[i];
            if (m !== null && m !== undefined) rows[order[i]!] = m;
          }
          for (const f of part.features) out.set(fullName(part.view.name, f), gatherColumn(part.source!.getChild(f)!, rows));
        });
        return out;
      } finally {
        for (const t of tables) await connection.run(`DROP TABLE IF EXISTS "${t}"`).catch(() => undefined);
      }
    },
    async close() {
      if (!opened) return;
      const o = await opened.catch(() => undefined);
      opened = undefined;
      o?.close();
    },
  };
}


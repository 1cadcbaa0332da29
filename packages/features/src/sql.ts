import { InvalidArgumentError } from '@mlops/contracts';
import type { Catalog } from './catalog.js';
import { joinKeysOf } from './catalog.js';
import { fullName, resolveFeatureRefs } from './feature-refs.js';

/** SQL dialects `toSql` writes. */
export type SqlDialect = 'duckdb' | 'spark' | 'bigquery' | 'snowflake' | 'postgres';

/** The dialects `toSql` writes, in one list. */
export const SQL_DIALECTS: readonly SqlDialect[] = ['duckdb', 'spark', 'bigquery', 'snowflake', 'postgres'];

/** Options of `toSql`. */
export interface SqlOptions {
  /** Target dialect. */
  dialect: SqlDialect;
  /** Entity rows table (inserted verbatim, may be qualified). Default `entity_rows`. */
  entityTable?: string;
  /** Source table per view (inserted verbatim). Default: the view name. */
  sourceTables?: Readonly<Record<string, string>>;
  /** Entity timestamp column. Default `event_timestamp`. */
  timestampColumn?: string;
  /**
   * A column of the entity table that is unique per row (duplicate entity rows need their own
   * id). Default: one is numbered in a CTE (`ROW_NUMBER() OVER ()`, Spark
   * `monotonically_increasing_id()`) and returned as `entity_row_id`.
   */
  entityRowIdColumn?: string;
  /** Entity columns to return. Default: all (`er.*`). */
  entityColumns?: readonly string[];
}

interface Dialect {
  quote(name: string): string;
  /** Boolean SQL: feature time `f` is within `ttlMs` of entity time `e` (inclusive). */
  withinTtl(f: string, e: string, ttlMs: number): string;
  rowNumber: string;
  /** QUALIFY supported (else the window goes in a subquery). */
  qualify: boolean;
  /** ORDER BY suffix so that a null created time loses. */
  descNullsLast: string;
}

const doubleQuote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const backtick = (name: string) => `\`${name.replaceAll('`', '``')}\``;

const DIALECTS: Record<SqlDialect, Dialect> = {
  duckdb: { quote: doubleQuote, withinTtl: (f, e, ms) => `${f} >= ${e} - INTERVAL '${ms} milliseconds'`, rowNumber: 'ROW_NUMBER() OVER ()', qualify: true, descNullsLast: 'DESC NULLS LAST' },
  postgres: { quote: doubleQuote, withinTtl: (f, e, ms) => `${f} >= ${e} - INTERVAL '${ms} milliseconds'`, rowNumber: 'ROW_NUMBER() OVER ()', qualify: false, descNullsLast: 'DESC NULLS LAST' },
  snowflake: { quote: doubleQuote, withinTtl: (f, e, ms) => `${f} >= DATEADD(millisecond, -${ms}, ${e})`, rowNumber: 'ROW_NUMBER() OVER (ORDER BY NULL)', qualify: true, descNullsLast: 'DESC NULLS LAST' },
  // UNIX_MILLIS keeps millisecond TTLs exact (INTERVAL has no MILLISECOND part in every BigQuery tool).
  // BigQuery sorts nulls last for DESC by default.
  bigquery: { quote: backtick, withinTtl: (f, e, ms) => `UNIX_MILLIS(${f}) >= UNIX_MILLIS(${e}) - ${ms}`, rowNumber: 'ROW_NUMBER() OVER ()', qualify: true, descNullsLast: 'DESC' },
  // Spark sorts nulls last for DESC by default; timestampadd needs Spark 3.3+.
  spark: { quote: backtick, withinTtl: (f, e, ms) => `${f} >= timestampadd(MILLISECOND, -${ms}, ${e})`, rowNumber: 'monotonically_increasing_id()', qualify: false, descNullsLast: 'DESC' },
};

/** One view in a point-in-time SQL statement. */
export interface SqlViewPart {
  /** View name (CTE names). */
  name: string;
  /** Source table expression, verbatim. */
  table: string;
  keys: readonly string[];
  timestampColumn: string;
  createdTimestampColumn: string | undefined;
  ttlMs: number;
  /** Source columns to return, with their names in the CTE. */
  columns: readonly { source: string; as: string }[];
  /** A last ORDER BY column (descending) that makes full ties deterministic. */
  tieBreakColumn?: string;
}

/** Shape of a point-in-time SQL statement. */
export interface SqlPlan {
  entityTable: string;
  timestampColumn: string;
  rowIdColumn: string;
  /** True: number the entity rows in a CTE; false: `rowIdColumn` exists in the table. */
  generateRowId: boolean;
  /** Entity columns to return; undefined = all. */
  entityColumns: readonly string[] | undefined;
  views: readonly SqlViewPart[];
  /** Output columns: CTE column names with their output names, in order. */
  outputs: readonly { view: string; column: string; as: string }[];
}

/** Writes the statement for a {@link SqlPlan} (shared by `toSql` and the DuckDB engine). */
export function pointInTimeSql(dialectName: SqlDialect, plan: SqlPlan): string {
  const dialect = DIALECTS[dialectName];
  const q = dialect.quote;
  const rowId = plan.rowIdColumn;
  const ctes: string[] = [
    plan.generateRowId
      ? `entity_rows__ AS (\n  SELECT e.*, ${dialect.rowNumber} AS ${q(rowId)}\n  FROM ${plan.entityTable} e\n)`
      : `entity_rows__ AS (\n  SELECT * FROM ${plan.entityTable}\n)`,
  ];
  const joins: string[] = [];
  const aliases = new Map<string, string>();
  plan.views.forEach((view, i) => {
    const alias = `v${i}`;
    aliases.set(view.name, alias);
    const cte = `${alias}_latest`;
    const fTs = `f.${q(view.timestampColumn)}`;
    const eTs = `er.${q(plan.timestampColumn)}`;
    const on = [...view.keys.map((k) => `f.${q(k)} = er.${q(k)}`), `${fTs} <= ${eTs}`].join('\n    AND ');
    const where = view.ttlMs > 0 ? dialect.withinTtl(fTs, eTs, view.ttlMs) : 'TRUE';
    const order = [
      `${fTs} DESC`,
      ...(view.createdTimestampColumn ? [`f.${q(view.createdTimestampColumn)} ${dialect.descNullsLast}`] : []),
      ...(view.tieBreakColumn ? [`f.${q(view.tieBreakColumn)} DESC`] : []),
    ].join(', ');
    const window = `ROW_NUMBER() OVER (PARTITION BY er.${q(rowId)} ORDER BY ${order})`;
    const cols = [`er.${q(rowId)} AS ${q(rowId)}`, ...view.columns.map((c) => `f.${q(c.source)} AS ${q(c.as)}`)].join(', ');
    const from = `FROM entity_rows__ er\n  JOIN ${view.table} f\n    ON ${on}\n  WHERE ${where}`;
    if (dialect.qualify) ctes.push(`${cte} AS (\n  SELECT ${cols}\n  ${from}\n  QUALIFY ${window} = 1\n)`);
    else ctes.push(`${cte} AS (\n  SELECT * FROM (\n    SELECT ${cols}, ${window} AS ${q('rn__')}\n    ${from.replaceAll('\n', '\n  ')}\n  ) ranked\n  WHERE ${q('rn__')} = 1\n)`);
    joins.push(`LEFT JOIN ${cte} ${alias} ON ${alias}.${q(rowId)} = er.${q(rowId)}`);
  });
  const selects = [
    ...(plan.entityColumns ? plan.entityColumns.map((c) => `er.${q(c)}`) : ['er.*']),
    ...plan.outputs.map((o) => `${aliases.get(o.view)}.${q(o.column)} AS ${q(o.as)}`),
  ];
  return `WITH ${ctes.join(',\n')}\nSELECT ${selects.join(', ')}\nFROM entity_rows__ er\n${joins.join('\n')}\nORDER BY er.${q(rowId)}`;
}

/**
 * The point-in-time join of `request` as one SQL statement for `dialect`, with the same
 * semantics as the arrow engine. Per view: an inner range join on the keys and
 * `feature ts <= entity ts`, the TTL as a WHERE filter (never in a LEFT JOIN's ON clause, which
 * pushes engines into nested loops), the latest row by `ROW_NUMBER()` (QUALIFY where the dialect
 * has it, a subquery otherwise), then LEFT JOINs back onto the entity rows in row order.
 */
export function toSql(catalog: Catalog, request: { features: string | readonly string[]; fullFeatureNames?: boolean }, options: SqlOptions): string {
  if (!DIALECTS[options?.dialect]) throw new InvalidArgumentError(`toSql: dialect must be one of ${SQL_DIALECTS.join(', ')}, found ${JSON.stringify(options?.dialect)}.`);
  const resolved = resolveFeatureRefs(catalog, request?.features, request?.fullFeatureNames ?? true, options.entityColumns ?? []);
  if (resolved.onDemand.length > 0) {
    throw new InvalidArgumentError(`toSql: on-demand features (${resolved.onDemand.map((o) => o.name).join(', ')}) are computed in JavaScript and have no SQL form; request them through getHistoricalFeatures.`);
  }
  const views: SqlViewPart[] = [...resolved.views].map(([name, features]) => {
    const view = catalog.views.get(name)!;
    return {
      name,
      table: options.sourceTables?.[name] ?? name,
      keys: joinKeysOf(catalog, view),
      timestampColumn: view.timestampColumn,
      createdTimestampColumn: view.createdTimestampColumn,
      ttlMs: view.ttlMs,
      columns: features.map((f) => ({ source: f, as: fullName(name, f) })),
    };
  });
  return pointInTimeSql(options.dialect, {
    entityTable: options.entityTable ?? 'entity_rows',
    timestampColumn: options.timestampColumn ?? 'event_timestamp',
    rowIdColumn: options.entityRowIdColumn ?? 'entity_row_id',
    generateRowId: options.entityRowIdColumn === undefined,
    entityColumns: options.entityColumns,
    views,
    outputs: resolved.features.map((f) => ({ view: f.view, column: fullName(f.view, f.feature), as: f.outputName })),
  });
}

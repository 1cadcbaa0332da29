import type { DuckDbEngine } from '../src/duckdb.js';

/** Column SQL types for {@link createTable}: times are epoch ms numbers or null. */
export type SqlColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP';

function literal(value: unknown, type: SqlColumnType): string {
  if (value === null || value === undefined) return `CAST(NULL AS ${type})`;
  if (type === 'TIMESTAMP') return `epoch_ms(CAST(${Number(value)} AS BIGINT))`;
  if (type === 'VARCHAR') return `'${String(value).replaceAll("'", "''")}'`;
  // A bare numeric literal is read as DECIMAL first and can land one ULP off; a string casts exactly.
  if (type === 'DOUBLE') return `CAST('${Number(value)}' AS DOUBLE)`;
  return `CAST(${String(value)} AS BIGINT)`;
}

/** Creates (or replaces) a DuckDB table from plain columns, for running generated SQL as written. */
export async function createTable(engine: DuckDbEngine, name: string, columns: Record<string, [SqlColumnType, readonly unknown[]]>): Promise<void> {
  const names = Object.keys(columns);
  const n = columns[names[0]!]![1].length;
  const defs = names.map((c) => `"${c}" ${columns[c]![0]}`).join(', ');
  await engine.query(`CREATE OR REPLACE TABLE ${name} (${defs})`);
  for (let from = 0; from < n; from += 500) {
    const rows: string[] = [];
    for (let i = from; i < Math.min(n, from + 500); i++) rows.push(`(${names.map((c) => literal(columns[c]![1][i], columns[c]![0])).join(', ')})`);
    await engine.query(`INSERT INTO ${name} VALUES ${rows.join(', ')}`);
  }
}

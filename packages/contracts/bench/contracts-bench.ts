/**
 * Benchmark of @mlops/contracts against its peers, side by side in one run:
 *
 * - column reads: toFloat64Array vs a naive per-row `vector.get(i)` loop and vs
 *   `Float64Array.from(vector)` (what callers write without this package);
 * - validateTable on a 1M-row PredictionLog;
 * - CSV read: readCsv vs DuckDB `read_csv` (in-process, materialized into a DuckDB table);
 * - Parquet write/read: ours vs DuckDB `COPY ... TO` / `CREATE TABLE AS read_parquet`;
 * - Arrow IPC: our file writer/reader vs apache-arrow's tableToIPC/tableFromIPC.
 *
 * Run: npm run bench -w @mlops/contracts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Float64, Int64, Table, TimeUnit, Timestamp, makeData, makeVector, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import {
  buildTable,
  checkTable,
  predictionLogContract,
  predictionLogSchema,
  readCsv,
  readIpcFile,
  readParquet,
  tableToParquet,
  toFloat64Array,
  validateTable,
  writeIpcFile,
} from '@mlops/contracts';

function time(fn: () => unknown, repeat = 9): number {
  fn(); // warm up
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  // The best run: on a machine shared with other work, slower runs measure the neighbours.
  return Math.min(...runs);
}

async function timeAsync(fn: () => Promise<unknown>, repeat = 5): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return Math.min(...runs);
}

const rows: { case: string; ours: string; peer: string; peerMs: string; oursMs: string; ratio: string }[] = [];
function report(name: string, peer: string, oursMs: number, peerMs: number): void {
  rows.push({ case: name, ours: '@mlops/contracts', peer, oursMs: oursMs.toFixed(1), peerMs: peerMs.toFixed(1), ratio: `${(peerMs / oursMs).toFixed(2)}x` });
  console.log(`${name}: ours ${oursMs.toFixed(1)} ms, ${peer} ${peerMs.toFixed(1)} ms -> ours is ${(peerMs / oursMs).toFixed(2)}x the speed`);
}

const N = 1_000_000;

function withNulls(vector: Vector, every: number): Vector {
  const data = vector.data[0]!;
  const bitmap = new Uint8Array(((N + 63) >> 6) << 3).fill(0xff);
  let nulls = 0;
  for (let i = 0; i < N; i += every) {
    bitmap[i >> 3]! &= ~(1 << (i & 7));
    nulls++;
  }
  return makeVector(makeData({ type: data.type, length: N, nullCount: nulls, nullBitmap: bitmap, data: data.values }));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlops-bench-'));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    // Column reads --------------------------------------------------------------------------
    const i64 = new BigInt64Array(N);
    const f64 = new Float64Array(N);
    const ts = new BigInt64Array(N);
    for (let i = 0; i < N; i++) {
      i64[i] = BigInt(i * 3 - 1000);
      f64[i] = i / 7;
      ts[i] = BigInt(1_700_000_000_000_000 + i * 1000);
    }
    const columns: [string, Vector][] = [
      ['Int64 with nulls', withNulls(makeVector({ type: new Int64(), data: i64 }), 10)],
      ['Float64 with nulls', withNulls(makeVector({ type: new Float64(), data: f64 }), 10)],
      ['Timestamp<us> -> epoch ms', makeVector({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), data: ts })],
    ];
    for (const [name, vector] of columns) {
      const ours = time(() => toFloat64Array(vector));
      const naive = time(() => {
        const out = new Float64Array(vector.length);
        for (let i = 0; i < vector.length; i++) {
          const v = vector.get(i) as number | bigint | null;
          out[i] = v === null ? NaN : Number(v);
        }
        return out;
      });
      report(`toFloat64Array ${name} (1M rows)`, 'naive vector.get loop', ours, naive);
    }
    {
      const vector = columns[1]![1];
      const ours = time(() => toFloat64Array(vector));
      const from = time(() => Float64Array.from(vector as Iterable<number>, (v) => (v === null ? NaN : v)));
      report('toFloat64Array Float64 with nulls (1M rows)', 'Float64Array.from(vector)', ours, from);
    }

    // Validation ----------------------------------------------------------------------------
    const schema = predictionLogSchema({ inputs: ['age', 'income'], outputs: ['score'] });
    const ids = Array.from({ length: N }, (_, i) => `r${i}`);
    const log = buildTable(schema, {
      request_id: ids,
      timestamp: Array.from({ length: N }, (_, i) => 1_700_000_000_000 + i),
      model_name: Array(N).fill('churn'),
      model_version: Array(N).fill('3'),
      latency_ms: f64,
      input_age: f64,
      input_income: f64,
      output_score: f64,
    });
    const contract = predictionLogContract({ inputs: ['age', 'income'], outputs: ['score'], strict: true });
    const validateMs = time(() => validateTable(log, contract));
    // A null in the last row of a non-nullable column: the check must find it in the bitmap.
    const latency = log.getChild('latency_ms')!.data[0]!;
    const bitmap = new Uint8Array(((N + 63) >> 6) << 3).fill(0xff);
    bitmap[(N - 1) >> 3]! &= ~(1 << ((N - 1) & 7));
    const lastNull = makeVector(makeData({ type: latency.type, length: N, nullCount: 1, nullBitmap: bitmap, data: latency.values }));
    const columnsByName: Record<string, Vector> = Object.fromEntries(log.schema.fields.map((f) => [f.name, log.getChild(f.name)! as Vector]));
    const broken: Table = new Table({ ...columnsByName, latency_ms: lastNull });
    const checkMs = time(() => checkTable(broken, contract));
    const naiveCheck = time(() => {
      for (const name of ['request_id', 'timestamp', 'model_name', 'model_version', 'latency_ms']) {
        const v = broken.getChild(name)!;
        for (let i = 0; i < v.length; i++) if (v.get(i) === null) return i;
      }
      return -1;
    }, 3);
    report('checkTable PredictionLog, 1M rows, null in last row (found with row index)', 'naive per-row get() null scan', checkMs, naiveCheck);
    console.log(`validateTable on the valid 1M-row log: ${validateMs.toFixed(2)} ms (null counts come from Arrow metadata)`);

    // CSV -------------------------------------------------------------------------------------
    const csvRows = 200_000;
    const lines = ['id,ts,model,score,ok,note'];
    for (let i = 0; i < csvRows; i++) {
      lines.push(`${i},2026-11-23T12:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z,m${i % 5},${(i / 9).toFixed(4)},${i % 2 === 0},"note ${i}, quoted"`);
    }
    const csvText = lines.join('\n') + '\n';
    const csvFile = path.join(dir, 'bench.csv');
    await writeFile(csvFile, csvText);
    const oursCsv = time(() => readCsv(csvText), 3);
    const duckCsv = await timeAsync(async () => {
      await duck.run('DROP TABLE IF EXISTS csv_t');
      await duck.run(`CREATE TABLE csv_t AS SELECT * FROM read_csv('${csvFile}')`);
    });
    report(`readCsv inferred types (${csvRows / 1000}k rows, 6 columns)`, 'DuckDB read_csv -> table', oursCsv, duckCsv);

    // Parquet ---------------------------------------------------------------------------------
    const pqTable = new Table({
      id: makeVector({ type: new Int64(), data: i64 }),
      x: makeVector({ type: new Float64(), data: f64 }),
      ts: makeVector({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), data: ts }),
    });
    const pqFile = path.join(dir, 'bench.parquet');
    let bytes: Uint8Array = new Uint8Array();
    const oursWrite = await timeAsync(async () => {
      bytes = await tableToParquet(pqTable);
    });
    await writeFile(pqFile, bytes);
    await duck.run(`CREATE TABLE pq_src AS SELECT * FROM read_parquet('${pqFile}')`);
    const duckWrite = await timeAsync(() => duck.run(`COPY pq_src TO '${path.join(dir, 'duck.parquet')}' (FORMAT parquet, COMPRESSION snappy)`));
    report('Parquet write (1M rows: int64, float64, timestamp)', 'DuckDB COPY TO parquet', oursWrite, duckWrite);
    const oursRead = await timeAsync(() => readParquet(pqFile));
    const duckRead = await timeAsync(async () => {
      await duck.run('DROP TABLE IF EXISTS pq_read');
      await duck.run(`CREATE TABLE pq_read AS SELECT * FROM read_parquet('${pqFile}')`);
    });
    report('Parquet read (1M rows: int64, float64, timestamp)', 'DuckDB read_parquet -> table', oursRead, duckRead);

    // Arrow IPC -------------------------------------------------------------------------------
    const ipcFile = path.join(dir, 'bench.arrow');
    const oursIpcWrite = await timeAsync(() => writeIpcFile(ipcFile, pqTable));
    const rawIpcWrite = await timeAsync(() => writeFile(path.join(dir, 'raw.arrow'), tableToIPC(pqTable, 'file')));
    report('IPC file write (1M rows, atomic)', 'apache-arrow tableToIPC + writeFile', oursIpcWrite, rawIpcWrite);
    const oursIpcRead = await timeAsync(() => readIpcFile(ipcFile));
    const { readFile } = await import('node:fs/promises');
    const rawIpcRead = await timeAsync(async () => tableFromIPC(await readFile(ipcFile)));
    report('IPC file read (1M rows, batch-wise)', 'readFile + apache-arrow tableFromIPC', oursIpcRead, rawIpcRead);
  } finally {
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\n| case | peer | ours (ms) | peer (ms) | ours vs peer (peer time / our time) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.case} | ${r.peer} | ${r.oursMs} | ${r.peerMs} | ${r.ratio} |`);
}

await main();

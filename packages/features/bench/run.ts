// Benchmarks of @mlops/features (npm run bench -w @mlops/features). One process run, peers side
// by side on the same data; figures are printed as a markdown table for BENCHMARKS.md.
// Parts: `-- pit feast online server` (any subset; default all). Sizes from the environment:
// BENCH_ENTITY_ROWS / BENCH_FEATURE_ROWS (default the issue's 1M x 10M), BENCH_ONLINE_READS
// (default 2000 per cell), BENCH_LOAD_SECONDS / BENCH_CONNECTIONS (default 5 s, 16),
// BENCH_DUCKDB_ENGINE=0 skips the end-to-end `engine: 'duckdb'` figure.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Float64, Int64, Table, TimeUnit, Timestamp, makeData, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { seededRandom } from '@mlops/contracts';
import { createFeatureServer, createFeatureStore, defineEntity, defineFeatureView } from '../src/index.js';
import type { FeatureStore } from '../src/index.js';
import { createDuckDbEngine } from '../src/duckdb.js';
import { createRedisOnlineStore } from '../src/redis.js';
import { BIGINT, DOUBLE, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { startRedisServer } from '@mlops/test-services';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTITY_ROWS = Number(process.env.BENCH_ENTITY_ROWS ?? 1_000_000);
const FEATURE_ROWS = Number(process.env.BENCH_FEATURE_ROWS ?? 10_000_000);
const ONLINE_READS = Number(process.env.BENCH_ONLINE_READS ?? 2000);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DUCKDB_ENGINE = process.env.BENCH_DUCKDB_ENGINE !== '0';
const FEATURES = 10;
const KEYS = Math.max(1, Math.floor(FEATURE_ROWS / 100));
const DAY = 86_400_000;
const TTL = 7 * DAY;
const T0 = Date.UTC(2026, 0, 1);
const SPAN = 60 * DAY;
const lines: string[] = [];
const report = (row: string) => {
  lines.push(row);
  console.log(row);
};

function int64(values: BigInt64Array): Vector {
  return makeVector(makeData({ type: new Int64(), length: values.length, data: values } as never));
}
function time(values: BigInt64Array): Vector {
  return makeVector(makeData({ type: new Timestamp(TimeUnit.MILLISECOND, 'UTC'), length: values.length, data: values } as never));
}
function float(values: Float64Array): Vector {
  return makeVector(makeData({ type: new Float64(), length: values.length, data: values } as never));
}
async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const out = await run();
  return [(performance.now() - started) / 1000, out];
}
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function pointInTime(): Promise<void> {
  const random = seededRandom(7);
  const fk = new BigInt64Array(FEATURE_ROWS);
  const ft = new BigInt64Array(FEATURE_ROWS);
  const fv = Array.from({ length: FEATURES }, () => new Float64Array(FEATURE_ROWS));
  for (let i = 0; i < FEATURE_ROWS; i++) {
    fk[i] = BigInt(Math.floor(random() * KEYS));
    ft[i] = BigInt(T0 + Math.floor(random() * SPAN));
    for (const column of fv) column[i] = random();
  }
  const ek = new BigInt64Array(ENTITY_ROWS);
  const et = new BigInt64Array(ENTITY_ROWS);
  for (let i = 0; i < ENTITY_ROWS; i++) {
    ek[i] = BigInt(Math.floor(random() * KEYS * 1.05)); // ~5% keys without feature rows
    et[i] = BigInt(T0 + Math.floor(random() * SPAN));
  }
  const featureColumns: Record<string, Vector> = { driver_id: int64(fk), event_timestamp: time(ft) };
  fv.forEach((c, i) => (featureColumns[`f${i}`] = float(c)));
  const source = new Table(featureColumns);
  const entityRows = new Table({ driver_id: int64(ek), event_timestamp: time(et) });
  const inputBytes = FEATURE_ROWS * (16 + 8 * FEATURES) + ENTITY_ROWS * 16;
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const view = defineFeatureView({ name: 'stats', entities: [driver], source, ttlMs: TTL, features: fv.map((_, i) => `f${i}`) });
  const store = createFeatureStore({ entities: [driver], views: [view] });
  const features = fv.map((_, i) => `stats:f${i}`);
  const rssBefore = process.memoryUsage().rss;

  const [arrowSeconds, arrowOut] = await timed(() => store.getHistoricalFeatures({ entityRows, features }));
  const rssAfter = process.resourceUsage().maxRSS * 1024;
  const f0 = arrowOut.getChild('stats__f0')!;
  let matched = 0;
  let checksum = 0;
  for (let i = 0; i < f0.length; i++) {
    if (!f0.isValid(i)) continue;
    matched++;
    checksum += f0.get(i) as number;
  }

  // DuckDB: load once (not timed in the query figures), then the ASOF form and the range-join form.
  const engine = createDuckDbEngine();
  const [duckEngineSeconds] = DUCKDB_ENGINE ? await timed(() => store.getHistoricalFeatures({ entityRows, features, engine })) : [NaN];
  const dir = mkdtempSync(path.join(tmpdir(), 'features-bench-'));
  try {
    writeFileSync(path.join(dir, 'entity_key.bin'), Buffer.from(ek.buffer));
    writeFileSync(path.join(dir, 'entity_ts.bin'), Buffer.from(et.buffer));
    writeFileSync(path.join(dir, 'feature_key.bin'), Buffer.from(fk.buffer));
    writeFileSync(path.join(dir, 'feature_ts.bin'), Buffer.from(ft.buffer));
    const all = new Float64Array(FEATURE_ROWS * FEATURES);
    fv.forEach((c, i) => all.set(c, i * FEATURE_ROWS));
    writeFileSync(path.join(dir, 'feature_values.bin'), Buffer.from(all.buffer));
    const cols = fv.map((_, i) => `f${i}`);
    const duck = await openDuckDb();
    const [duckLoad] = await timed(() => loadIntoDuckDb(duck, ek, et, fk, ft, fv));
    const [asofSeconds] = await timed(() =>
      duck.run(
        `CREATE OR REPLACE TEMP TABLE asof_out AS SELECT e.row_id, ${cols.map((c) => `CASE WHEN f.event_timestamp >= e.event_timestamp - INTERVAL '${TTL} milliseconds' THEN f.${c} END AS ${c}`).join(', ')}
         FROM entity_rows e ASOF LEFT JOIN stats f ON e.driver_id = f.driver_id AND e.event_timestamp >= f.event_timestamp ORDER BY e.row_id`,
      ),
    );
    const sql = store.toSql({ features }, { dialect: 'duckdb', entityTable: 'entity_rows', sourceTables: { stats: 'stats' }, entityRowIdColumn: 'row_id', entityColumns: ['row_id'] });
    const [rangeSeconds] = await timed(() => duck.run(`CREATE OR REPLACE TEMP TABLE range_out AS ${sql}`));
    const check = (await duck.runAndReadAll(`SELECT count(f0) AS asof_n, (SELECT count(stats__f0) FROM range_out) AS range_n FROM asof_out`)).getColumnsObjectJS();
    duck.closeSync();
    await engine.close();
    const pandas = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'pandas_asof.py'), dir, String(ENTITY_ROWS), String(FEATURE_ROWS), String(FEATURES), String(TTL)], { encoding: 'utf8' })) as {
      seconds: number;
      matched: number;
      checksum: number;
      maxRssMiB: number;
    };
    const agree = Number(check.asof_n![0]) === matched && Number(check.range_n![0]) === matched && pandas.matched === matched && Math.abs(pandas.checksum - checksum) < 1e-6 * Math.max(1, checksum);
    const best = Math.min(asofSeconds, rangeSeconds);
    const size = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
    report(`| PIT ${size(ENTITY_ROWS)} x ${size(FEATURE_ROWS)} x ${FEATURES}, TTL 7 d | arrow engine ${arrowSeconds.toFixed(2)} s | DuckDB ASOF ${asofSeconds.toFixed(2)} s (arrow/peer ${(arrowSeconds / asofSeconds).toFixed(2)}x) | DuckDB range join + QUALIFY ${rangeSeconds.toFixed(2)} s (${(arrowSeconds / rangeSeconds).toFixed(2)}x) | pandas merge_asof ${pandas.seconds.toFixed(2)} s (${(arrowSeconds / pandas.seconds).toFixed(2)}x) |`);
    report(`| PIT memory | input ${mib(inputBytes)} MiB; process max RSS ${mib(rssAfter)} MiB = ${(rssAfter / inputBytes).toFixed(2)}x input (${mib(rssBefore)} MiB before the join, growth ${((rssAfter - rssBefore) / inputBytes).toFixed(2)}x input) | pandas max RSS ${pandas.maxRssMiB.toFixed(0)} MiB | | |`);
    report(`| PIT checks | matched rows agree across all four: ${agree ? 'yes' : 'NO'} (${matched} of ${ENTITY_ROWS}) | targets: faster than pandas ${arrowSeconds < pandas.seconds ? 'yes' : 'NO'}; within 2x of DuckDB's best ${arrowSeconds <= 2 * best ? 'yes' : 'NO'} (${(arrowSeconds / best).toFixed(2)}x); RSS < 3x input ${rssAfter < 3 * inputBytes ? 'yes' : 'NO'} | duckdb engine end to end ${DUCKDB_ENGINE ? `${duckEngineSeconds.toFixed(2)} s` : 'skipped'}; DuckDB table load ${duckLoad.toFixed(2)} s (not in the query figures) | |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openDuckDb(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

// Appends through DataChunks (times as epoch-ms doubles, converted once in SQL), outside the timed queries.
async function loadIntoDuckDb(duck: DuckDBConnection, ek: BigInt64Array, et: BigInt64Array, fk: BigInt64Array, ft: BigInt64Array, fv: Float64Array[]): Promise<void> {
  const cols = fv.map((_, i) => `f${i}`);
  const append = async (table: string, types: DuckDBType[], n: number, column: (c: number, i: number) => number | bigint) => {
    const appender = await duck.createAppender(table);
    for (let from = 0; from < n; from += 2048) {
      const to = Math.min(n, from + 2048);
      const chunk = DuckDBDataChunk.create(types, to - from);
      chunk.setColumns(types.map((_, c) => Array.from({ length: to - from }, (_, k) => column(c, from + k))));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
    appender.closeSync();
  };
  await duck.run(`CREATE TABLE entity_stage (row_id BIGINT, driver_id BIGINT, ts DOUBLE)`);
  await append('entity_stage', [BIGINT, BIGINT, DOUBLE], ek.length, (c, i) => (c === 0 ? BigInt(i) : c === 1 ? ek[i]! : Number(et[i]!)));
  await duck.run(`CREATE TABLE entity_rows AS SELECT row_id, driver_id, epoch_ms(CAST(ts AS BIGINT)) AS event_timestamp FROM entity_stage`);
  await duck.run(`CREATE TABLE stats_stage (driver_id BIGINT, ts DOUBLE, ${cols.map((c) => `${c} DOUBLE`).join(', ')})`);
  await append('stats_stage', [BIGINT, DOUBLE, ...cols.map(() => DOUBLE)], fk.length, (c, i) => (c === 0 ? fk[i]! : c === 1 ? Number(ft[i]!) : fv[c - 2]![i]!));
  await duck.run(`CREATE TABLE stats AS SELECT driver_id, epoch_ms(CAST(ts AS BIGINT)) AS event_timestamp, ${cols.join(', ')} FROM stats_stage`);
}

async function feastAnchor(): Promise<void> {
  const random = seededRandom(11);
  const rowsPerView = 10_000;
  const entityRows = 17_000;
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const views = Array.from({ length: 10 }, (_, v) => {
    const columns: Record<string, Vector> = {
      driver_id: int64(BigInt64Array.from({ length: rowsPerView }, () => BigInt(Math.floor(random() * 5000)))),
      event_timestamp: time(BigInt64Array.from({ length: rowsPerView }, () => BigInt(T0 + Math.floor(random() * SPAN)))),
    };
    for (let f = 0; f < 100; f++) columns[`f${f}`] = float(Float64Array.from({ length: rowsPerView }, () => random()));
    return defineFeatureView({ name: `view${v}`, entities: [driver], source: new Table(columns), ttlMs: TTL, features: Array.from({ length: 100 }, (_, f) => `f${f}`) });
  });
  const store = createFeatureStore({ entities: [driver], views });
  const rows = new Table({
    driver_id: int64(BigInt64Array.from({ length: entityRows }, () => BigInt(Math.floor(random() * 5000)))),
    event_timestamp: time(BigInt64Array.from({ length: entityRows }, () => BigInt(T0 + Math.floor(random() * SPAN)))),
  });
  const [seconds, out] = await timed(() => store.getHistoricalFeatures({ entityRows: rows, features: views.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`)) }));
  report(`| Feast anchor (feast#3003): 17k entity rows x 1,000 features, 10 views of 10k rows | arrow engine ${seconds.toFixed(2)} s (${out.numCols} columns) | Feast file store: ~30 min, 50 GB (reported) | target < 10 s | |`);
}

interface OnlineFixture {
  redisStore: FeatureStore;
  memoryStore: FeatureStore;
  features: string[];
  entities: number;
  random: () => number;
  close(): Promise<void>;
}

// 10k entities x 50 features materialized into a real redis-server and the memory store.
async function onlineFixture(): Promise<OnlineFixture> {
  const redis = await startRedisServer();
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const random = seededRandom(3);
  const n = 10_000;
  const columns: Record<string, Vector> = {
    driver_id: int64(BigInt64Array.from({ length: n }, (_, i) => BigInt(i))),
    event_timestamp: time(BigInt64Array.from({ length: n }, () => BigInt(T0))),
  };
  for (let f = 0; f < 50; f++) columns[`f${f}`] = float(Float64Array.from({ length: n }, () => random()));
  const view = defineFeatureView({ name: 'stats', entities: [driver], source: new Table(columns), features: Array.from({ length: 50 }, (_, f) => `f${f}`) });
  const redisStore = createFeatureStore({ entities: [driver], views: [view], online: createRedisOnlineStore({ url: redis.url }) });
  const memoryStore = createFeatureStore({ entities: [driver], views: [view] });
  for (const s of [redisStore, memoryStore]) await s.materialize({ start: T0, end: T0 });
  return {
    redisStore,
    memoryStore,
    features: view.features.map((f) => `stats:${f.name}`),
    entities: n,
    random,
    close: async () => {
      await redisStore.close();
      await memoryStore.close();
      await redis.stop();
    },
  };
}

async function online(fixture: OnlineFixture): Promise<void> {
  const { features, random, entities } = fixture;
  for (const [label, store] of [['Redis (loopback)', fixture.redisStore], ['memory', fixture.memoryStore]] as const) {
    const cells: string[] = [];
    for (const batch of [1, 100]) {
      const samples: number[] = [];
      for (let i = 0; i < ONLINE_READS; i++) {
        const ids = Array.from({ length: batch }, () => Math.floor(random() * entities));
        const started = performance.now();
        await store.getOnlineFeatures({ features, entities: { driver_id: ids } });
        if (i >= ONLINE_READS / 10) samples.push(performance.now() - started); // first 10%: warm-up
      }
      samples.sort((a, b) => a - b);
      cells.push(`${batch} x 50: p50 ${pct(samples, 0.5).toFixed(2)} ms, p99 ${pct(samples, 0.99).toFixed(2)} ms`);
    }
    report(`| getOnlineFeatures, ${label}, ${ONLINE_READS} sequential reads | ${cells[0]} | ${cells[1]} | Feast Go + Redis p99: 2.6 / 27.5 ms; targets 2 / 10 ms | |`);
  }
}

function load(url: string, body: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'load.mjs'), url, body, String(CONNECTIONS), String(LOAD_SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

// Feature server (Redis) vs a bare node:http server answering the same JSON bytes (the HTTP
// ceiling), each under closed-loop load from a separate process.
async function server(fixture: OnlineFixture): Promise<void> {
  const featureServer = await createFeatureServer({ store: fixture.redisStore, port: 0 });
  const { createServer } = await import('node:http');
  try {
    for (const batch of (process.env.BENCH_SERVER_BATCHES ?? '1,100').split(',').map(Number)) {
      const body = JSON.stringify({ features: fixture.features, entities: { driver_id: Array.from({ length: batch }, (_, i) => (i * 97) % fixture.entities) } });
      const answer = await (await fetch(`${featureServer.url}/get-online-features`, { method: 'POST', body })).text();
      const echo = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
          res.end(answer);
        });
      });
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
      try {
        const feature = await load(`${featureServer.url}/get-online-features`, body);
        const bare = await load(`http://127.0.0.1:${(echo.address() as { port: number }).port}/get-online-features`, body);
        report(
          `| feature server (Redis), ${batch} x 50, ${CONNECTIONS} connections, ${LOAD_SECONDS} s, load from another process | ${feature.rps.toFixed(0)} req/s, p50 ${feature.p50.toFixed(2)} ms, p99 ${feature.p99.toFixed(2)} ms | bare node:http echo of the same JSON: ${bare.rps.toFixed(0)} req/s, p50 ${bare.p50.toFixed(2)} ms, p99 ${bare.p99.toFixed(2)} ms | ratio ${(feature.rps / bare.rps).toFixed(2)} of the HTTP ceiling | errors ${feature.errors + bare.errors} |`,
        );
      } finally {
        await new Promise<void>((r) => echo.close(() => r()));
      }
    }
  } finally {
    await featureServer.close();
  }
}

const PARTS = ['pit', 'feast', 'online', 'server'] as const;
const args = process.argv.slice(2).filter((a) => a !== '--');
const unknown = args.filter((a) => a !== 'all' && !(PARTS as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`Unknown part(s) ${unknown.join(', ')}; expected any of ${PARTS.join(', ')} (default: all).`);
  process.exit(2);
}
const chosen = new Set<string>(args.length === 0 || args.includes('all') ? PARTS : args);
const part = async (name: string, run: () => Promise<void>) => {
  if (!chosen.has(name)) return;
  const [seconds] = await timed(run);
  console.log(`(${name}: ${seconds.toFixed(1)} s wall)`);
};
console.log(`load before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${new Date().toISOString()}; parts: ${[...chosen].join(', ')}`);
console.log('| benchmark | @mlops/features | peer | peer | peer |\n| --- | --- | --- | --- | --- |');
await part('pit', pointInTime);
await part('feast', feastAnchor);
if (chosen.has('online') || chosen.has('server')) {
  const fixture = await onlineFixture();
  try {
    await part('online', () => online(fixture));
    await part('server', () => server(fixture));
  } finally {
    await fixture.close();
  }
}
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

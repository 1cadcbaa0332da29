/**
 * Benchmark: N usage records (default 10M) over 1,000 nodes, attributed hourly (exact interval
 * intersection, AWS split weights, idle per node and resource) and aggregated by two labels
 * (team, model) per hour. Runs @mlops/cost and the same computation in DuckDB SQL on the same
 * data side by side, checks they agree, and prints the ratio.
 *
 *   npm run bench -w @mlops/cost [-- records nodes]
 */
import os from 'node:os';
import { DOUBLE, INTEGER, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBDoubleVector, DuckDBIntegerVector } from '@duckdb/node-api';
import { aggregateCosts, attributeAndAggregate, attributeCosts, resourceShares, samplePriceCatalog } from '../src/index.js';
import { readNumbers, readStrings } from '../src/arrow-columns.js';
import { syntheticUsage, syntheticUsageTable } from './synthetic-usage.js';

const records = Number(process.argv[2] ?? 10_000_000);
const nodeCount = Number(process.argv[3] ?? 1000);
const H = 3_600_000;

function ms(t: number): string {
  return `${(performance.now() - t).toFixed(0)} ms`;
}

let t = performance.now();
const u = syntheticUsage(records, nodeCount);
const usage = syntheticUsageTable(u);
console.log(`generated ${u.n.toLocaleString()} usage rows over ${nodeCount} nodes, ${u.hours} h (${ms(t)})`);
const prices = samplePriceCatalog();
const window = { step: 'hour' as const, start: u.t0, end: u.t0 + u.hours * H };
// Every node lives for the whole range (as in the SQL below), so idle covers the empty hours too.
const assets = Array.from({ length: nodeCount }, (_, k) => ({
  node: `node-${String(k).padStart(4, '0')}`,
  instanceType: 'p4d.24xlarge',
  region: 'us-east-1',
  pricingModel: k % 10 < 3 ? ('spot' as const) : ('on-demand' as const),
}));

// --- DuckDB: load the same columns (numbers and dictionary codes) through the appender.
t = performance.now();
const instance = await DuckDBInstance.create(':memory:', { threads: String(os.cpus().length) });
const con = await instance.connect();
await con.run('CREATE TABLE usage (start_ms DOUBLE, end_ms DOUBLE, kind INTEGER, quantity DOUBLE, request DOUBLE, node INTEGER, team INTEGER, model INTEGER)');
const appender = await con.createAppender('usage');
const CH = 2048;
const chunk = DuckDBDataChunk.create([DOUBLE, DOUBLE, INTEGER, DOUBLE, DOUBLE, INTEGER, INTEGER, INTEGER], CH);
const cols = [u.start, u.end, u.kind, u.quantity, u.request, u.node, u.team, u.model];
for (let from = 0; from < u.n; from += CH) {
  const len = Math.min(CH, u.n - from);
  cols.forEach((src, c) => {
    const v = chunk.getColumnVector(c) as DuckDBDoubleVector | DuckDBIntegerVector;
    for (let i = 0; i < len; i++) {
      const x = src[from + i]!;
      v.setItem(i, Number.isNaN(x) ? null : x);
    }
    v.flush();
  });
  chunk.rowCount = len;
  appender.appendDataChunk(chunk);
}
appender.flushSync();
appender.closeSync();
const shares = resourceShares('aws-split', { gpu: 8, vcpu: 96, memoryGiB: 1152 });
const caps = [8, 96, 1152];
const rateRows: string[] = [];
for (let k = 0; k < nodeCount; k++) {
  const hourly = (k % 10 < 3 ? 11.5705 : 32.7726) * 1e6;
  for (let r = 0; r < 3; r++) rateRows.push(`(${k}, ${r}, ${hourly * shares[r]!}, ${caps[r]})`);
}
await con.run('CREATE TABLE node_rates (node INTEGER, kind INTEGER, asset_micros DOUBLE, cap DOUBLE)');
await con.run(`INSERT INTO node_rates VALUES ${rateRows.join(',')}`);
console.log(`DuckDB load (appender, not timed below): ${ms(t)}`);

const sql = `
WITH s AS (
  SELECT node, kind, team, model, start_ms, end_ms,
         GREATEST(quantity, COALESCE(request, quantity)) AS charged,
         UNNEST(range(CAST(floor(start_ms / ${H}) AS BIGINT), CAST(ceil(end_ms / ${H}) AS BIGINT))) AS w
  FROM usage
), c AS (
  SELECT w, node, kind, team, model,
         SUM(charged * (LEAST(end_ms, (w + 1) * ${H}.0) - GREATEST(start_ms, w * ${H}.0))) AS unit_ms
  FROM s GROUP BY ALL
), a AS (
  SELECT c.w, c.node, c.kind, c.team, c.model, round(r.asset_micros * c.unit_ms / (r.cap * ${H}.0)) AS micros
  FROM c JOIN node_rates r ON r.node = c.node AND r.kind = c.kind
), used AS (
  SELECT w, node, kind, SUM(micros) AS micros FROM a GROUP BY ALL
), windows AS (
  SELECT UNNEST(range(CAST(${u.t0 / H} AS BIGINT), CAST(${u.t0 / H + u.hours} AS BIGINT))) AS w
), idle AS (
  SELECT x.w, round(r.asset_micros) - COALESCE(used.micros, 0) AS micros
  FROM windows x CROSS JOIN node_rates r LEFT JOIN used ON used.w = x.w AND used.node = r.node AND used.kind = r.kind
)
SELECT w, team, model, SUM(micros) AS micros FROM a GROUP BY ALL
UNION ALL
SELECT w, -1, -1, SUM(micros) FROM idle GROUP BY w`;

// Timed runs return only the total; the group-by-group comparison runs once, untimed, so its big
// JS maps do not sit in the heap (and slow every GC) while the other side is being timed.
async function duck(detail: boolean): Promise<{ ms: number; total: number; groups: Map<string, number> | null }> {
  const t0 = performance.now();
  const reader = await con.runAndReadAll(sql);
  const elapsed = performance.now() - t0;
  let total = 0;
  const groups = detail ? new Map<string, number>() : null;
  for (const [w, team, model, micros] of reader.getRows()) {
    total += Number(micros);
    groups?.set(`${Number(w) * H}|${Number(team) < 0 ? '__idle__' : `team-${team}`}|${Number(model) < 0 ? '__idle__' : `model-${model}`}`, Number(micros));
  }
  return { ms: elapsed, total, groups };
}

function ours(duplicates: 'error' | 'allow', detail: boolean, fused = false): { ms: number; total: number; groups: Map<string, number> | null } {
  const t0 = performance.now();
  const aggregate = { groupBy: ['team', 'model'], window: 'hour' as const };
  const agg = fused
    ? attributeAndAggregate({ usage, prices, assets, window, duplicates, aggregate })
    : aggregateCosts(attributeCosts({ usage, prices, assets, window, duplicates }), aggregate);
  const elapsed = performance.now() - t0;
  const micros = readNumbers(agg.getChild('total_micros')!, 'total_micros', 'number');
  const total = micros.reduce((x, y) => x + y, 0);
  if (!detail) return { ms: elapsed, total, groups: null };
  const ws = readNumbers(agg.getChild('window_start')!, 'window_start', 'time');
  const team = readStrings(agg.getChild('team')!, 'team');
  const model = readStrings(agg.getChild('model')!, 'model');
  const groups = new Map<string, number>();
  for (let i = 0; i < agg.numRows; i++) groups.set(`${ws[i]}|${team[i]}|${model[i]}`, micros[i]!);
  return { ms: elapsed, total, groups };
}

// The first run of each side also checks that both agree group by group (the JS maps are built
// after the timer stops); further runs only time. BENCH_RUNS sets the number of runs (default 3).
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const duckTimes: number[] = [];
const ourTimes: number[] = [];
const ourAllowTimes: number[] = [];
const fusedTimes: number[] = [];
{
  const d = await duck(true);
  duckTimes.push(d.ms);
  const o = ours('error', true);
  ourTimes.push(o.ms);
  let maxDiff = 0;
  let missing = 0;
  for (const [k, v] of o.groups!) {
    const dv = d.groups!.get(k);
    if (dv === undefined) missing++;
    else maxDiff = Math.max(maxDiff, Math.abs(v - dv));
  }
  console.log(
    `check: ${o.groups!.size} groups vs DuckDB ${d.groups!.size} (${missing} missing); total $${(o.total / 1e6).toFixed(2)} vs $${(d.total / 1e6).toFixed(2)}; ` +
      `largest per-group difference ${maxDiff} micro-dollars (DuckDB rounds each cell on its own; @mlops/cost splits each node-hour exactly)`,
  );
}
ourAllowTimes.push(ours('allow', false).ms);
{
  // The fused path must give the very same groups.
  const f = ours('error', true, true);
  fusedTimes.push(f.ms);
  const o = ours('error', true);
  let differ = f.groups!.size === o.groups!.size ? 0 : 1;
  for (const [k, v] of f.groups!) if (o.groups!.get(k) !== v) differ++;
  console.log(`check: attributeAndAggregate vs attributeCosts+aggregateCosts: ${differ} differing groups`);
}
for (let r = 1; r < runs; r++) {
  duckTimes.push((await duck(false)).ms);
  ourTimes.push(ours('error', false).ms);
  ourAllowTimes.push(ours('allow', false).ms);
  fusedTimes.push(ours('error', false, true).ms);
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (shared with other work)`);
console.log(`@mlops/cost attribute+aggregate (duplicate check on):  median ${median(ourTimes).toFixed(0)} ms of ${ourTimes.map((x) => x.toFixed(0)).join(', ')}`);
console.log(`@mlops/cost attribute+aggregate (duplicates: 'allow'): median ${median(ourAllowTimes).toFixed(0)} ms of ${ourAllowTimes.map((x) => x.toFixed(0)).join(', ')}`);
console.log(`@mlops/cost attributeAndAggregate (fused, dup check on): median ${median(fusedTimes).toFixed(0)} ms of ${fusedTimes.map((x) => x.toFixed(0)).join(', ')}`);
console.log(`DuckDB SQL (same attribution + aggregation):          median ${median(duckTimes).toFixed(0)} ms of ${duckTimes.map((x) => x.toFixed(0)).join(', ')}`);
console.log(`ratio @mlops/cost / DuckDB: ${(median(ourTimes) / median(duckTimes)).toFixed(2)}x (default), ${(median(ourAllowTimes) / median(duckTimes)).toFixed(2)}x (no duplicate check), ${(median(fusedTimes) / median(duckTimes)).toFixed(2)}x (fused)`);

// Benchmark 4: createDriftMonitor().observe() cost and memory, side by side with its peer.
// Peer: createProfileBuilder().add() on the same Arrow batches, the profiling core a hand-made
// monitor would call (no windows, no data-quality counters, no reports).
//   DRIFT_BENCH_MONITOR_SECONDS (default 3) per throughput phase, DRIFT_BENCH_MONITOR_ROWS
//   (default 20M) for the memory run. Run with node --expose-gc (the npm script does) for RSS.
import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { cpus, loadavg } from 'node:os';
import { createDriftMonitor, createProfileBuilder } from '../src/index.js';
import { sortFloat64 } from '../src/internal/radix-sort.js';
import { normalGenerator } from './common.js';

const COLUMNS = 20;
const BATCH = 1000;

function batchOf(seed: number): { table: Table; rows: Record<string, number>[] } {
  const g = normalGenerator(seed);
  const cols: Record<string, Float64Array> = {};
  for (let c = 0; c < COLUMNS; c++) cols[`f${c}`] = Float64Array.from({ length: BATCH }, () => g());
  const rows = Array.from({ length: BATCH }, (_, i) => Object.fromEntries(Object.keys(cols).map((k) => [k, cols[k]![i]!])));
  return { table: tableFromArrays(cols), rows };
}

function rate(seconds: number, step: () => number): { rowsPerCpuSecond: number; rowsPerWallSecond: number } {
  for (let i = 0; i < 50; i++) step(); // warm up the JIT
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let rows = 0;
  while (performance.now() - w0 < seconds * 1000) rows += step();
  const c = process.cpuUsage(c0);
  return { rowsPerCpuSecond: rows / ((c.user + c.system) / 1e6), rowsPerWallSecond: rows / ((performance.now() - w0) / 1000) };
}

const gc = (globalThis as { gc?: () => void }).gc;
function rssMiB(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

export function runMonitorBench(): void {
  const seconds = Number(process.env.DRIFT_BENCH_MONITOR_SECONDS ?? 3);
  const memoryRows = Number(process.env.DRIFT_BENCH_MONITOR_ROWS ?? 20_000_000);
  console.log(`\n# 4. monitor.observe(): ${COLUMNS} Float64 columns, ${BATCH}-row batches; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const reference = batchOf(1).table;
  const ref = tableFromArrays(Object.fromEntries(reference.schema.fields.map((f) => [f.name, Float64Array.from({ length: 5000 }, normalGenerator(7))])));
  const batches = [batchOf(2), batchOf(3), batchOf(4), batchOf(5)];
  let k = 0;
  const monitor = createDriftMonitor({ reference: ref, window: { rows: 100_000 } });
  let builder = createProfileBuilder();
  let builderRows = 0;
  // Interleaved rounds: each phase runs in the same conditions as its peer.
  const results: Record<string, number[]> = { monitorBatch: [], peerBatch: [], monitorRows: [] };
  for (let round = 0; round < 3; round++) {
    results.monitorBatch!.push(rate(seconds, () => {
      monitor.observe(batches[k++ & 3]!.table);
      return BATCH;
    }).rowsPerCpuSecond);
    results.peerBatch!.push(rate(seconds, () => {
      builder.add(batches[k++ & 3]!.table);
      builderRows += BATCH;
      // The peer gets the same window size: a fresh builder every 100k rows.
      if (builderRows >= 100_000) {
        builder.finish();
        builder = createProfileBuilder();
        builderRows = 0;
      }
      return BATCH;
    }).rowsPerCpuSecond);
    results.monitorRows!.push(rate(seconds, () => {
      const rows = batches[k++ & 3]!.rows;
      for (let i = 0; i < rows.length; i++) monitor.observe(rows[i]!);
      return BATCH;
    }).rowsPerCpuSecond);
  }
  // Calibration: a fixed CPU-bound kernel, so figures from a crowded VM can be scaled (an idle
  // core of this class sorts 8,192 doubles in ~100 us).
  const g = normalGenerator(9);
  const sample = Float64Array.from({ length: 8192 }, () => g());
  const cal = rate(1, () => {
    sortFloat64(sample.slice());
    return 1;
  }).rowsPerCpuSecond;
  console.log(`calibration: sortFloat64(8,192 doubles) ${(1e6 / cal).toFixed(0)} us CPU`);
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const mb = median(results.monitorBatch!);
  const pb = median(results.peerBatch!);
  const mr = median(results.monitorRows!);
  const m = (v: number): string => `${(v / 1e6).toFixed(2)} M rows/CPU-s`;
  console.log(`observe(1,000-row Arrow batch): ${m(mb)} (rounds ${results.monitorBatch!.map(m).join(', ')})`);
  console.log(`peer createProfileBuilder().add(): ${m(pb)}; monitor / peer throughput ${(mb / pb).toFixed(2)}`);
  console.log(`observe(one row object) x 1,000: ${m(mr)}; per-row cost vs batch ${(mb / mr).toFixed(2)}x (target <= 2x)`);
  console.log(`TARGETS batch >= 1M rows/s: ${mb >= 1e6 ? 'MET' : 'NOT MET'}; one at a time >= 0.5M rows/s: ${mr >= 5e5 ? 'MET' : 'NOT MET'}`);
  // Memory: RSS after 1M rows vs after `memoryRows` rows (windows close every 100k rows).
  const mem = createDriftMonitor({ reference: ref, window: { rows: 100_000 } });
  let seen = 0;
  let rssAt1M = 0;
  const w0 = performance.now();
  while (seen < memoryRows) {
    mem.observe(batches[k++ & 3]!.table);
    seen += BATCH;
    if (seen === 1_000_000) rssAt1M = rssMiB();
  }
  const rssEnd = rssMiB();
  console.log(`memory: RSS ${rssAt1M.toFixed(0)} MiB after 1M rows, ${rssEnd.toFixed(0)} MiB after ${(memoryRows / 1e6).toFixed(0)}M rows (${mem.stats.windows} windows, ${((performance.now() - w0) / 1000).toFixed(0)} s wall); growth ${(rssEnd - rssAt1M).toFixed(0)} MiB${gc ? '' : ' (no --expose-gc: RSS includes uncollected garbage)'}`);
  console.log(`load after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

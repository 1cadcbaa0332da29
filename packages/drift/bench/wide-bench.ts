import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, runPython } from './common.js';
import { columnMajor, dropIpcFile, ensureIpcFile } from './ipc-data.js';
import { runChild } from './profile-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Benchmark 3 (the Evidently case), scaled: rows x cols reference vs current from Arrow IPC files,
 * default methods, both sides profiled in parallel (one child process each, with profileIpcFile) and compared.
 */
export async function runWideBench(): Promise<void> {
  const rows = Number(process.env.DRIFT_BENCH_ROWS ?? 1_000_000);
  const cols = Number(process.env.DRIFT_BENCH_WIDE_COLUMNS ?? 100);
  const dir = path.join(tmpdir(), 'mlops-drift-bench');
  mkdirSync(dir, { recursive: true });
  console.log(`\n## 3. Evidently case: ${rows.toLocaleString()} rows x ${cols} columns per side from Arrow IPC files, default methods`);
  // Named by shape, so a scaled-down run never overwrites the kept full-size pair.
  const refFile = path.join(dir, `wide-ref-${rows}x${cols}.arrows`);
  const curFile = path.join(dir, `wide-cur-${rows}x${cols}.arrows`);
  const w0 = performance.now();
  const refReused = await ensureIpcFile(refFile, rows, cols, 11);
  const curReused = await ensureIpcFile(curFile, rows, cols, 12, (c) => (c % 5 === 0 ? 0.2 : 0));
  const reused = refReused && curReused;
  console.log(reused ? `reusing ${refFile} and ${curFile} (DRIFT_BENCH_KEEP=1)` : `wrote ${refFile} and ${curFile} in ${fmt(performance.now() - w0)}${process.env.DRIFT_BENCH_KEEP === '1' ? ' (kept for the next run: DRIFT_BENCH_KEEP=1)' : ''}`);
  const size = statSync(refFile).size;
  const reader = process.env.DRIFT_BENCH_WIDE_READER ?? 'ipc-file';
  const loadBefore = loadavg();
  const r = runChild(['compare', refFile, curFile, reader]) as { cpuMs: number; compareMs: number; wallMs: number; rssMiB: number; rssParts: { reference: number; current: number; parent: number }; columns: number; drifted: number; methods: string[] };
  console.log(`@mlops/drift: ${r.columns} columns compared (${r.drifted} drifted, methods ${r.methods.join(', ')}), files ${(size / 2 ** 20).toFixed(0)} MiB per side`);
  console.log(`  wall ${fmt(r.wallMs)}, CPU ${fmt(r.cpuMs)} (compare() on the two profiles: ${fmt(r.compareMs)}), peak RSS ${r.rssMiB.toFixed(0)} MiB (sum of the two profiling processes and the parent: ${r.rssParts.reference.toFixed(0)} + ${r.rssParts.current.toFixed(0)} + ${r.rssParts.parent.toFixed(0)} MiB, each its own VmHWM)`);
  const loadAfter = loadavg();
  console.log(`  reader ${reader === 'arrow' ? 'profileBatches(RecordBatchReader)' : 'profileIpcFile'}; load average (1/5/15 min) before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  const timeMet = r.wallMs < 180_000;
  const rssMet = r.rssMiB < 4096;
  console.log(
    `  TARGETS${rows === 1_000_000 && cols === 1000 ? '' : ` (set for 1M rows x 1,000 columns; this run is ${rows.toLocaleString()} x ${cols})`}: wall ${fmt(r.wallMs)} < 3 min: ${timeMet ? 'MET' : 'NOT MET'}; peak RSS summed ${r.rssMiB.toFixed(0)} MiB < 4 GB (4,096 MiB): ${rssMet ? 'MET' : 'NOT MET'}`,
  );
  const factor = 1000 / cols;
  if (cols !== 1000) console.log(`  extrapolated to 1,000 columns (x${factor}, linear in columns; RSS does not grow with columns beyond the per-column profile): wall ~${fmt(r.wallMs * factor)}, CPU ~${fmt(r.cpuMs * factor)}`);
  dropIpcFile(refFile);
  dropIpcFile(curFile);
  // scipy peer on a sample of the columns (in memory): wasserstein_distance + ks_2samp per column.
  const sample = Math.min(cols, 5);
  const refRaw = path.join(dir, 'wide-ref.f64');
  const curRaw = path.join(dir, 'wide-cur.f64');
  writeFileSync(refRaw, new Uint8Array(columnMajor(rows, sample, 11).buffer));
  writeFileSync(curRaw, new Uint8Array(columnMajor(rows, sample, 12, (c) => (c % 5 === 0 ? 0.2 : 0)).buffer));
  const peer = runPython(path.join(here, 'scipy_peer.py'), [refRaw, curRaw, String(sample), String(rows)]) as { cpu: { ks: number; wasserstein: number } };
  const perCol = (peer.cpu.ks + peer.cpu.wasserstein) * 1000 / sample;
  console.log(`scipy (ks_2samp + wasserstein_distance, in memory): ${fmt(perCol)} CPU per column -> ~${fmt(perCol * 1000)} for 1,000 columns on one core`);
  console.log(`ratio (ours / scipy, CPU per column): ${((r.cpuMs / cols) / perCol).toFixed(3)}x`);
  rmSync(refRaw);
  rmSync(curRaw);
}

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, runPython } from './common.js';
import { columnMajor, dropIpcFile, ensureIpcFile } from './ipc-data.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export function runChild(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...process.execArgv, path.join(here, 'profile-child.ts'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`benchmark child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Benchmark 2: profile rows x 10 Float64 columns streamed from an Arrow IPC file; RSS must not grow with rows. */
export async function runProfileBench(): Promise<void> {
  const rows = Number(process.env.DRIFT_BENCH_PROFILE_ROWS ?? 10_000_000);
  const cols = 10;
  const dir = path.join(tmpdir(), 'mlops-drift-bench');
  mkdirSync(dir, { recursive: true });
  console.log(`\n## 2. profile() of ${rows.toLocaleString()} rows x ${cols} columns streamed from an Arrow IPC file`);
  const sizes = [Math.round(rows / 5), rows];
  for (const n of sizes) {
    const file = path.join(dir, `profile-${n}.arrows`);
    await ensureIpcFile(file, n, cols, 7);
    // Both readers on the same file: profileIpcFile (positioned reads, column by column) and
    // apache-arrow's RecordBatchReader over a read stream fed to profileBatches.
    for (const reader of ['ipc-file', 'arrow']) {
      const r = runChild(['profile', file, '-', reader]) as { cpuMs: number; wallMs: number; rssMiB: number; bytes: number };
      const values = n * cols;
      console.log(
        `${n.toLocaleString()} rows (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB file), ${reader === 'arrow' ? 'profileBatches(RecordBatchReader)' : 'profileIpcFile'}: CPU ${fmt(r.cpuMs)} -> ${(values / r.cpuMs / 1000).toFixed(1)}M values/s per CPU-second; wall ${fmt(r.wallMs)}; peak RSS ${r.rssMiB.toFixed(0)} MiB; serialized profile ${(r.bytes / 1024).toFixed(1)} KiB (${(r.bytes / cols / 1024).toFixed(1)} KiB/column)`,
      );
    }
    dropIpcFile(file);
  }
  // A file written as ONE record batch (2M rows x 10 columns = 153 MiB in one message): the
  // apache-arrow reader must hold the whole batch; profileIpcFile reads each 16 MB column chunk in
  // 8 MiB row slices, so its peak stays where it is for 64k-row batches.
  const big = Math.min(rows, 2_000_000);
  const bigFile = path.join(dir, `profile-${big}-one-batch.arrows`);
  await ensureIpcFile(bigFile, big, cols, 7, undefined, big);
  for (const reader of ['ipc-file', 'arrow']) {
    const r = runChild(['profile', bigFile, '-', reader]) as { cpuMs: number; wallMs: number; rssMiB: number };
    console.log(`${big.toLocaleString()} rows in one record batch (${(statSync(bigFile).size / 2 ** 20).toFixed(0)} MiB), ${reader === 'arrow' ? 'profileBatches(RecordBatchReader)' : 'profileIpcFile'}: CPU ${fmt(r.cpuMs)}; wall ${fmt(r.wallMs)}; peak RSS ${r.rssMiB.toFixed(0)} MiB`);
  }
  dropIpcFile(bigFile);
  // numpy baseline: the same summaries on in-memory columns (count, NaN, min/max, mean/var, 101 quantiles, 10-bin histogram, distinct count).
  const n = Math.min(rows, 2_000_000);
  const raw = path.join(dir, 'profile-peer.f64');
  writeFileSync(raw, new Uint8Array(columnMajor(n, cols, 7).buffer));
  const peer = runPython(path.join(here, 'numpy_profile_peer.py'), [raw, String(cols), String(n)]) as { cpu: number; distinct_cpu: number };
  console.log(`numpy baseline (in memory, ${n.toLocaleString()} rows x ${cols}): CPU ${fmt(peer.cpu * 1000)} -> ${((n * cols) / peer.cpu / 1e6).toFixed(1)}M values/s (of which np.unique for the distinct count ${fmt(peer.distinct_cpu * 1000)})`);
  rmSync(raw);
}

import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { normalGenerator } from './common.js';

/**
 * Writes an Arrow IPC stream file of `rows` x `cols` Float64 columns in `batchRows`-row batches
 * (default 65,536; seeded). `shift(c)` moves column c's mean, to make some columns drift.
 *
 * Each batch is encoded on its own (`tableToIPC`) and written synchronously, so at most one
 * batch is in memory: apache-arrow's RecordBatchStreamWriter queues every chunk until its reader
 * drains it, which let a 1M x 1,000 generation grow to ~8 GB.
 */
export async function writeIpcFile(file: string, rows: number, cols: number, seed: number, shift: (c: number) => number = () => 0, batchRows = 65536): Promise<void> {
  const g = normalGenerator(seed);
  const fd = openSync(file, 'w');
  try {
    for (let start = 0; start < rows; start += batchRows) {
      const n = Math.min(batchRows, rows - start);
      const columns: Record<string, Float64Array> = {};
      for (let c = 0; c < cols; c++) {
        const a = new Float64Array(n);
        const s = shift(c);
        const scale = 1 + (c % 10) / 10;
        for (let i = 0; i < n; i++) a[i] = (g() + s) * scale;
        columns[`f${c}`] = a;
      }
      // A one-batch stream: schema message, the batch, end-of-stream. Keep the schema only once.
      const bytes = tableToIPC(tableFromArrays(columns), 'stream');
      const schemaBytes = 8 + new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
      writeAll(fd, bytes.subarray(start === 0 ? 0 : schemaBytes, bytes.length - 8));
      await new Promise((r) => setImmediate(r));
    }
    writeAll(fd, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Writes the same kind of data column-major as raw float64 (for the numpy peer). */
export function columnMajor(rows: number, cols: number, seed: number, shift: (c: number) => number = () => 0): Float64Array {
  const g = normalGenerator(seed);
  const out = new Float64Array(rows * cols);
  const batchRows = 65536;
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    for (let c = 0; c < cols; c++) {
      const s = shift(c);
      const scale = 1 + (c % 10) / 10;
      for (let i = 0; i < n; i++) out[c * rows + start + i] = (g() + s) * scale;
    }
  }
  return out;
}

/**
 * Writes the bench file unless `DRIFT_BENCH_KEEP=1` and a complete one with the same shape is
 * already there (a `.done` marker records rows, columns, seed and byte size after a finished
 * write, so a half-written file is never reused). Returns whether the file was reused.
 */
export async function ensureIpcFile(file: string, rows: number, cols: number, seed: number, shift?: (c: number) => number, batchRows = 65536): Promise<boolean> {
  const keep = process.env.DRIFT_BENCH_KEEP === '1';
  const marker = `${file}.done`;
  const want = { rows, cols, seed, batchRows };
  if (keep && existsSync(file) && existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { rows: number; cols: number; seed: number; batchRows?: number; bytes: number };
    if (m.rows === rows && m.cols === cols && m.seed === seed && (m.batchRows ?? 65536) === batchRows && m.bytes === statSync(file).size) return true;
  }
  rmSync(marker, { force: true });
  await writeIpcFile(file, rows, cols, seed, shift, batchRows);
  writeFileSync(marker, JSON.stringify({ ...want, bytes: statSync(file).size }));
  return false;
}

/** Removes a bench file and its marker unless `DRIFT_BENCH_KEEP=1`. */
export function dropIpcFile(file: string): void {
  if (process.env.DRIFT_BENCH_KEEP === '1') return;
  rmSync(file, { force: true });
  rmSync(`${file}.done`, { force: true });
}

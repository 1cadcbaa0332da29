import type { Table, Vector } from 'apache-arrow';
import { InvalidArgumentError, loadOptionalPeer } from '@mlops/contracts/errors';
import type { TensorData } from './datatypes.js';
import type { Tensor } from './tensor.js';

/** Where prediction logs go: anything with `put(key, bytes)` (an `@mlops/storage` `ObjectStore` fits). */
export interface PredictionLogStore {
  /** Write an object atomically. */
  put(key: string, body: Uint8Array, options?: { ifNoneMatch?: '*'; contentType?: string }): Promise<unknown>;
}

/** Anything that takes logged batches in-process (an `@mlops/drift` monitor fits). */
export interface PredictionMonitor {
  /** Receives each flushed `PredictionLog` table. May be async; errors are counted, never thrown into requests. */
  observe(table: Table): unknown;
}

/** Prediction logging settings. */
export interface PredictionLoggingOptions {
  /** Destination of the Arrow IPC files. Optional when only a `monitor` is wanted. */
  store?: PredictionLogStore;
  /** Key prefix (default `predictions/`); files land at `<prefix><model>/<yyyy-mm-dd>/<time>-<pid>-<seq>.arrow`. */
  prefix?: string;
  /** Fraction of requests logged, 0..1 (default 1). */
  sampleRate?: number;
  /** Rows per file: a buffer is flushed when it reaches this (default 10 000). */
  flushRows?: number;
  /** A non-empty buffer is flushed at least this often, in ms (default 60 000). */
  flushIntervalMs?: number;
  /** Rows held (buffered plus being written) before new rows are dropped and counted (default 4 x flushRows). */
  maxBufferedRows?: number;
  /** Tensors with more elements per row than this are not logged column by column (default 64). */
  maxElementsPerRow?: number;
}

/** One logged prediction request (possibly several rows). */
export interface PredictionRecord {
  requestId: string;
  /** W3C trace context of the request (`traceparent` header), if it carried one. */
  traceparent?: string;
  timestampMs: number;
  modelName: string;
  modelVersion: string;
  latencyMs: number;
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  /** True for a shadow version's result (never returned to the caller). */
  shadow: boolean;
}

/** Counters a logger keeps. */
export interface PredictionLogStats {
  loggedRows: number;
  droppedRows: number;
  writtenFiles: number;
  failedWrites: number;
  monitorErrors: number;
}

interface Column {
  kind: 'float' | 'int' | 'bigint' | 'bool' | 'string';
  values: Array<number | bigint | boolean | string | null>;
}

interface Buffer {
  modelName: string;
  rows: number;
  requestId: string[];
  traceparent: Array<string | null>;
  traced: boolean;
  timestamp: number[];
  modelVersion: string[];
  latency: number[];
  shadow: boolean[];
  columns: Map<string, Column>;
}

function kindOf(datatype: string): Column['kind'] {
  if (datatype === 'FP32' || datatype === 'FP64' || datatype === 'FP16') return 'float';
  if (datatype === 'INT64' || datatype === 'UINT64') return 'bigint';
  if (datatype === 'BOOL') return 'bool';
  if (datatype === 'BYTES') return 'string';
  return 'int';
}

/**
 * Buffers predictions per model and writes `PredictionLog` Arrow IPC files (decision 001:
 * `request_id, timestamp, model_name, model_version, latency_ms, input_<name>, output_<name>`,
 * plus `shadow`). A tensor of `k > 1` elements per row becomes columns `<name>_0 .. <name>_{k-1}`.
 * Never blocks a request: writes run in the background, and a full buffer drops rows and counts them.
 */
export class PredictionLogger {
  private readonly buffers = new Map<string, Buffer>();
  private readonly writes = new Set<Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlightRows = 0;
  private seq = 0;
  readonly stats: PredictionLogStats = { loggedRows: 0, droppedRows: 0, writtenFiles: 0, failedWrites: 0, monitorErrors: 0 };
  private readonly prefix: string;
  private readonly sampleRate: number;
  private readonly flushRows: number;
  private readonly maxBufferedRows: number;
  private readonly maxElementsPerRow: number;

  constructor(
    private readonly options: PredictionLoggingOptions,
    private readonly monitor: PredictionMonitor | undefined,
    private readonly onError: (err: unknown) => void,
  ) {
    this.prefix = options.prefix ?? 'predictions/';
    this.sampleRate = options.sampleRate ?? 1;
    if (!(this.sampleRate >= 0 && this.sampleRate <= 1)) throw new InvalidArgumentError(`predictionLog.sampleRate must be between 0 and 1; found ${String(options.sampleRate)}.`);
    this.flushRows = options.flushRows ?? 10_000;
    if (!Number.isInteger(this.flushRows) || this.flushRows < 1) throw new InvalidArgumentError(`predictionLog.flushRows must be a positive integer; found ${String(options.flushRows)}.`);
    this.maxBufferedRows = options.maxBufferedRows ?? this.flushRows * 4;
    this.maxElementsPerRow = options.maxElementsPerRow ?? 64;
    const every = options.flushIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.flush(), every);
      this.timer.unref();
    }
  }

  /** Rows waiting in buffers or being written. */
  get pendingRows(): number {
    let n = this.inFlightRows;
    for (const b of this.buffers.values()) n += b.rows;
    return n;
  }

  /** Whether this request should be logged (sampling). */
  sample(): boolean {
    return this.sampleRate >= 1 || Math.random() < this.sampleRate;
  }

  record(r: PredictionRecord): void {
    const first = Object.values(r.outputs)[0] ?? Object.values(r.inputs)[0];
    const rows = first && first.shape.length > 0 ? first.shape[0]! : 1;
    if (this.pendingRows + rows > this.maxBufferedRows) {
      this.stats.droppedRows += rows;
      return;
    }
    let b = this.buffers.get(r.modelName);
    if (!b) {
      b = { modelName: r.modelName, rows: 0, requestId: [], traceparent: [], traced: false, timestamp: [], modelVersion: [], latency: [], shadow: [], columns: new Map() };
      this.buffers.set(r.modelName, b);
    }
    const before = b.rows;
    for (let i = 0; i < rows; i++) {
      b.requestId.push(rows === 1 ? r.requestId : `${r.requestId}/${i}`);
      b.traceparent.push(r.traceparent ?? null);
      b.timestamp.push(r.timestampMs);
      b.modelVersion.push(r.modelVersion);
      b.latency.push(r.latencyMs);
      b.shadow.push(r.shadow);
    }
    if (r.traceparent !== undefined) b.traced = true;
    this.addTensors(b, 'input_', r.inputs, rows, before);
    this.addTensors(b, 'output_', r.outputs, rows, before);
    b.rows += rows;
    // Columns this record lacked are null for its rows.
    for (const c of b.columns.values()) while (c.values.length < b.rows) c.values.push(null);
    this.stats.loggedRows += rows;
    if (b.rows >= this.flushRows) void this.flushBuffer(b);
  }

  private addTensors(b: Buffer, prefix: string, tensors: Record<string, Tensor>, rows: number, before: number): void {
    for (const [name, t] of Object.entries(tensors)) {
      if (t.shape.length === 0 || t.shape[0] !== rows) continue;
      const per = t.data.length / rows;
      if (per > this.maxElementsPerRow || per < 1) continue;
      const kind = kindOf(t.datatype);
      for (let k = 0; k < per; k++) {
        const colName = per === 1 ? `${prefix}${name}` : `${prefix}${name}_${k}`;
        let col = b.columns.get(colName);
        if (!col) {
          col = { kind, values: new Array(before).fill(null) };
          b.columns.set(colName, col);
        }
        const data: TensorData = t.data;
        for (let i = 0; i < rows; i++) {
          const v = data[i * per + k]!;
          col.values.push(kind === 'bool' ? v === 1 : t.datatype === 'FP16' ? halfToFloat(v as number) : v);
        }
      }
    }
  }

  /** Write every non-empty buffer now and wait for all writes. */
  async flush(): Promise<void> {
    for (const b of [...this.buffers.values()]) if (b.rows > 0) void this.flushBuffer(b);
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  /** Flush, then stop the interval timer. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private flushBuffer(b: Buffer): Promise<void> {
    this.buffers.delete(b.modelName);
    this.inFlightRows += b.rows;
    const p = this.write(b).finally(() => {
      this.inFlightRows -= b.rows;
      this.writes.delete(p);
    });
    this.writes.add(p);
    return p;
  }

  private async write(b: Buffer): Promise<void> {
    let table: Table;
    let bytes: Uint8Array;
    try {
      const arrow = await loadOptionalPeer('apache-arrow', 'prediction logging', () => import('apache-arrow'));
      const cols: Record<string, Vector> = {
        request_id: arrow.vectorFromArray(b.requestId, new arrow.Utf8()),
        timestamp: arrow.vectorFromArray(b.timestamp, new arrow.TimestampMillisecond('UTC')),
        model_name: arrow.vectorFromArray(new Array<string>(b.rows).fill(b.modelName), new arrow.Utf8()),
        model_version: arrow.vectorFromArray(b.modelVersion, new arrow.Utf8()),
        latency_ms: arrow.vectorFromArray(b.latency, new arrow.Float64()),
        shadow: arrow.vectorFromArray(b.shadow, new arrow.Bool()),
      };
      // Only files with traced requests carry the column: joins logs to traces (OpenTelemetry).
      if (b.traced) cols.traceparent = arrow.vectorFromArray(b.traceparent, new arrow.Utf8());
      for (const [name, c] of b.columns) {
        const type =
          c.kind === 'float' ? new arrow.Float64() : c.kind === 'int' ? new arrow.Float64() : c.kind === 'bigint' ? new arrow.Int64() : c.kind === 'bool' ? new arrow.Bool() : new arrow.Utf8();
        cols[name] = arrow.vectorFromArray(c.values as never[], type);
      }
      table = new arrow.Table(cols);
      bytes = arrow.tableToIPC(table, 'file');
    } catch (err) {
      this.stats.failedWrites++;
      this.onError(err);
      return;
    }
    if (this.monitor) {
      try {
        await this.monitor.observe(table);
      } catch (err) {
        this.stats.monitorErrors++;
        this.onError(err);
      }
    }
    const store = this.options.store;
    if (!store) return;
    const now = new Date(b.timestamp[0] ?? Date.now());
    const day = now.toISOString().slice(0, 10);
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
    const key = `${this.prefix}${b.modelName}/${day}/${stamp}-${process.pid}-${String(this.seq++).padStart(6, '0')}.arrow`;
    try {
      // Create-if-absent: a key collision can never overwrite another file.
      await store.put(key, bytes, { ifNoneMatch: '*', contentType: 'application/vnd.apache.arrow.file' });
      this.stats.writtenFiles++;
    } catch (err) {
      this.stats.failedWrites++;
      this.onError(err);
    }
  }
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

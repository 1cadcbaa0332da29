import { availableParallelism } from 'node:os';
import type { Table } from 'apache-arrow';
import { readFile } from 'node:fs/promises';
import { ErrorCode, InvalidArgumentError, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import { outputsToTable, tableToInputs } from './arrow-tensors.js';
import { Batcher, type BatcherEvents, type BatchingOptions } from './batcher.js';
import { type Datatype, allocate, datatypeFromOrt } from './datatypes.js';
import type { RegistryModelRef } from './registry-source.js';
import { type ModelMetadata, type Tensor, type TensorInput, type TensorMetadata, validateInputs } from './tensor.js';
import { WorkerPool } from './worker-pool.js';

/** ONNX Runtime session options passed to every worker's session. */
export interface SessionOptions {
  /** Threads inside one operator (default 1: on 2 cores this halved small-model latency). */
  intraOpNumThreads?: number;
  /** Threads across operators (default 1). */
  interOpNumThreads?: number;
  /** Graph optimisation level (default `all`). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** `sequential` (default) or `parallel` operator execution. */
  executionMode?: 'sequential' | 'parallel';
  /** Execution providers in order of preference, e.g. `['cuda', 'cpu']` (default CPU). */
  executionProviders?: Array<string | { name: string; deviceId?: number }>;
  /** ONNX Runtime's CPU memory arena (default true). */
  enableCpuMemArena?: boolean;
  /** Memory pattern optimisation (default true). */
  enableMemPattern?: boolean;
  /** 0 (verbose) .. 4 (fatal); default 3 (errors only). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** Where a model's ONNX bytes come from. */
export type ModelSource = Uint8Array | string | RegistryModelRef;

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** ONNX bytes, a path to an `.onnx` file, or a registry reference. */
  source: ModelSource;
  /** Name served under (default: the file name without `.onnx`, the registry model name, or `model`). */
  name?: string;
  /** Version label (default: the registry version, else `1`). */
  version?: string;
  /** Worker threads, each with its own session (default: cores - 1, at least 1, at most 4). */
  workers?: number;
  /** ONNX Runtime session options per worker. */
  sessionOptions?: SessionOptions;
  /** Dynamic batching and admission. */
  batching?: BatchingOptions;
  /** Run one zero-filled row through every worker before resolving (default true). */
  warmup?: boolean;
  /**
   * When an execution provider in `sessionOptions.executionProviders` (CUDA, TensorRT...) cannot
   * be loaded on this machine: `true` (default) loads the model on CPU and calls `onWarning`;
   * `false` rejects with `UNSUPPORTED` naming the provider.
   */
  providerFallback?: boolean;
  /** Receives warnings (a CPU fallback). Default: `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Options of one {@link Model.infer} call. */
export interface InferOptions {
  /** Output names to return (default: all). */
  outputs?: string[];
  /** Priority level, 1 = highest (default: the model's `batching.defaultPriority`). */
  priority?: number;
  /** Deadline from enqueue in ms (default: `batching.defaultTimeoutMs`; 0 = none). */
  timeoutMs?: number;
}

/** The answer to one {@link Model.infer} call. */
export interface InferResult {
  /** Model name. */
  modelName: string;
  /** Version that answered. */
  modelVersion: string;
  /** Outputs by name. */
  outputs: Record<string, Tensor>;
  /** Milliseconds spent queued, inside `session.run` (the whole batch), and in total. */
  timing: { queueMs: number; inferMs: number; totalMs: number };
  /** Rows in the batch this request ran in. */
  batchRows: number;
}

/** A loaded model version: metadata plus inference on a worker-thread pool. */
export interface Model {
  /** Model name. */
  readonly name: string;
  /** Version label. */
  readonly version: string;
  /** Inputs and outputs (names, datatypes, shapes with -1 for dynamic dims). */
  readonly metadata: ModelMetadata;
  /**
   * True when requests are concatenated along dim 0 into one `session.run`: every input and
   * output shares one named symbolic first dim, or `batching.batchable` says so. Otherwise each
   * request runs alone.
   */
  readonly batchable: boolean;
  /** Run inference; inputs keyed by name. Rejects with `INVALID_ARGUMENT`, `QUEUE_FULL`, `TIMEOUT`, ... */
  infer(inputs: Record<string, TensorInput>, options?: InferOptions): Promise<InferResult>;
  /**
   * Run inference on an Arrow table whose columns map to inputs in the PredictionLog layout
   * (`x`, `input_x`, `x_0..x_{k-1}` or a FixedSizeList column) and get an Arrow table of
   * `output_<name>[_<i>]` columns back, one row per input row.
   */
  inferTable(table: Table, options?: InferOptions): Promise<Table>;
  /** Queue depth, requests pending, worker utilisation. */
  stats(): ModelStats;
  /** Subscribe to batching events (for metrics). Returns an unsubscribe function. */
  observe(events: BatcherEvents): () => void;
  /** Stop accepting, wait for queued and running requests (at most `timeoutMs`, default 30 s), then stop the workers. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** Point-in-time figures of a model. */
export interface ModelStats {
  /** Requests waiting. */
  queueDepth: number;
  /** Requests queued or running. */
  pending: number;
  /** Worker threads. */
  workers: number;
  /** Total ms spent in `session.run` across workers since load. */
  busyMs: number;
  /** Wall-clock ms since load. */
  wallMs: number;
}

/** Default worker count: leave one core for the event loop (HTTP, JSON), never more than 4. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Load an ONNX model into a pool of worker threads and return a {@link Model}.
 *
 * The main thread never calls `session.run` (it blocks the event loop; onnxruntime#19611):
 * each worker holds its own session, and requests are batched dynamically across them.
 */
export async function loadModel(options: LoadModelOptions): Promise<Model> {
  if (typeof options !== 'object' || options === null || options.source === undefined) {
    throw new InvalidArgumentError('loadModel expects { source }, where source is ONNX bytes, a file path, or { registry, ref }.');
  }
  const resolved = await resolveSource(options.source);
  const name = options.name ?? resolved.name;
  const version = options.version ?? resolved.version;
  const workers = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidArgumentError(`loadModel: workers must be a positive integer; found ${String(workers)}.`);
  }
  const sessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...options.sessionOptions,
  };
  const pool = await WorkerPool.create({
    source: resolved.bytes,
    workers,
    sessionOptions,
    label: `${name}:${version}`,
    providerFallback: options.providerFallback ?? true,
    onWarning: options.onWarning ?? ((m) => console.warn('[@mlops/serve]', m)),
  });
  try {
    const inputs = pool.inputs.map(toMeta);
    const outputs = pool.outputs.map(toMeta);
    const batchable = decideBatchable(name, pool.inputs, pool.outputs, options.batching?.batchable);
    const model = new OnnxModel(name, version, { name, versions: [version], platform: 'onnx_onnxv1', inputs, outputs }, batchable, pool, options.batching ?? {});
    if (options.warmup !== false) await model.warm(workers);
    return model;
  } catch (err) {
    await pool.close();
    throw err;
  }
}

/**
 * Whether requests may be concatenated along dim 0. Automatic only when it is provable from
 * the graph: every input and every output has a symbolic first dim with one shared name (the
 * exporter said "this is one axis"). A dynamic dim 0 alone proves nothing: a model may
 * reduce, reshape or attend over it, and concatenating clients would then mix their rows.
 * `declared` (the config's word, like Triton's `max_batch_size > 0`) overrides the rule.
 */
export function decideBatchable(
  name: string,
  inputs: ReadonlyArray<{ name: string; shape: ReadonlyArray<number | string> }>,
  outputs: ReadonlyArray<{ name: string; shape: ReadonlyArray<number | string> }>,
  declared: boolean | undefined,
): boolean {
  if (declared === false || inputs.length === 0) return false;
  const all = [...inputs, ...outputs];
  if (declared === true) {
    const fixed = all.find((t) => t.shape.length === 0 || (typeof t.shape[0] === 'number' && t.shape[0] >= 0));
    if (fixed) {
      throw new InvalidArgumentError(
        `Model "${name}" is configured as batchable, but tensor "${fixed.name}" has a fixed first dim (shape [${fixed.shape.join(', ')}]), so dim 0 cannot be a batch dimension. Remove batching.batchable (or max_batch_size) or export the model with a dynamic batch dim.`,
      );
    }
    return true;
  }
  const first = inputs[0]!.shape[0];
  if (typeof first !== 'string' || first === '') return false;
  return all.every((t) => t.shape.length > 0 && t.shape[0] === first);
}

function toMeta(m: { name: string; type: string; shape: Array<number | string> }): TensorMetadata {
  return {
    name: m.name,
    datatype: datatypeFromOrt(m.type),
    shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  };
}

async function resolveSource(source: ModelSource): Promise<{ bytes: Uint8Array | string; name: string; version: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: 'model', version: '1' };
  if (typeof source === 'string') {
    try {
      // Read here so a missing file is a clear NOT_FOUND, not a worker load failure.
      const bytes = new Uint8Array(await readFile(source));
      const base = source.split(/[\\/]/).pop() ?? 'model';
      return { bytes, name: base.replace(/\.onnx$/i, '') || 'model', version: '1' };
    } catch (cause) {
      throw new NotFoundError(`loadModel: cannot read the ONNX file "${source}" (${(cause as Error).message}). Pass an existing path or the bytes.`, { cause });
    }
  }
  if (typeof source === 'object' && source !== null && 'registry' in source) {
    const { readRegistryModel } = await import('./registry-source.js');
    return readRegistryModel(source);
  }
  throw new InvalidArgumentError(`loadModel: source must be ONNX bytes (Uint8Array), a file path, or { registry, ref }; found ${typeof source}.`);
}

class OnnxModel implements Model {
  private readonly batcher: Batcher;
  private readonly listeners = new Set<BatcherEvents>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly metadata: ModelMetadata,
    readonly batchable: boolean,
    private readonly pool: WorkerPool,
    batching: BatchingOptions,
  ) {
    const events: BatcherEvents = {
      onBatch: (rows, requests, runMs) => {
        for (const l of this.listeners) l.onBatch?.(rows, requests, runMs);
      },
      onBatchRetry: (requests) => {
        for (const l of this.listeners) l.onBatchRetry?.(requests);
      },
      onDequeue: (waitMs) => {
        for (const l of this.listeners) l.onDequeue?.(waitMs);
      },
      onReject: (reason) => {
        for (const l of this.listeners) l.onReject?.(reason);
      },
    };
    // Fixed non-batch dims (validated per request) put every request in one shape class.
    const uniform = metadata.inputs.every((t) => t.shape.every((d, i) => i === 0 || d >= 0));
    this.batcher = new Batcher(`${name}:${version}`, pool, batchable, batching, events, uniform);
  }

  async warm(workers: number): Promise<void> {
    const inputs: Record<string, TensorInput> = {};
    for (const spec of this.metadata.inputs) {
      const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
      const data = allocate(spec.datatype, shape.reduce((a, b) => a * b, 1));
      inputs[spec.name] = { data, shape, datatype: spec.datatype };
    }
    // One run per worker (least-loaded dispatch spreads them) so the first real request is not slow.
    const tensors = validateInputs(this.name, this.metadata.inputs, inputs);
    await Promise.all(Array.from({ length: workers }, () => this.batcher.submit(tensors, 1)));
  }

  observe(events: BatcherEvents): () => void {
    this.listeners.add(events);
    return () => this.listeners.delete(events);
  }

  async infer(inputs: Record<string, TensorInput>, options: InferOptions = {}): Promise<InferResult> {
    const started = performance.now();
    const tensors = validateInputs(this.name, this.metadata.inputs, inputs);
    let rows = 1;
    if (this.batchable) {
      rows = -1;
      for (const [name, t] of tensors) {
        const r = t.shape[0]!;
        if (rows === -1) rows = r;
        else if (r !== rows) {
          throw new InvalidArgumentError(
            `Model "${this.name}" batches along dim 0, so every input needs the same first dim; input "${name}" has ${r} but another has ${rows}.`,
          );
        }
      }
      if (rows === 0) throw new InvalidArgumentError(`Model "${this.name}" got a batch of 0 rows; send at least one.`);
    }
    const wanted = options.outputs;
    if (wanted) {
      for (const o of wanted) {
        if (!this.metadata.outputs.some((m) => m.name === o)) {
          throw new InvalidArgumentError(
            `Model "${this.name}" has no output named "${o}"; its outputs are: ${this.metadata.outputs.map((m) => m.name).join(', ')}.`,
          );
        }
      }
    }
    const r = await this.batcher.submit(tensors, rows, { priority: options.priority, timeoutMs: options.timeoutMs });
    const outputs: Record<string, Tensor> = {};
    for (const spec of this.metadata.outputs) {
      if (wanted && !wanted.includes(spec.name)) continue;
      const t = r.outputs.get(spec.name);
      if (t) outputs[spec.name] = t;
    }
    return {
      modelName: this.name,
      modelVersion: this.version,
      outputs,
      timing: { queueMs: r.queueMs, inferMs: r.inferMs, totalMs: performance.now() - started },
      batchRows: r.batchRows,
    };
  }

  async inferTable(table: Table, options: InferOptions = {}): Promise<Table> {
    if (typeof table !== 'object' || table === null || typeof (table as Table).getChild !== 'function') {
      throw new InvalidArgumentError('inferTable expects an apache-arrow Table.');
    }
    const r = await this.infer(tableToInputs(table, this.metadata.inputs, this.name), options);
    return outputsToTable(r.outputs);
  }

  stats(): ModelStats {
    const u = this.pool.utilisation();
    return { queueDepth: this.batcher.queueDepth, pending: this.batcher.pending, workers: u.workers, busyMs: u.busyMs, wallMs: u.wallMs };
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      this.batcher.stopAccepting();
      const timeoutMs = options.timeoutMs ?? 30_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      const drained = await Promise.race([this.batcher.whenIdle().then(() => false), timedOut]);
      clearTimeout(timer);
      if (drained) {
        this.batcher.rejectQueued(new MlopsError(ErrorCode.ServiceUnavailable, `Model "${this.name}" shut down before this request ran (drain timeout ${timeoutMs} ms).`, { retryable: true }));
      }
      await this.pool.close();
    })();
    return this.closing;
  }
}

export type { Datatype };

import { MlopsError, ErrorCode } from '@mlops/contracts/errors';
import { type TensorData, allocate, datatypeFromOrt, ortTypeOf } from './datatypes.js';
import { deadlineExceeded, notReady, queueFull } from './errors.js';
import type { Tensor } from './tensor.js';
import type { WireTensor } from './session-worker.js';
import type { WorkerPool } from './worker-pool.js';
import { DeadlineQueue } from './deadline-queue.js';

/** Dynamic batching and admission settings of one model. */
export interface BatchingOptions {
  /**
   * Whether dim 0 is a batch dimension along which requests may be concatenated. Default
   * (undefined): only when every input and output has a symbolic first dim of the same name.
   * `true` declares it (like Triton's `max_batch_size > 0`); `false` runs every request alone.
   */
  batchable?: boolean;
  /** Most rows concatenated into one `session.run` (default 64; 1 disables batching). */
  maxBatchSize?: number;
  /**
   * How long the oldest queued request may wait for a fuller batch, in ms (default 0: send
   * whatever is queued as soon as a worker is free, like Triton's `dynamic_batching {}`).
   */
  maxQueueDelayMs?: number;
  /** Batch sizes to prefer when one can be formed (the largest is sent). Rarely needed. */
  preferredBatchSizes?: number[];
  /** Most requests waiting per model; beyond it requests are rejected at once (HTTP 429). Default 1024. */
  maxQueueSize?: number;
  /** Deadline of a request from enqueue, in ms, when the request sets none (default 0 = none). */
  defaultTimeoutMs?: number;
  /** Number of priority levels; 1 is the highest (default 1). */
  priorityLevels?: number;
  /** Level of requests that give none (default: the lowest, `priorityLevels`). */
  defaultPriority?: number;
  /** Batches in flight per worker: 2 lets the next batch wait inside the worker (default 1). */
  maxBatchesInFlightPerWorker?: number;
}

/** Per-request scheduling options. */
export interface ScheduleOptions {
  /** Priority level, 1 = highest (0 or undefined = the model's default). */
  priority?: number;
  /** Deadline from enqueue in ms (0 = none); overrides the model default. */
  timeoutMs?: number;
}

/** What the batcher hands back for one request. */
export interface BatchedResult {
  outputs: Map<string, Tensor>;
  queueMs: number;
  inferMs: number;
  batchRows: number;
}

/** Observations the batcher reports (the server turns them into metrics). */
export interface BatcherEvents {
  /** A batch finished: its rows, the requests merged into it, and ms spent in `session.run`. */
  onBatch?(rows: number, requests: number, runMs: number): void;
  /** A request left the queue for a batch after waiting `waitMs`. */
  onDequeue?(waitMs: number): void;
  /** A merged batch of `requests` failed at run time and its requests are re-run one by one. */
  onBatchRetry?(requests: number): void;
  /** A request was turned away (queue full) or ran out of time. */
  onReject?(reason: 'queue_full' | 'timeout'): void;
}

const QUEUED = 0;
const RUNNING = 1;
const SETTLED = 2;

/** One request in the queue (a class, so deadline tracking needs no closure per request). */
class Queued {
  state: 0 | 1 | 2 = QUEUED; // queued | running | settled
  constructor(
    readonly tensors: Map<string, Tensor>,
    readonly rows: number,
    readonly key: string,
    readonly priority: number,
    readonly enqueuedAt: number,
    readonly timeoutMs: number,
    readonly deadline: number,
    readonly resolve: (r: BatchedResult) => void,
    readonly reject: (e: unknown) => void,
  ) {}
  settled(): boolean {
    return this.state === SETTLED;
  }
}

/**
 * Per-model queue: admission (bounded, priorities, deadlines) and dynamic batching over a
 * worker pool. Requests are concatenated along dim 0 and split back; several batches can be
 * in flight at once, one per free worker.
 */
export class Batcher {
  private readonly levels: Queued[][];
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly deadlines = new DeadlineQueue<Queued>((q) => this.expire(q));
  private accepting = true;
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private immediate = false;
  private readonly runScheduled = (): void => {
    this.immediate = false;
    this.schedule();
  };
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly preferred: number[];
  readonly maxQueueSize: number;
  readonly defaultTimeoutMs: number;
  readonly priorityLevels: number;
  readonly defaultPriority: number;
  readonly depth: number;

  constructor(
    private readonly label: string,
    private readonly pool: WorkerPool,
    private readonly batchable: boolean,
    options: BatchingOptions,
    private readonly events: BatcherEvents,
    /** Every non-batch dim is fixed by the model, so all requests share one shape class. */
    private readonly uniformShapes = false,
  ) {
    this.maxBatchSize = positiveInt(options.maxBatchSize ?? 64, 'maxBatchSize');
    this.maxQueueDelayMs = nonNegative(options.maxQueueDelayMs ?? 0, 'maxQueueDelayMs');
    this.preferred = [...(options.preferredBatchSizes ?? [])].map((n) => positiveInt(n, 'preferredBatchSizes')).sort((a, b) => b - a);
    this.maxQueueSize = positiveInt(options.maxQueueSize ?? 1024, 'maxQueueSize');
    this.defaultTimeoutMs = nonNegative(options.defaultTimeoutMs ?? 0, 'defaultTimeoutMs');
    this.priorityLevels = positiveInt(options.priorityLevels ?? 1, 'priorityLevels');
    this.defaultPriority = positiveInt(options.defaultPriority ?? this.priorityLevels, 'defaultPriority');
    if (this.defaultPriority > this.priorityLevels) {
      throw new MlopsError(ErrorCode.InvalidArgument, `batching.defaultPriority is ${this.defaultPriority} but priorityLevels is ${this.priorityLevels}; it must be between 1 and priorityLevels.`);
    }
    this.depth = positiveInt(options.maxBatchesInFlightPerWorker ?? 1, 'maxBatchesInFlightPerWorker');
    this.levels = Array.from({ length: this.priorityLevels }, () => []);
    pool.onIdle = () => this.schedule();
  }

  /** Requests waiting in the queue. */
  get queueDepth(): number {
    return this.queued;
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queued + this.running;
  }

  submit(tensors: Map<string, Tensor>, rows: number, options: ScheduleOptions = {}): Promise<BatchedResult> {
    if (!this.accepting) return Promise.reject(notReady(`Model "${this.label}" is shutting down and`));
    if (this.queued >= this.maxQueueSize) {
      this.events.onReject?.('queue_full');
      return Promise.reject(queueFull(this.label, this.maxQueueSize));
    }
    let priority = options.priority ?? 0;
    if (!Number.isInteger(priority) || priority < 0 || priority > this.priorityLevels) {
      return Promise.reject(
        new MlopsError(ErrorCode.InvalidArgument, `Priority must be an integer from 1 (highest) to ${this.priorityLevels}, or 0 for the default; found ${String(options.priority)}.`),
      );
    }
    if (priority === 0) priority = this.defaultPriority;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      return Promise.reject(new MlopsError(ErrorCode.InvalidArgument, `Timeout must be a finite number of milliseconds >= 0; found ${String(options.timeoutMs)}.`));
    }
    let key = '';
    if (this.batchable && !this.uniformShapes) {
      for (const [name, t] of tensors) {
        key += name;
        key += ':';
        for (let i = 1; i < t.shape.length; i++) key += `${t.shape[i]}x`;
        key += ';';
      }
    }
    return new Promise<BatchedResult>((resolve, reject) => {
      const now = performance.now();
      const q = new Queued(tensors, rows, key, priority, now, timeoutMs, now + timeoutMs, resolve, reject);
      if (timeoutMs > 0) this.deadlines.add(q, timeoutMs);
      this.levels[priority - 1]!.push(q);
      this.queued++;
      // Dispatch after the current I/O phase, not now: requests parsed in the same event-loop
      // turn then share one batch (and one postMessage) at no measurable latency cost.
      if (!this.immediate) {
        this.immediate = true;
        setImmediate(this.runScheduled);
      }
    });
  }

  /** Stop accepting new requests; queued ones still run. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.queued === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Reject everything still queued (used when a bounded drain runs out of time). */
  rejectQueued(err: unknown): void {
    for (const level of this.levels) {
      for (const q of level) if (q.state === QUEUED) this.settle(q, err);
      level.length = 0;
    }
    this.queued = 0;
    this.checkIdle();
  }

  private expire(q: Queued): void {
    if (q.state === SETTLED) return;
    const stage = q.state === QUEUED ? 'queued' : 'running';
    if (q.state === QUEUED) this.queued--;
    this.events.onReject?.('timeout');
    this.settle(q, deadlineExceeded(this.label, q.timeoutMs, stage));
    this.checkIdle();
  }

  private settle(q: Queued, err: unknown, result?: BatchedResult): void {
    if (q.state === SETTLED) return;
    q.state = SETTLED;
    if (result) q.resolve(result);
    else q.reject(err);
  }

  private checkIdle(): void {
    if (this.queued === 0 && this.running === 0) this.deadlines.clear();
    if (this.queued === 0 && this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Dispatch batches while a worker has room and the queue allows it. */
  schedule(): void {
    while (this.queued > 0 && this.pool.hasCapacity(this.depth)) {
      const picked = this.form();
      if (picked === undefined) return;
      this.dispatch(picked);
    }
  }

  /** Choose the next batch, or undefined (with a timer set) when it is worth waiting. */
  private form(): Queued[] | undefined {
    let head: Queued | undefined;
    for (const level of this.levels) {
      while (level.length > 0 && level[0]!.state !== QUEUED) level.shift();
      if (level.length > 0) {
        head = level[0];
        break;
      }
    }
    if (!head) return undefined;
    if (!this.batchable || this.maxBatchSize <= 1 || head.rows >= this.maxBatchSize) {
      return this.take([head]);
    }
    // Candidates in priority order, FIFO within a level: requests of the head's shape class.
    const candidates: Queued[] = [];
    let rows = 0;
    for (const level of this.levels) {
      for (const q of level) {
        if (q.state !== QUEUED || q.key !== head.key) continue;
        if (rows + q.rows > this.maxBatchSize) break;
        candidates.push(q);
        rows += q.rows;
      }
      if (rows >= this.maxBatchSize) break;
    }
    let chosen = candidates;
    let full = rows >= this.maxBatchSize;
    if (!full && this.preferred.length > 0) {
      // The longest prefix whose rows equal a preferred size, preferring the largest size.
      const prefix: number[] = [];
      let acc = 0;
      for (const c of candidates) prefix.push((acc += c.rows));
      for (const size of this.preferred) {
        const idx = prefix.indexOf(size);
        if (idx >= 0) {
          chosen = candidates.slice(0, idx + 1);
          full = true;
          break;
        }
      }
    }
    if (!full && this.maxQueueDelayMs > 0) {
      const waited = performance.now() - head.enqueuedAt;
      if (waited < this.maxQueueDelayMs) {
        if (this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.schedule();
          }, Math.max(0, this.maxQueueDelayMs - waited));
        }
        return undefined;
      }
    }
    return this.take(chosen);
  }

  private take(chosen: Queued[]): Queued[] {
    const now = performance.now();
    for (const q of chosen) {
      q.state = RUNNING;
      this.events.onDequeue?.(now - q.enqueuedAt);
    }
    this.queued -= chosen.length;
    if (this.timer !== undefined && this.queued === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return chosen;
  }

  private dispatch(batch: Queued[]): void {
    this.running += batch.length;
    const started = performance.now();
    const { inputs, transfer, rows } = concatInputs(batch);
    this.pool.run(inputs, undefined, transfer).then(
      (result) => {
        this.running -= batch.length;
        this.events.onBatch?.(rows, batch.length, result.runMs);
        let split: Array<Map<string, Tensor>>;
        try {
          split = splitOutputs(result.outputs, batch, rows);
        } catch (err) {
          this.failBatch(batch, err);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const q = batch[i]!;
          this.settle(q, undefined, { outputs: split[i]!, queueMs: started - q.enqueuedAt, inferMs: result.runMs, batchRows: rows });
        }
        this.checkIdle();
      },
      (err: unknown) => {
        this.running -= batch.length;
        this.failBatch(batch, err);
      },
    );
  }

  /**
   * A merged batch failed at run time: one request may be the culprit (an index out of range,
   * say). Run each of them alone, so only the culprit fails; a request alone fails as is.
   */
  private failBatch(batch: Queued[], err: unknown): void {
    if (batch.length === 1) {
      this.settle(batch[0]!, err);
      this.checkIdle();
      return;
    }
    this.events.onBatchRetry?.(batch.length);
    for (const q of batch) if (q.state === RUNNING) this.dispatch([q]);
    this.checkIdle();
  }
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new MlopsError(ErrorCode.InvalidArgument, `batching.${name} must be a positive integer; found ${String(n)}.`);
  }
  return n;
}

function nonNegative(n: number, name: string): number {
  if (typeof n !== 'number' || !(n >= 0) || !Number.isFinite(n)) {
    throw new MlopsError(ErrorCode.InvalidArgument, `batching.${name} must be a finite number >= 0; found ${String(n)}.`);
  }
  return n;
}

function concatInputs(batch: Queued[]): { inputs: Record<string, WireTensor>; transfer: ArrayBuffer[]; rows: number } {
  const inputs: Record<string, WireTensor> = {};
  const transfer: ArrayBuffer[] = [];
  let rows = 0;
  for (const q of batch) rows += q.rows;
  const first = batch[0]!;
  for (const [name, t] of first.tensors) {
    const type = ortTypeOf(t.datatype);
    if (batch.length === 1) {
      // Structured clone copies it: the caller's buffer stays theirs.
      inputs[name] = { type, dims: t.shape, data: t.data };
      continue;
    }
    const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const data = allocate(t.datatype, rows * rowSize);
    let off = 0;
    for (const q of batch) {
      const src = q.tensors.get(name)!.data;
      if (Array.isArray(data)) {
        const s = src as string[];
        for (let i = 0; i < s.length; i++) data[off + i] = s[i]!;
      } else {
        (data as Float32Array).set(src as Float32Array, off);
      }
      off += src.length;
    }
    if (!Array.isArray(data)) transfer.push(data.buffer as ArrayBuffer);
    inputs[name] = { type, dims: [rows, ...t.shape.slice(1)], data: data as TensorData as ArrayBufferView };
  }
  return { inputs, transfer, rows };
}

function splitOutputs(outputs: Record<string, WireTensor>, batch: Queued[], rows: number): Array<Map<string, Tensor>> {
  const result = batch.map(() => new Map<string, Tensor>());
  for (const name of Object.keys(outputs)) {
    const w = outputs[name]!;
    const datatype = datatypeFromOrt(w.type);
    const data = w.data as TensorData;
    if (batch.length === 1) {
      result[0]!.set(name, { datatype, shape: w.dims, data });
      continue;
    }
    if (w.dims[0] !== rows) {
      throw new MlopsError(
        ErrorCode.Internal,
        `Output "${name}" has shape [${w.dims.join(', ')}] for a batch of ${rows} rows; its first dim should be the batch. Disable batching for this model (batching.maxBatchSize: 1).`,
      );
    }
    const rowSize = w.dims.slice(1).reduce((a, b) => a * b, 1);
    let off = 0;
    for (let i = 0; i < batch.length; i++) {
      const q = batch[i]!;
      const start = off * rowSize;
      const end = (off + q.rows) * rowSize;
      const part = Array.isArray(data) ? data.slice(start, end) : data.subarray(start, end);
      result[i]!.set(name, { datatype, shape: [q.rows, ...w.dims.slice(1)], data: part as TensorData });
      off += q.rows;
    }
  }
  return result;
}

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type RingTensor, RingStatus, tensorRingCodec, type RingViews } from './tensor-ring.js';
import { MlopsError, ErrorCode, loadOptionalPeer } from '@mlops/contracts/errors';
import { ChannelLayout as L, type WireMeta, type WireTensor, type WorkerInit, type WorkerReply, type WorkerRequest } from './session-worker.js';

/** Result of one `session.run` in a worker. */
export interface RunResult {
  outputs: Record<string, WireTensor>;
  /** Time spent inside `session.run`, measured in the worker. */
  runMs: number;
}

/** Main-thread side of one worker's SharedArrayBuffer channel (layout in session-worker.ts). */
interface Channel {
  sab: SharedArrayBuffer;
  ctl: Int32Array;
  views: RingViews;
  /** Ring jobs written (running count, wraps like the int32 word it mirrors). */
  jobs: number;
  /** Ring results consumed. */
  results: number;
  /** Ring jobs whose result slot has not been consumed yet (at most `L.slots`). */
  ringInflight: number;
  /** An `Atomics.waitAsync` on the results word is pending. */
  waiting: boolean;
  /** The worker died: a late wake-up must not touch the replacement's state. */
  dead: boolean;
}

const codec = tensorRingCodec();
// Atomics.waitAsync is in Node 16+ (V8) but in TypeScript's lib only from es2024.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
const resultBase = L.controlBytes + L.slots * L.slotBytes;

function newChannel(): Channel {
  const sab = new SharedArrayBuffer(L.controlBytes + 2 * L.slots * L.slotBytes);
  return { sab, ctl: new Int32Array(sab, 0, L.controlBytes >> 2), views: codec.views(sab), jobs: 0, results: 0, ringInflight: 0, waiting: false, dead: false };
}

/** Tell the worker there is work; wake it only if it is asleep (a notify costs a cross-core wake-up). */
function ringDoorbell(ch: Channel): void {
  Atomics.add(ch.ctl, L.DOORBELL, 1);
  if (Atomics.load(ch.ctl, L.SLEEPING) === 1) Atomics.notify(ch.ctl, L.DOORBELL, 1);
}

interface Slot {
  worker: Worker;
  ch: Channel;
  /** False between a worker's death and its replacement: nothing is sent to it then. */
  alive: boolean;
  inflight: number;
  busyMs: number;
  pending: Map<number, { resolve: (r: RunResult) => void; reject: (e: unknown) => void }>;
}

let resolvedOrtPath: string | undefined;

/**
 * Find onnxruntime-node from this package's location (it is a peer dependency), without
 * loading it: only the workers load it. `resolve` is injectable for tests.
 */
export function resolveOnnxRuntime(resolve: (id: string) => string = (id) => createRequire(import.meta.url).resolve(id)): string {
  if (resolvedOrtPath !== undefined && arguments.length === 0) return resolvedOrtPath;
  const found = loadOptionalPeer('onnxruntime-node', '@mlops/serve (ONNX inference)', () => resolve('onnxruntime-node'));
  if (arguments.length === 0) resolvedOrtPath = found;
  return found;
}

/** Options of {@link WorkerPool.create}. */
export interface WorkerPoolOptions {
  source: Uint8Array | string;
  workers: number;
  sessionOptions: Record<string, unknown>;
  /** For messages: which model this pool serves. */
  label: string;
  /** Load on CPU (with a warning) when a requested execution provider cannot be loaded (default true). */
  providerFallback?: boolean;
  /** Receives warnings such as a CPU fallback. */
  onWarning?: (message: string) => void;
}

/**
 * Where a worker starts: the built entry next to this module (dist/session-worker-entry.js,
 * for the ESM and CJS builds alike), or from source (tests, tsx) the .ts entry with tsx's
 * loader registered inside the worker thread first.
 */
function workerEntry(): { filename: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!/\.[cm]?ts$/.test(here)) return { filename: new URL('./session-worker-entry.js', here), eval: false };
  const entry = new URL('./session-worker-entry.ts', here).href;
  // The ESM build of tsx's API (require.resolve finds the CJS one, which cannot register ESM hooks here).
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return { filename: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/**
 * A fixed set of worker threads, each holding its own ONNX Runtime session of the same model.
 * `session.run` blocks the thread it runs on (onnxruntime#19611), so it only ever runs here,
 * never on the main thread.
 */
export class WorkerPool {
  readonly inputs: WireMeta[];
  readonly outputs: WireMeta[];
  private readonly slots: Slot[];
  private nextId = 1;
  private readonly inputIndex: Map<string, number>;
  private closed = false;
  private readonly createdAt = performance.now();
  /** Called whenever a worker finishes a run (the batcher dispatches the next batch). */
  onIdle: (() => void) | undefined;

  private constructor(slots: Slot[], inputs: WireMeta[], outputs: WireMeta[], private readonly options: WorkerPoolOptions) {
    this.slots = slots;
    this.inputs = inputs;
    this.outputs = outputs;
    this.inputIndex = new Map(inputs.map((m, i) => [m.name, i]));
    for (const slot of slots) this.attach(slot);
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const ortPath = resolveOnnxRuntime();
    const started = await Promise.allSettled(Array.from({ length: options.workers }, () => startWorker(ortPath, options)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const ok = started.filter((s): s is PromiseFulfilledResult<Started> => s.status === 'fulfilled');
    if (failed) {
      await Promise.all(ok.map((s) => s.value.worker.terminate()));
      throw failed.reason;
    }
    const first = ok[0]!.value;
    if (first.warning) options.onWarning?.(`Model "${options.label}": ${first.warning}.`);
    const slots = ok.map((s) => ({ worker: s.value.worker, ch: s.value.ch, alive: true, inflight: 0, busyMs: 0, pending: new Map() }));
    return new WorkerPool(slots, first.inputs, first.outputs, options);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs currently executing or waiting in a worker. */
  get inflight(): number {
    let n = 0;
    for (const s of this.slots) n += s.inflight;
    return n;
  }

  /** True when some worker has fewer than `depth` runs in flight. */
  hasCapacity(depth: number): boolean {
    for (const s of this.slots) if (s.alive && s.inflight < depth) return true;
    return false;
  }

  /** Sum over workers of time spent in `session.run`, and wall time since the pool started. */
  utilisation(): { busyMs: number; wallMs: number; workers: number } {
    let busy = 0;
    for (const s of this.slots) busy += s.busyMs;
    return { busyMs: busy, wallMs: performance.now() - this.createdAt, workers: this.slots.length };
  }

  /** Run one batch on the least-loaded worker. Buffers in `transfer` are moved, not copied. */
  run(inputs: Record<string, WireTensor>, outputs: string[] | undefined, transfer: ArrayBuffer[] = []): Promise<RunResult> {
    if (this.closed) {
      return Promise.reject(new MlopsError(ErrorCode.ServiceUnavailable, `Model "${this.options.label}" is closed; load it again to serve it.`));
    }
    let best: Slot | undefined;
    for (const s of this.slots) if (s.alive && (best === undefined || s.inflight < best.inflight)) best = s;
    if (best === undefined) {
      return Promise.reject(
        new MlopsError(ErrorCode.ServiceUnavailable, `Every worker of model "${this.options.label}" has stopped and is being restarted; retry shortly.`, { retryable: true }),
      );
    }
    const slot = best;
    const id = this.nextId++;
    slot.inflight++;
    return new Promise<RunResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const ch = slot.ch;
      if (outputs === undefined && ch.ringInflight < L.slots && this.writeJob(ch, id, inputs)) {
        ch.jobs = (ch.jobs + 1) | 0;
        ch.ringInflight++;
        Atomics.store(ch.ctl, L.JOBS, ch.jobs);
        ringDoorbell(ch);
        this.awaitResults(slot, ch);
        return;
      }
      // BYTES tensors, output subsets, batches larger than a slot, or a full ring: a message.
      const msg: WorkerRequest = { type: 'run', id, inputs, outputs };
      slot.worker.postMessage(msg, transfer);
      ringDoorbell(ch);
    });
  }

  private writeJob(ch: Channel, id: number, inputs: Record<string, WireTensor>): boolean {
    const tensors: RingTensor[] = [];
    for (const name in inputs) {
      const t = inputs[name]!;
      const index = this.inputIndex.get(name);
      if (index === undefined || !ArrayBuffer.isView(t.data)) return false;
      tensors.push({ index, type: t.type, dims: t.dims, data: t.data });
    }
    const base = L.controlBytes + (((ch.jobs % L.slots) + L.slots) % L.slots) * L.slotBytes;
    return codec.write(ch.views, base, L.slotBytes, id, RingStatus.Inline, 0, tensors);
  }

  /** Keep one `Atomics.waitAsync` on the results word armed while ring jobs are in flight. */
  private awaitResults(slot: Slot, ch: Channel): void {
    if (ch.waiting || ch.dead || ch.ringInflight === 0) return;
    const w = waitAsync(ch.ctl, L.RESULTS, ch.results);
    ch.waiting = true;
    const drain = (): void => {
      ch.waiting = false;
      this.drainResults(slot, ch);
    };
    if (w.async) void (w.value as Promise<string>).then(drain);
    else queueMicrotask(drain);
  }

  private drainResults(slot: Slot, ch: Channel): void {
    if (ch.dead) return;
    const head = Atomics.load(ch.ctl, L.RESULTS);
    let settled = false;
    while (ch.results !== head) {
      const base = resultBase + (((ch.results % L.slots) + L.slots) % L.slots) * L.slotBytes;
      const rec = codec.read(ch.views, base);
      ch.results = (ch.results + 1) | 0;
      ch.ringInflight--;
      // ByMessage: the reply (a result too large for the slot, or an error) arrives as a message.
      if (rec.status !== RingStatus.Inline) continue;
      const p = slot.pending.get(rec.id);
      if (!p) continue;
      slot.pending.delete(rec.id);
      slot.inflight--;
      slot.busyMs += rec.runMs;
      const outputs: Record<string, WireTensor> = {};
      for (const t of rec.tensors) outputs[this.outputs[t.index]?.name ?? String(t.index)] = { type: t.type, dims: t.dims, data: t.data };
      p.resolve({ outputs, runMs: rec.runMs });
      settled = true;
    }
    this.awaitResults(slot, ch);
    if (settled) this.onIdle?.();
  }

  /** Stop every worker (after their current runs) and release the sessions. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        slot.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
        ringDoorbell(slot.ch);
        // Terminating a worker inside a native session.run aborts the whole process (ORT
        // throws through N-API), so force it only when the worker is idle.
        const timer = setInterval(() => {
          if (slot.inflight === 0) void slot.worker.terminate();
        }, 5000);
        await exited;
        clearInterval(timer);
        this.retire(slot.ch);
      }),
    );
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (msg: WorkerReply) => {
      if (msg.type !== 'result' && msg.type !== 'run-error') return;
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.inflight--;
      if (msg.type === 'result') {
        slot.busyMs += msg.runMs;
        p.resolve({ outputs: msg.outputs, runMs: msg.runMs });
      } else {
        p.reject(
          new MlopsError(ErrorCode.Internal, `ONNX Runtime failed to run model "${this.options.label}": ${msg.message}`, {
            details: { reason: 'inference_failed' },
          }),
        );
      }
      this.onIdle?.();
    });
    const worker = slot.worker;
    let failed = false;
    const fail = (why: string): void => {
      // 'error' is followed by 'exit': handle the death of this worker once.
      if (failed || slot.worker !== worker) return;
      failed = true;
      slot.alive = false;
      this.retire(slot.ch);
      const err = new MlopsError(ErrorCode.Internal, `A worker of model "${this.options.label}" stopped: ${why}.`, {
        details: { reason: 'worker_crashed' },
      });
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      slot.inflight = 0;
      if (!this.closed) void this.replace(slot);
    };
    slot.worker.on('error', (e) => fail(e.message));
    slot.worker.on('exit', (code) => {
      if (!this.closed) fail(`exit code ${code}`);
    });
  }

  /** Mark a channel dead and release its pending `waitAsync` (it would otherwise wait forever). */
  private retire(ch: Channel): void {
    ch.dead = true;
    Atomics.notify(ch.ctl, L.RESULTS);
  }

  private async replace(slot: Slot): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const fresh = await startWorker(resolveOnnxRuntime(), this.options);
        if (this.closed) {
          await fresh.worker.terminate();
          return;
        }
        slot.worker.removeAllListeners();
        slot.worker = fresh.worker;
        slot.ch = fresh.ch;
        slot.alive = true;
        this.attach(slot);
        this.onIdle?.();
        return;
      } catch {
        // Back off (up to 5 s) and try again; the other workers keep serving meanwhile.
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)).unref());
      }
    }
  }
}

interface Started {
  worker: Worker;
  ch: Channel;
  inputs: WireMeta[];
  outputs: WireMeta[];
  warning: string | undefined;
}

function startWorker(ortPath: string, options: WorkerPoolOptions): Promise<Started> {
  const ch = newChannel();
  const entry = workerEntry();
  const init: WorkerInit = { ortPath, source: options.source, sessionOptions: options.sessionOptions, providerFallback: options.providerFallback ?? true, sab: ch.sab, layout: L };
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: init });
  return new Promise((resolve, reject) => {
    const onMessage = (msg: WorkerReply): void => {
      if (msg.type === 'ready') {
        cleanup();
        resolve({ worker, ch, inputs: msg.inputs, outputs: msg.outputs, warning: msg.warning });
      } else if (msg.type === 'load-error') {
        cleanup();
        void worker.terminate();
        reject(
          msg.provider
            ? new MlopsError(
                ErrorCode.Unsupported,
                `ONNX Runtime could not use execution provider ${msg.provider} for model "${options.label}": ${msg.message}. Install that provider's libraries (for CUDA: CUDA 12 and cuDNN), remove it from sessionOptions.executionProviders, or allow the CPU fallback (providerFallback: true).`,
                { details: { reason: 'provider_unavailable', provider: msg.provider } },
              )
            : new MlopsError(ErrorCode.InvalidArgument, `ONNX Runtime could not load model "${options.label}": ${msg.message}. Check that the source is a valid .onnx file.`, {
                details: { reason: 'load_failed' },
              }),
        );
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new MlopsError(ErrorCode.Internal, `A worker for model "${options.label}" failed to start: ${err.message}`, { cause: err }));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new MlopsError(ErrorCode.Internal, `A worker for model "${options.label}" exited with code ${code} while loading.`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

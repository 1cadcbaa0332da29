// The code each worker thread runs, started from session-worker-entry.ts (its own tsup entry).
// ONNX Runtime, the port and the ring codec are parameters, so tests can drive it in-thread.
import type { RingTensor, TensorRingCodec } from './tensor-ring.js';

/** Message a worker receives. */
export type WorkerRequest =
  | { type: 'run'; id: number; inputs: Record<string, WireTensor>; outputs: string[] | undefined }
  | { type: 'close' };

/** Message a worker sends back. */
export type WorkerReply =
  | { type: 'ready'; inputs: WireMeta[]; outputs: WireMeta[]; warning?: string }
  | { type: 'load-error'; message: string; provider?: string }
  | { type: 'result'; id: number; outputs: Record<string, WireTensor>; runMs: number }
  | { type: 'run-error'; id: number; message: string };

/** A tensor as it crosses the thread boundary: ONNX Runtime type name, dims, storage. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: ArrayBufferView | string[];
}

/** Input/output description as ONNX Runtime reports it. */
export interface WireMeta {
  name: string;
  type: string;
  shape: Array<number | string>;
}

/** What the worker receives in `workerData`. */
export interface WorkerInit {
  ortPath: string;
  source: Uint8Array | string;
  sessionOptions: Record<string, unknown>;
  /**
   * When a requested execution provider (CUDA, TensorRT...) cannot be loaded: true = load on
   * CPU and report a warning, false = fail naming the provider.
   */
  providerFallback: boolean;
  /** The batch channel shared with the main thread. */
  sab: SharedArrayBuffer;
  /** Its layout: {@link ChannelLayout}. */
  layout: typeof ChannelLayout;
}

/**
 * Layout of a worker's SharedArrayBuffer: a control block of int32 words, then `slots` job
 * slots (main -> worker), then `slots` result slots (worker -> main), `slotBytes` each.
 * Job k uses job slot k % slots and its result result slot k % slots; the main thread keeps at
 * most `slots` ring jobs in flight, so a slot is never overwritten before it has been read.
 */
export const ChannelLayout = {
  /** Bumped by the main thread after publishing any work (ring job or port message); the worker sleeps on it. */
  DOORBELL: 0,
  /** 1 while the worker is (about to be) asleep in `Atomics.wait`: only then does the main thread pay for a notify. */
  SLEEPING: 1,
  /** Ring jobs published by the main thread (a running count). */
  JOBS: 2,
  /** Ring results published by the worker (a running count); the main thread waits on it with `Atomics.waitAsync`. */
  RESULTS: 3,
  controlBytes: 64,
  slots: 4,
  slotBytes: 1 << 20,
} as const;

export interface OrtTensorLike {
  type: string;
  dims: readonly number[];
  data: ArrayBufferView | string[];
}
export interface OrtSessionLike {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
  outputMetadata?: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
  run(feeds: Record<string, OrtTensorLike>, fetches?: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
export interface OrtLike {
  InferenceSession: { create(source: Uint8Array | string, options: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: string, data: ArrayBufferView | string[], dims: readonly number[]) => OrtTensorLike;
}
/** One job for the worker: a ring record (`ring` = its index) or a port message (`ring` = -1). */
interface RunJob {
  ring: number;
  id: number;
  inputs: Record<string, WireTensor> | undefined;
  tensors: RingTensor[] | undefined;
  outputs: string[] | undefined;
}
export interface PortLike {
  postMessage(message: WorkerReply, transfer?: ArrayBuffer[]): void;
  close(): void;
}

/**
 * The worker's main function. Jobs arrive two ways, both announced on the doorbell word:
 * small fixed-width batches as ring records in the shared buffer (no structured clone), and
 * everything else (BYTES tensors, batches larger than a slot, requested output subsets,
 * `close`) as port messages pulled with `receiveMessageOnPort`. The worker runs one job at a
 * time and sleeps in `Atomics.wait` when there is none.
 */
export function sessionWorkerMain(
  ort: OrtLike,
  port: PortLike,
  init: WorkerInit,
  codec: TensorRingCodec,
  receive: (port: PortLike) => { message: WorkerRequest } | undefined,
): void {
  const L = init.layout;
  const ctl = new Int32Array(init.sab, 0, L.controlBytes >> 2);
  const views = codec.views(init.sab);
  const resultBase = L.controlBytes + L.slots * L.slotBytes;
  let taken = 0;
  const describe = (
    names: readonly string[],
    meta: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }> | undefined,
  ): WireMeta[] =>
    names.map((name) => {
      const m = meta?.find((x) => x.name === name);
      return { name, type: m?.type ?? 'float32', shape: m?.shape ? Array.from(m.shape) : [] };
    });
  const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

  let portFirst = false;
  let closing = false;
  const fromRing = (): RunJob | undefined => {
    if (taken === Atomics.load(ctl, L.JOBS)) return undefined;
    const k = taken;
    taken = (taken + 1) | 0;
    const rec = codec.read(views, L.controlBytes + (((k % L.slots) + L.slots) % L.slots) * L.slotBytes);
    return { ring: k, id: rec.id, inputs: undefined, tensors: rec.tensors, outputs: undefined };
  };
  const fromPort = (): RunJob | undefined => {
    for (let m = receive(port); m !== undefined; m = receive(port)) {
      const msg = m.message;
      if (msg.type === 'close') closing = true;
      else return { ring: -1, id: msg.id, inputs: msg.inputs, tensors: undefined, outputs: msg.outputs };
    }
    return undefined;
  };
  /** The next job: a ring record (with its ring index) or a port message. Blocks while there is none. */
  const next = (): RunJob | { ring: -1; close: true } => {
    for (;;) {
      // Read the doorbell before looking for work: work published before this read is found
      // below; work published after it changes the doorbell, so the wait returns at once.
      const bell = Atomics.load(ctl, L.DOORBELL);
      // Alternate which queue is looked at first, so neither starves the other.
      portFirst = !portFirst;
      const job = portFirst ? fromPort() ?? fromRing() : fromRing() ?? fromPort();
      if (job !== undefined) return job;
      // `close` waits until the ring is drained: ring jobs sent before it still run.
      if (closing) return { ring: -1, close: true };
      Atomics.store(ctl, L.SLEEPING, 1);
      Atomics.wait(ctl, L.DOORBELL, bell);
      Atomics.store(ctl, L.SLEEPING, 0);
    }
  };

  const loop = async (s: OrtSessionLike): Promise<void> => {
    for (;;) {
      const job = next();
      if ('close' in job) {
        await s.release().catch(() => undefined);
        port.close();
        return;
      }
      const feeds: Record<string, OrtTensorLike> = {};
      try {
        if (job.tensors) {
          for (const t of job.tensors) feeds[s.inputNames[t.index]!] = new ort.Tensor(t.type, t.data, t.dims);
        } else {
          for (const name of Object.keys(job.inputs!)) {
            const t = job.inputs![name]!;
            feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
          }
        }
      } catch (err) {
        reply(s, job.ring, job.id, undefined, 0, message(err));
        continue;
      }
      const started = performance.now();
      try {
        const result = await s.run(feeds, job.outputs);
        reply(s, job.ring, job.id, result, performance.now() - started, undefined);
      } catch (err) {
        reply(s, job.ring, job.id, undefined, 0, message(err));
      }
    }
  };

  /** Send a result: inline in the result slot when it fits, else as a message (the slot then says so). */
  const reply = (s: OrtSessionLike, ring: number, id: number, result: Record<string, OrtTensorLike> | undefined, runMs: number, error: string | undefined): void => {
    if (ring >= 0) {
      const base = resultBase + (((ring % L.slots) + L.slots) % L.slots) * L.slotBytes;
      let inline = false;
      if (result) {
        const tensors: RingTensor[] = [];
        let ok = true;
        for (const name of Object.keys(result)) {
          const t = result[name]!;
          if (!ArrayBuffer.isView(t.data)) ok = false;
          else tensors.push({ index: s.outputNames.indexOf(name), type: t.type, dims: Array.from(t.dims), data: t.data });
        }
        inline = ok && codec.write(views, base, L.slotBytes, id, 1, runMs, tensors);
      }
      if (!inline) codec.write(views, base, L.slotBytes, id, 2, runMs, []);
      if (inline) {
        Atomics.add(ctl, L.RESULTS, 1);
        Atomics.notify(ctl, L.RESULTS);
        return;
      }
      // Post first, then publish the slot: the main thread keeps the job pending until the message lands.
      post(id, result, runMs, error);
      Atomics.add(ctl, L.RESULTS, 1);
      Atomics.notify(ctl, L.RESULTS);
      return;
    }
    post(id, result, runMs, error);
  };

  const post = (id: number, result: Record<string, OrtTensorLike> | undefined, runMs: number, error: string | undefined): void => {
    if (!result) {
      port.postMessage({ type: 'run-error', id, message: error ?? 'unknown error' });
      return;
    }
    const outputs: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of Object.keys(result)) {
      const t = result[name]!;
      outputs[name] = { type: t.type, dims: Array.from(t.dims), data: t.data };
      if (ArrayBuffer.isView(t.data) && t.data.buffer instanceof ArrayBuffer && !transfer.includes(t.data.buffer)) transfer.push(t.data.buffer);
    }
    const msg: WorkerReply = { type: 'result', id, outputs, runMs };
    try {
      port.postMessage(msg, transfer);
    } catch {
      // Some output buffers are owned by native code and cannot be transferred: copy them.
      port.postMessage(msg);
    }
  };

  const ready = (s: OrtSessionLike, warning: string | undefined): void => {
    port.postMessage({ type: 'ready', inputs: describe(s.inputNames, s.inputMetadata), outputs: describe(s.outputNames, s.outputMetadata), ...(warning ? { warning } : {}) });
    void loop(s);
  };
  const providers = (init.sessionOptions.executionProviders as Array<string | { name: string }> | undefined) ?? [];
  const names = providers.map((p) => (typeof p === 'string' ? p : p.name).toLowerCase());
  const accelerators = names.filter((n) => n !== 'cpu');
  ort.InferenceSession.create(init.source, init.sessionOptions).then(
    (s) => ready(s, undefined),
    (err: unknown) => {
      const why = message(err);
      // A provider that cannot load (no CUDA libraries, say) fails session creation with a
      // message about the provider; retry on CPU when allowed, so the error is not mistaken for a bad model.
      if (accelerators.length === 0) {
        port.postMessage({ type: 'load-error', message: why });
        return;
      }
      if (!init.providerFallback) {
        port.postMessage({ type: 'load-error', message: why, provider: accelerators.join(', ') });
        return;
      }
      ort.InferenceSession.create(init.source, { ...init.sessionOptions, executionProviders: ['cpu'] }).then(
        (s) => ready(s, `execution provider ${accelerators.join(', ')} could not be used (${why}); running on CPU instead`),
        (err2: unknown) => port.postMessage({ type: 'load-error', message: message(err2) }),
      );
    },
  );
}

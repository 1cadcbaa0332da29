// The code each worker thread runs. It is shipped to `new Worker(code, { eval: true })` as a
// string built from `sessionWorkerMain.toString()`, so the package needs no second entry file
// and works the same from src/ (tests) and dist/ (ESM and CJS). The function must therefore be
// self-contained: no imports, no helpers, only its parameters and globals.

/** Message a worker receives. */
export type WorkerRequest =
  | { type: 'run'; id: number; inputs: Record<string, WireTensor>; outputs: string[] | undefined }
  | { type: 'close' };

/** Message a worker sends back. */
export type WorkerReply =
  | { type: 'ready'; inputs: WireMeta[]; outputs: WireMeta[] }
  | { type: 'load-error'; message: string }
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
}

interface OrtTensorLike {
  type: string;
  dims: readonly number[];
  data: ArrayBufferView | string[];
}
interface OrtSessionLike {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
  outputMetadata?: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }>;
  run(feeds: Record<string, OrtTensorLike>, fetches?: string[]): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
interface OrtLike {
  InferenceSession: { create(source: Uint8Array | string, options: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: string, data: ArrayBufferView | string[], dims: readonly number[]) => OrtTensorLike;
}
interface PortLike {
  on(event: 'message', listener: (message: WorkerRequest) => void): void;
  postMessage(message: WorkerReply, transfer?: ArrayBuffer[]): void;
  close(): void;
}

export function sessionWorkerMain(ort: OrtLike, port: PortLike, init: WorkerInit): void {
  let session: OrtSessionLike | undefined;
  const describe = (
    names: readonly string[],
    meta: ReadonlyArray<{ name: string; type?: string; shape?: ReadonlyArray<number | string> }> | undefined,
  ): WireMeta[] =>
    names.map((name) => {
      const m = meta?.find((x) => x.name === name);
      return { name, type: m?.type ?? 'float32', shape: m?.shape ? Array.from(m.shape) : [] };
    });

  ort.InferenceSession.create(init.source, init.sessionOptions).then(
    (s) => {
      session = s;
      port.postMessage({ type: 'ready', inputs: describe(s.inputNames, s.inputMetadata), outputs: describe(s.outputNames, s.outputMetadata) });
    },
    (err: unknown) => {
      port.postMessage({ type: 'load-error', message: err instanceof Error ? err.message : String(err) });
    },
  );

  port.on('message', (msg) => {
    if (msg.type === 'close') {
      const s = session;
      session = undefined;
      const done = (): void => port.close();
      if (s) s.release().then(done, done);
      else done();
      return;
    }
    const s = session;
    if (!s) {
      port.postMessage({ type: 'run-error', id: msg.id, message: 'the session is not loaded' });
      return;
    }
    const feeds: Record<string, OrtTensorLike> = {};
    try {
      for (const name of Object.keys(msg.inputs)) {
        const t = msg.inputs[name]!;
        feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      }
    } catch (err) {
      port.postMessage({ type: 'run-error', id: msg.id, message: err instanceof Error ? err.message : String(err) });
      return;
    }
    const started = performance.now();
    s.run(feeds, msg.outputs).then(
      (result) => {
        const runMs = performance.now() - started;
        const outputs: Record<string, WireTensor> = {};
        const transfer: ArrayBuffer[] = [];
        for (const name of Object.keys(result)) {
          const t = result[name]!;
          outputs[name] = { type: t.type, dims: Array.from(t.dims), data: t.data };
          if (ArrayBuffer.isView(t.data) && t.data.buffer instanceof ArrayBuffer && !transfer.includes(t.data.buffer)) {
            transfer.push(t.data.buffer);
          }
        }
        const reply: WorkerReply = { type: 'result', id: msg.id, outputs, runMs };
        try {
          port.postMessage(reply, transfer);
        } catch {
          // Some output buffers are owned by native code and cannot be transferred: copy them.
          port.postMessage(reply);
        }
      },
      (err: unknown) => {
        port.postMessage({ type: 'run-error', id: msg.id, message: err instanceof Error ? err.message : String(err) });
      },
    );
  });
}

/** The script a worker evaluates: load ONNX Runtime from the resolved path, then run the main function. */
export function sessionWorkerScript(): string {
  return (
    // Transpilers with keepNames (tsx, vitest) wrap functions in a `__name` helper: provide it.
    `var __name = (fn) => fn;\n` +
    `const wt = require('node:worker_threads');\n` +
    `const ort = require(wt.workerData.ortPath);\n` +
    `(${sessionWorkerMain.toString()})(ort, wt.parentPort, wt.workerData);\n`
  );
}

import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DataCorruptedError, type MlopsError } from '@mlops/contracts';

/** The sha256 (hex) and byte count of a hashed artifact. */
export interface HashResult {
  sha256: string;
  size: number;
}

/** Artifacts at least this large are hashed on a worker thread; smaller ones are not worth the copies. */
export const WORKER_HASH_THRESHOLD = 8 * 1024 * 1024;
/** Bytes sent to the worker but not yet hashed before the uploader waits: bounds memory. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;

// Inline CommonJS so that the same code runs from src (tsx, vitest) and from both dist builds
// without resolving a second entry file.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.type === 'start') jobs.set(m.id, createHash('sha256'));
    else if (m.type === 'chunk') {
      const hash = jobs.get(m.id);
      if (hash) hash.update(new Uint8Array(m.buffer, 0, m.length));
      // Hand the buffer back for reuse: no allocation (and no garbage) per chunk.
      parentPort.postMessage({ type: 'ack', id: m.id, buffer: m.buffer }, [m.buffer]);
    } else if (m.type === 'end') {
      const hash = jobs.get(m.id);
      jobs.delete(m.id);
      parentPort.postMessage({ type: 'done', id: m.id, sha256: hash.digest('hex') });
    } else if (m.type === 'cancel') jobs.delete(m.id);
  } catch (error) {
    jobs.delete(m.id);
    parentPort.postMessage({ type: 'error', id: m.id, message: String((error && error.message) || error) });
  }
});
`;

type WorkerReply = { type: 'ack'; id: number; buffer: ArrayBuffer } | { type: 'done'; id: number; sha256: string } | { type: 'error'; id: number; message: string };

interface Job {
  inFlight: number;
  failure?: Error;
  wake?: () => void;
  resolve(sha256: string): void;
  reject(error: Error): void;
}

/** A lazily started, reused sha256 worker thread that hashes large artifacts while the main thread writes them. */
export interface HashWorker {
  /**
   * Re-yields `source` unchanged. Once it has proven to hold at least {@link WORKER_HASH_THRESHOLD}
   * bytes, copies of the chunks are hashed on the worker; smaller sources are hashed in-thread.
   * `result()` resolves after the stream ended, with the digest, and rejects if the worker failed.
   */
  hash(source: AsyncIterable<Uint8Array>): { chunks: AsyncGenerator<Uint8Array>; result: () => Promise<HashResult> };
  /** Terminates the worker; hashes in progress fail, later ones run in-thread. */
  close(): Promise<void>;
}

function workerError(message: string, cause?: unknown): MlopsError {
  return new DataCorruptedError(`The sha256 hashing worker failed (${message}); the artifact was not recorded. Register the model version again.`, {
    cause,
  });
}

/** Creates the registry's hashing worker (nothing is started until a large artifact arrives). */
export function createHashWorker(threshold = WORKER_HASH_THRESHOLD): HashWorker {
  let worker: Worker | undefined;
  let closed = false;
  let nextId = 1;
  const jobs = new Map<number, Job>();
  // Copy buffers the worker handed back, so steady-state memory is bounded by MAX_IN_FLIGHT.
  const pool: ArrayBuffer[] = [];
  let pooled = 0;
  const takeBuffer = (size: number): ArrayBuffer => {
    const reused = pool.pop();
    if (reused) {
      pooled -= reused.byteLength;
      if (reused.byteLength >= size) return reused;
    }
    return new ArrayBuffer(size);
  };

  const failAll = (error: Error) => {
    for (const job of jobs.values()) {
      job.failure ??= error;
      job.reject(error);
      job.wake?.();
    }
    jobs.clear();
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const started = new Worker(WORKER_SOURCE, { eval: true });
    // Idle, the worker must not keep the process alive; it is ref'd only while a hash is pending.
    started.unref();
    started.on('message', (reply: WorkerReply) => {
      const job = jobs.get(reply.id);
      if (!job) return;
      if (reply.type === 'ack') {
        job.inFlight -= reply.buffer.byteLength;
        if (pooled + reply.buffer.byteLength <= MAX_IN_FLIGHT) {
          pool.push(reply.buffer);
          pooled += reply.buffer.byteLength;
        }
        const wake = job.wake;
        job.wake = undefined;
        wake?.();
        return;
      }
      finish(reply.id);
      if (reply.type === 'done') job.resolve(reply.sha256);
      else job.reject(workerError(reply.message));
    });
    started.on('error', (error) => {
      if (worker === started) worker = undefined;
      failAll(workerError(error.message, error));
    });
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      failAll(workerError(`it exited with code ${code}`));
    });
    worker = started;
    return started;
  };

  const finish = (id: number) => {
    jobs.delete(id);
    if (jobs.size === 0) worker?.unref();
  };

  return {
    hash(source) {
      let size = 0;
      let ended = false;
      let local: HashResult | undefined;
      let digest: Promise<string> | undefined;
      let id = 0;

      async function* chunks(): AsyncGenerator<Uint8Array> {
        const iterator = source[Symbol.asyncIterator]();
        let job: Job | undefined;
        try {
          // Read (without yielding) until the source proves large enough to be worth the worker.
          const buffered: Uint8Array[] = [];
          let bufferedBytes = 0;
          let done = false;
          while (bufferedBytes < threshold) {
            const next = await iterator.next();
            if (next.done) {
              done = true;
              break;
            }
            buffered.push(next.value);
            bufferedBytes += next.value.byteLength;
          }
          if (done || closed) {
            // Small (or the registry is closing): hash in-thread, as before.
            const hash = createHash('sha256');
            for (const chunk of buffered) {
              hash.update(chunk);
              size += chunk.byteLength;
              yield chunk;
            }
            if (!done) {
              for (;;) {
                const next = await iterator.next();
                if (next.done) break;
                hash.update(next.value);
                size += next.value.byteLength;
                yield next.value;
              }
            }
            local = { sha256: hash.digest('hex'), size };
            ended = true;
            return;
          }
          const thread = ensureWorker();
          id = nextId++;
          let resolveDigest!: (sha256: string) => void;
          let rejectDigest!: (error: Error) => void;
          digest = new Promise<string>((resolve, reject) => {
            resolveDigest = resolve;
            rejectDigest = reject;
          });
          // Handled by result(); a failure also surfaces through job.failure on the next chunk.
          digest.catch(() => undefined);
          const current: Job = { inFlight: 0, resolve: resolveDigest, reject: rejectDigest };
          job = current;
          if (jobs.size === 0) thread.ref();
          jobs.set(id, current);
          thread.postMessage({ type: 'start', id });
          const send = async (chunk: Uint8Array) => {
            if (current.failure) throw current.failure;
            while (current.inFlight >= MAX_IN_FLIGHT && !current.failure) await new Promise<void>((resolve) => (current.wake = resolve));
            if (current.failure) throw current.failure;
            // One memcpy (far cheaper than the hash) so the caller may reuse its buffer and the store keeps its own.
            const buffer = takeBuffer(chunk.byteLength);
            new Uint8Array(buffer, 0, chunk.byteLength).set(chunk);
            current.inFlight += buffer.byteLength;
            size += chunk.byteLength;
            thread.postMessage({ type: 'chunk', id, buffer, length: chunk.byteLength }, [buffer]);
          };
          for (const chunk of buffered) {
            await send(chunk);
            yield chunk;
          }
          buffered.length = 0;
          for (;;) {
            const next = await iterator.next();
            if (next.done) break;
            await send(next.value);
            yield next.value;
          }
          if (current.failure) throw current.failure;
          thread.postMessage({ type: 'end', id });
          ended = true;
        } finally {
          if (!ended) {
            // The consumer gave up or the source/worker failed: release the source and the job.
            await iterator.return?.().catch(() => undefined);
            if (job && jobs.has(id)) {
              worker?.postMessage({ type: 'cancel', id });
              job.reject(workerError('the upload stopped before the end of the stream'));
              finish(id);
            }
          }
        }
      }

      return {
        chunks: chunks(),
        async result() {
          if (!ended) {
            throw new DataCorruptedError('The store finished writing an artifact before reading its whole stream; refusing to record a partial blob.');
          }
          if (local) return local;
          return { sha256: await digest!, size };
        },
      };
    },

    async close() {
      closed = true;
      const running = worker;
      worker = undefined;
      failAll(workerError('the registry was closed during the upload'));
      pool.length = 0;
      pooled = 0;
      if (running) await running.terminate();
    },
  };
}


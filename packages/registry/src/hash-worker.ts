import { createHash } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashWorkerReply, HashWorkerRequest } from './hash-worker-thread.js';
import { DataCorruptedError, type MlopsError } from '@mlops/contracts/errors';

/** The sha256 (hex) and byte count of a hashed artifact. */
export interface HashResult {
  sha256: string;
  size: number;
}

/** Artifacts at least this large are hashed on a worker thread; smaller ones are not worth the copies. */
export const WORKER_HASH_THRESHOLD = 8 * 1024 * 1024;
/** Bytes sent to the worker but not yet hashed before the uploader waits: bounds memory. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;
/** Copies of stream chunks travel to the worker in batches of this size (fewer messages). */
const BATCH = 4 * 1024 * 1024;
/** Read size for local files (the same as the file streams of plain artifacts). */
const FILE_CHUNK = 1024 * 1024;
/** The worker's read size when it hashes a local file on its own. */
const WORKER_READ = 4 * 1024 * 1024;

/**
 * The worker's entry file, next to this module: `hash-worker-thread.js` (ESM) or `.cjs` in dist/,
 * `.ts` when running from source (tests, tsx), which the worker then loads through tsx.
 */
function workerEntry(): URL {
  const here = typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);
  const ext = extname(fileURLToPath(here));
  return new URL(ext === '.ts' ? './hash-worker-dev.mjs' : `./hash-worker-thread${ext}`, here);
}

interface Job {
  inFlight: number;
  failure?: Error;
  wake?: () => void;
  resolve(result: HashResult): void;
  reject(error: Error): void;
}

/** A lazily started, reused sha256 worker thread that hashes large artifacts while the main thread writes them. */
export interface HashWorker {
  /**
   * Re-yields `source` unchanged. Once it has proven to hold at least {@link WORKER_HASH_THRESHOLD}
   * bytes, copies of the chunks (packed into pooled 4 MiB batches) are hashed on the worker;
   * smaller sources are hashed in-thread.
   * `result()` resolves after the stream ended, with the digest, and rejects if the worker failed.
   */
  hash(source: AsyncIterable<Uint8Array>): { chunks: AsyncGenerator<Uint8Array>; result: () => Promise<HashResult> };
  /**
   * Streams a local file in 1 MiB chunks. Files of at least {@link WORKER_HASH_THRESHOLD} bytes are
   * read a second time by the worker on its own handle and hashed there (from the page cache), so
   * the main thread does exactly what a plain put does: no copy, no message per chunk. The file's
   * identity, size and change time are compared before and after; a file modified meanwhile fails
   * the upload with `DATA_CORRUPTED` instead of recording a digest of other bytes.
   */
  hashFile(file: string): {
    chunks: AsyncGenerator<Uint8Array>;
    result: () => Promise<HashResult>;
    /**
     * The file's digest as soon as it is known, before the chunks are consumed (the same worker
     * job as `result()`, so the file is hashed once): lets a caller cancel the upload of content
     * already stored. `result()` still checks that the file did not change while it was streamed.
     */
    digest: () => Promise<HashResult>;
  };
  /** Terminates the worker; hashes in progress fail, later ones run in-thread. */
  close(): Promise<void>;
}

/** Typed messages to the worker thread. */
function send(thread: Worker, message: HashWorkerRequest, transfer?: ArrayBuffer[]): void {
  thread.postMessage(message, transfer);
}

function workerError(message: string, cause?: unknown): MlopsError {
  return new DataCorruptedError(`The sha256 hashing worker failed (${message}); the artifact was not recorded. Register the model version again.`, {
    cause,
  });
}

/** sha256 of a small local file, in-thread. */
async function digestSmallFile(file: string): Promise<HashResult> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: FILE_CHUNK }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
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
    const started = new Worker(workerEntry());
    // Idle, the worker must not keep the process alive; it is ref'd only while a hash is pending.
    started.unref();
    started.on('message', (reply: HashWorkerReply) => {
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
      if (reply.type === 'done') job.resolve({ sha256: reply.sha256, size: reply.size });
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

  /** A hash job on the worker: `post` hands it one batch of copied bytes. */
  interface Running {
    /** Transfers `buffer` (its first `length` bytes count), waiting while too much is in flight. */
    post(buffer: ArrayBuffer, length: number): Promise<void>;
    /** Asks for the digest once every batch was posted (or, for a file job, resolves when the worker read it all). */
    end(): Promise<HashResult>;
    /** Drops the job after a failure or an early stop. */
    abandon(): void;
  }

  /** Starts a job: batches posted by the caller, or (`file`) a file the worker reads itself. */
  const startJob = (file?: string): Running => {
    const thread = ensureWorker();
    const id = nextId++;
    let resolveDigest!: (result: HashResult) => void;
    let rejectDigest!: (error: Error) => void;
    const digest = new Promise<HashResult>((resolve, reject) => {
      resolveDigest = resolve;
      rejectDigest = reject;
    });
    // Handled by end(); a failure also surfaces through job.failure on the next batch.
    digest.catch(() => undefined);
    const job: Job = { inFlight: 0, resolve: resolveDigest, reject: rejectDigest };
    if (jobs.size === 0) thread.ref();
    jobs.set(id, job);
    send(thread, file === undefined ? { type: 'start', id } : { type: 'file', id, path: file, chunkSize: WORKER_READ });
    return {
      async post(buffer, length) {
        if (job.failure) throw job.failure;
        while (job.inFlight >= MAX_IN_FLIGHT && !job.failure) await new Promise<void>((resolve) => (job.wake = resolve));
        if (job.failure) throw job.failure;
        job.inFlight += buffer.byteLength;
        send(thread, { type: 'chunk', id, buffer, length }, [buffer]);
      },
      end() {
        if (job.failure) throw job.failure;
        if (file === undefined) send(thread, { type: 'end', id });
        return digest;
      },
      abandon() {
        if (!jobs.has(id)) return;
        if (worker) send(worker, { type: 'cancel', id });
        job.reject(workerError('the upload stopped before the end of the stream'));
        finish(id);
      },
    };
  };

  const recycle = (buffer: ArrayBuffer) => {
    if (pooled + buffer.byteLength <= MAX_IN_FLIGHT) {
      pool.push(buffer);
      pooled += buffer.byteLength;
    }
  };

  /** Wraps a chunk generator so that `result()` refuses a digest until the whole stream was read. */
  const hashed = (
    body: (done: (result: HashResult | Promise<HashResult>) => void) => AsyncGenerator<Uint8Array>,
  ): { chunks: AsyncGenerator<Uint8Array>; result: () => Promise<HashResult> } => {
    let final: HashResult | Promise<HashResult> | undefined;
    const chunks = body((result) => {
      final = result;
      if (final instanceof Promise) final.catch(() => undefined);
    });
    return {
      chunks,
      async result() {
        if (final === undefined) {
          throw new DataCorruptedError('The store finished writing an artifact before reading its whole stream; refusing to record a partial blob.');
        }
        return final;
      },
    };
  };

  const hashStream = (source: AsyncIterable<Uint8Array>): { chunks: AsyncGenerator<Uint8Array>; result: () => Promise<HashResult> } =>
    hashed(async function* (done) {
      const iterator = source[Symbol.asyncIterator]();
      // Every chunk is copied before it is yielded, because a source may reuse its buffer for the
      // next chunk. The copies are packed into pooled 4 MiB batches. Until the stream proves large
      // enough for the worker they are held; past that they go to the worker (or, once the
      // registry is closing, are hashed here); a stream that ends small is hashed here from them.
      let running: Running | undefined;
      let local: ReturnType<typeof createHash> | undefined;
      const held: { buffer: ArrayBuffer; length: number }[] = [];
      let batch: ArrayBuffer | undefined;
      let used = 0;
      let size = 0;
      let ended = false;
      const release = async (buffer: ArrayBuffer, length: number) => {
        if (running) await running.post(buffer, length);
        else if (local) {
          local.update(new Uint8Array(buffer, 0, length));
          recycle(buffer);
        } else held.push({ buffer, length });
      };
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          const chunk = next.value;
          if (!running && !local && size + chunk.byteLength >= threshold) {
            if (closed) local = createHash('sha256');
            else running = startJob();
            for (const h of held.splice(0)) await release(h.buffer, h.length);
          }
          for (let offset = 0; offset < chunk.byteLength; ) {
            if (!batch) {
              batch = takeBuffer(BATCH);
              used = 0;
            }
            const n = Math.min(chunk.byteLength - offset, batch.byteLength - used);
            new Uint8Array(batch, used, n).set(offset === 0 && n === chunk.byteLength ? chunk : chunk.subarray(offset, offset + n));
            used += n;
            offset += n;
            if (used === batch.byteLength) {
              const full = batch;
              batch = undefined;
              await release(full, used);
            }
          }
          size += chunk.byteLength;
          yield chunk;
        }
        if (batch && used > 0) {
          const last = batch;
          batch = undefined;
          await release(last, used);
        }
        if (running) {
          const digest = running.end();
          ended = true;
          done(
            digest.then((result) => {
              if (result.size !== size) throw workerError(`it hashed ${result.size} bytes of a ${size}-byte stream`);
              return result;
            }),
          );
          return;
        }
        const hash = local ?? createHash('sha256');
        for (const h of held.splice(0)) {
          hash.update(new Uint8Array(h.buffer, 0, h.length));
          recycle(h.buffer);
        }
        ended = true;
        done({ sha256: hash.digest('hex'), size });
      } finally {
        if (!ended) {
          // The consumer gave up or the source/worker failed: release the source and the job.
          await iterator.return?.().catch(() => undefined);
          running?.abandon();
        }
      }
    });

  return {
    hash: hashStream,

    hashFile(file) {
      // One worker job per file, started by whichever comes first (the early digest or the first
      // chunk): the digest that decides whether to upload and the streamed upload's check share it,
      // so the file is hashed once.
      let started: Promise<{ before: BigIntStats; running?: Running }> | undefined;
      const begin = () =>
        (started ??= stat(file, { bigint: true }).then((before) => ({ before, running: before.size < BigInt(threshold) || closed ? undefined : startJob(file) })));
      let early: Promise<HashResult> | undefined;
      const digest = () => {
        early ??= begin().then(({ running }) => (running ? running.end() : digestSmallFile(file)));
        return early;
      };
      const stream = hashed(async function* (done) {
        let running: Running | undefined;
        let ended = false;
        try {
          const job = await begin();
          const before = job.before;
          if (!job.running) {
            const small = hashStream(createReadStream(file, { highWaterMark: FILE_CHUNK }));
            yield* small.chunks;
            ended = true;
            done(small.result());
            return;
          }
          running = job.running;
          let size = 0;
          for await (const chunk of createReadStream(file, { highWaterMark: FILE_CHUNK }) as AsyncIterable<Buffer>) {
            size += chunk.byteLength;
            yield chunk;
          }
          ended = true;
          done(
            digest().then(async (result) => {
              // The worker read the file on its own: it hashed the bytes we streamed only if the
              // file stayed the same file, with the same size and change time, all along.
              const after = await stat(file, { bigint: true });
              const same = after.ino === before.ino && after.dev === before.dev && after.size === before.size && after.ctimeNs === before.ctimeNs && after.mtimeNs === before.mtimeNs;
              if (!same || result.size !== size || BigInt(size) !== before.size) {
                throw new DataCorruptedError(
                  `The local file "${file}" changed while it was being registered (${before.size} bytes before, ${after.size} after, ${size} streamed); ` +
                    'nothing was recorded. Register it again once nothing writes to it.',
                  { details: { file } },
                );
              }
              return result;
            }),
          );
        } finally {
          // A digest asked for early is of the whole file, whatever became of the upload.
          if (!ended && early === undefined) running?.abandon();
        }
      });
      return { ...stream, digest };
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


// The sha256 worker thread's entry file (built by tsup as its own entry, loaded by URL from
// hash-worker.ts). Only Node built-ins here: the file runs alone in the worker.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** Messages the main thread sends. */
export type HashWorkerRequest =
  | { type: 'start'; id: number }
  | { type: 'chunk'; id: number; buffer: ArrayBuffer; length: number }
  | { type: 'end'; id: number }
  | { type: 'file'; id: number; path: string; chunkSize: number }
  | { type: 'cancel'; id: number };

/** Messages the worker answers with. */
export type HashWorkerReply =
  | { type: 'ack'; id: number; buffer: ArrayBuffer }
  | { type: 'done'; id: number; sha256: string; size: number }
  | { type: 'error'; id: number; message: string };

interface Job {
  hash: Hash;
  size: number;
}

const port = parentPort;
const jobs = new Map<number, Job>();
const post = (reply: HashWorkerReply, transfer?: ArrayBuffer[]) => port?.postMessage(reply, transfer);

const fail = (id: number, error: unknown) => {
  jobs.delete(id);
  post({ type: 'error', id, message: String((error as Error | undefined)?.message ?? error) });
};

// A local file is read here, on the worker's own file descriptor, so the main thread does nothing
// but stream it to the store. Reads are synchronous so they stay off the process-wide libuv pool
// the store's writes need; the loop yields between reads so other jobs' messages (and cancels) get through.
async function hashFile(id: number, path: string, chunkSize: number): Promise<void> {
  const job = jobs.get(id);
  if (!job) return;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      if (jobs.get(id) !== job) return; // cancelled
      const bytesRead = readSync(fd, buffer, 0, chunkSize, null);
      if (bytesRead === 0) break;
      job.hash.update(bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead));
      job.size += bytesRead;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
  if (jobs.get(id) !== job) return;
  jobs.delete(id);
  post({ type: 'done', id, sha256: job.hash.digest('hex'), size: job.size });
}

port?.on('message', (m: HashWorkerRequest) => {
  try {
    if (m.type === 'start') jobs.set(m.id, { hash: createHash('sha256'), size: 0 });
    else if (m.type === 'chunk') {
      const job = jobs.get(m.id);
      if (job) {
        job.hash.update(new Uint8Array(m.buffer, 0, m.length));
        job.size += m.length;
      }
      // Hand the buffer back for reuse: no allocation (and no garbage) per chunk.
      post({ type: 'ack', id: m.id, buffer: m.buffer }, [m.buffer]);
    } else if (m.type === 'end') {
      const job = jobs.get(m.id);
      jobs.delete(m.id);
      if (job) post({ type: 'done', id: m.id, sha256: job.hash.digest('hex'), size: job.size });
    } else if (m.type === 'file') {
      jobs.set(m.id, { hash: createHash('sha256'), size: 0 });
      hashFile(m.id, m.path, m.chunkSize).catch((error: unknown) => fail(m.id, error));
    } else if (m.type === 'cancel') jobs.delete(m.id);
  } catch (error) {
    fail(m.id, error);
  }
});

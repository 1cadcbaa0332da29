// Entry file of every session worker thread: a separate tsup entry (dist/session-worker-entry.js),
// started by URL from worker-pool.ts. It loads onnxruntime-node from the path the main thread
// resolved (a peer dependency of this package, not of the worker's location).
import { createRequire } from 'node:module';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type OrtLike, type PortLike, type WorkerInit, type WorkerRequest, sessionWorkerMain } from './session-worker.js';
import { tensorRingCodec } from './tensor-ring.js';

const init = workerData as WorkerInit;
const ort = createRequire(import.meta.url)(init.ortPath) as OrtLike;
sessionWorkerMain(ort, parentPort as unknown as PortLike, init, tensorRingCodec(), (port) => receiveMessageOnPort(port as never) as { message: WorkerRequest } | undefined);

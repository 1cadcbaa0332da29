// One server under test, in its own process (forked by serve-bench.ts with an IPC channel).
// argv: <kind> <sizes> [workers]; kinds: naive | ceiling | serve.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { createModelServer, loadModel } from '../src/index.js';
import { mlpModel } from '../test/onnx-models.js';

const [kind, sizesArg, workersArg, delayArg] = process.argv.slice(2);
const sizes = sizesArg!.split(',').map(Number);
const bytes = mlpModel(sizes);
const eld = monitorEventLoopDelay({ resolution: 1 });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface OipRequest {
  id?: string;
  inputs: Array<{ name: string; shape: number[]; datatype: string; data: number[] | number[][] }>;
}

let grpcPort: number | undefined;

async function start(): Promise<number> {
  if (kind === 'serve') {
    const model = await loadModel({
      source: bytes,
      name: 'mlp',
      ...(workersArg ? { workers: Number(workersArg) } : {}),
      batching: { maxBatchSize: 128, maxQueueDelayMs: delayArg ? Number(delayArg) : 0, maxQueueSize: 4096 },
    });
    // BENCH_GRPC=1: also the gRPC endpoint (same models), its port reported as grpcPort.
    const server = createModelServer({ models: [model], port: 0, ...(process.env.BENCH_GRPC === '1' ? { grpc: { port: 0 } } : {}) });
    const bound = await server.listen();
    grpcPort = bound.grpcPort;
    return bound.port;
  }
  if (kind === 'naive') {
    // What a Node service does with raw onnxruntime-node: session.run on the main thread.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const http = createServer((req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        const doc = JSON.parse((await readBody(req)).toString()) as OipRequest;
        const input = doc.inputs[0]!;
        const flat = (input.data as unknown[]).flat(Infinity) as number[];
        const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(flat), input.shape) });
        const y = out.y!;
        const text = JSON.stringify({ model_name: 'mlp', model_version: '1', id: doc.id, outputs: [{ name: 'y', datatype: 'FP32', shape: y.dims, data: Array.from(y.data as Float32Array) }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    return (http.address() as AddressInfo).port;
  }
  if (kind === 'ceiling') {
    // The HTTP ceiling: parse the same JSON, answer a constant of the same shape. No inference.
    const constant = JSON.stringify({ model_name: 'mlp', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, sizes[sizes.length - 1]], data: new Array(sizes[sizes.length - 1]).fill(0.25) }] });
    const http = createServer((req, res) => {
      void (async () => {
        const doc = JSON.parse((await readBody(req)).toString()) as OipRequest;
        if (!Array.isArray(doc.inputs)) throw new Error('bad request');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(constant) });
        res.end(constant);
      })();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    return (http.address() as AddressInfo).port;
  }
  throw new Error(`unknown kind ${kind}`);
}

const port = await start();
eld.enable();
/** CPU ms of the main thread alone (Linux /proc; NaN elsewhere): the thread that bounds HTTP throughput. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}
let cpuMark = process.cpuUsage();
let mainMark = mainThreadCpuMs();
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'eld-reset') {
    eld.reset();
    cpuMark = process.cpuUsage();
    mainMark = mainThreadCpuMs();
    process.send!({ type: 'eld-reset-done' });
  } else if (msg.type === 'eld-read') {
    // CPU of the whole process (main thread and workers): robust to other load on the machine.
    const cpu = process.cpuUsage(cpuMark);
    process.send!({ type: 'eld', maxMs: eld.max / 1e6, p99Ms: eld.percentile(99) / 1e6, meanMs: eld.mean / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs: mainThreadCpuMs() - mainMark });
  } else if (msg.type === 'exit') {
    process.exit(0);
  }
});
process.send!({ type: 'ready', port, grpcPort });

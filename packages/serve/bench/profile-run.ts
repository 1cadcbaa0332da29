// Profiling helper (not part of the benchmark): node --cpu-prof on one server kind under load.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop } from './http-load.js';
import { seededRandom } from '../test/onnx-models.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const kind = process.argv[2] ?? 'serve';
const sizes = [32, 256, 256, 2];
const child = fork(path.join(here, 'server-process.ts'), [kind, sizes.join(',')], {
  execArgv: ['--import', 'tsx', '--conditions=@mlops/source', '--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp'}`],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
const rand = seededRandom(2);
const body = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 32], datatype: 'FP32', data: Array.from({ length: 32 }, () => Math.round(rand() * 1000) / 1000) }] }));
const r = await closedLoop({ host: '127.0.0.1', port, path: '/v2/models/mlp/infer', body }, 64, 4);
console.log(kind, r.rps.toFixed(0), 'req/s');
child.send({ type: 'exit' });

// Development helper (not the benchmark): before/after main-thread CPU per request of two
// checkouts' servers at the SAME fixed request rate (open loop), so both see the same batch sizes;
// rounds alternate between them (and the HTTP ceiling). CPU time, not throughput: far less
// sensitive to other work on a shared machine.
// Run: AB_BASELINE=<checkout>/packages/serve/bench/server-process.ts [AB_RATE=8000 AB_ROUNDS=5 AB_SECONDS=3] \
//      npx tsx --conditions=@mlops/source bench/ab-cpu.ts
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { askChild } from './child-ipc.js';
import { openLoop } from './http-load.js';
import { seededRandom } from '../test/onnx-models.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizes = [32, 256, 256, 2];
const rate = Number(process.env.AB_RATE ?? 8000);
const rounds = Number(process.env.AB_ROUNDS ?? 5);
const seconds = Number(process.env.AB_SECONDS ?? 3);
const rand = seededRandom(2);
const body = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 32], datatype: 'FP32', data: Array.from({ length: 32 }, () => Math.round(rand() * 1000) / 1000) }] }));

interface Contender { name: string; child: ChildProcess; port: number; main: number[]; all: number[] }

async function start(name: string, script: string, kind: string): Promise<Contender> {
  const child = fork(script, [kind, sizes.join(',')], { execArgv: ['--import', 'tsx', '--conditions=@mlops/source'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { name, child, port, main: [], all: [] };
}
function ask<T>(c: Contender, type: string, reply: string): Promise<T> {
  return askChild<T>(c.child, type, reply);
}

const contenders = [await start('ceiling', path.join(here, 'server-process.ts'), 'ceiling'), await start('serve (this checkout)', path.join(here, 'server-process.ts'), 'serve')];
if (process.env.AB_BASELINE) contenders.push(await start(`serve (${process.env.AB_BASELINE})`, path.resolve(process.env.AB_BASELINE), 'serve'));
for (const c of contenders) await openLoop({ host: '127.0.0.1', port: c.port, path: '/v2/models/mlp/infer', body }, rate, 1); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const c of contenders) {
    await ask(c, 'eld-reset', 'eld-reset-done');
    const res = await openLoop({ host: '127.0.0.1', port: c.port, path: '/v2/models/mlp/infer', body }, rate, seconds);
    const m = await ask<{ cpuMs: number; mainCpuMs: number }>(c, 'eld-read', 'eld');
    c.main.push((m.mainCpuMs * 1000) / res.requests);
    c.all.push((m.cpuMs * 1000) / res.requests);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const c of contenders) {
  console.log(`${c.name.padEnd(60)} main thread ${median(c.main).toFixed(1)} us/req [${c.main.map((x) => x.toFixed(1)).join(' ')}], all threads ${median(c.all).toFixed(1)} us/req`);
  c.child.send({ type: 'exit' });
}

// Development helper (not the benchmark): server CPU time per request for one-row JSON requests
// to the small MLP, for each server kind given on the command line. CPU time is far less
// sensitive than throughput to other work on a shared machine. PROFILE=1 adds --cpu-prof
// (PROF_DIR, PROF_INTERVAL in microseconds, default 1000).
import { fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop, openLoop } from './http-load.js';
import { seededRandom } from '../test/onnx-models.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const kinds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['ceiling', 'serve'];
const sizes = [32, 256, 256, 2];
const rand = seededRandom(2);
const body = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 32], datatype: 'FP32', data: Array.from({ length: 32 }, () => Math.round(rand() * 1000) / 1000) }] }));
/** CPU ticks (utime + stime, 1/100 s) per thread of a process, from /proc (Linux only). */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, Number(f[11]) + Number(f[12]));
    }
  } catch {
    // Not Linux, or the process is gone: no per-thread split.
  }
  return out;
}

for (const kind of kinds) {
  const child = fork(path.join(here, 'server-process.ts'), [kind, sizes.join(',')], {
    execArgv: ['--import', 'tsx', '--conditions=@mlops/source', ...(process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp'}`, `--cpu-prof-interval=${process.env.PROF_INTERVAL ?? 1000}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const ask = (type: string, reply: string): Promise<{ cpuMs: number }> =>
    new Promise((resolve) => {
      const on = (m: { type: string; cpuMs: number }): void => {
        if (m.type === reply) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.send({ type });
    });
  const target = { host: '127.0.0.1', port, path: '/v2/models/mlp/infer', body };
  await closedLoop(target, 64, 1);
  await ask('eld-reset', 'eld-reset-done');
  const before = threadTicks(child.pid!);
  const loadCpu = process.cpuUsage();
  // RATE=n: a fixed open-loop rate instead of saturation (CPU per request at equal work).
  const r = process.env.RATE ? await openLoop(target, Number(process.env.RATE), Number(process.env.SECONDS ?? 3)) : await closedLoop(target, 64, Number(process.env.SECONDS ?? 3));
  const loadUs = process.cpuUsage(loadCpu);
  const after = threadTicks(child.pid!);
  const { cpuMs } = await ask('eld-read', 'eld');
  // Main thread = the pid; the busiest other thread is the ONNX worker for `serve` (a V8 helper otherwise).
  const usPerReq = (ticks: number): number => (ticks * 10_000) / r.requests;
  const main = (after.get(String(child.pid)) ?? 0) - (before.get(String(child.pid)) ?? 0);
  const others = [...after].filter(([tid]) => tid !== String(child.pid)).map(([tid, t]) => t - (before.get(tid) ?? 0)).sort((a, b) => b - a);
  const split = `  [main ${usPerReq(main).toFixed(1)}, busiest other thread ${usPerReq(others[0] ?? 0).toFixed(1)}, rest ${usPerReq(others.slice(1).reduce((a, b) => a + b, 0)).toFixed(1)} us/req]`;
  let batches = '';
  if (kind === 'serve') {
    // Mean requests per batch: how many requests share one worker round trip (postMessage both ways).
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    const sum = num(/^mlops_serve_batch_requests_sum\{[^}]*\} (\S+)$/m);
    const count = num(/^mlops_serve_batch_requests_count\{[^}]*\} (\S+)$/m);
    batches = `  ${(sum / count).toFixed(1)} requests/batch`;
  }
  console.log(`${kind.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s  server CPU ${((cpuMs * 1000) / r.requests).toFixed(1)} us/req${split}  load generator ${((loadUs.user + loadUs.system) / r.requests).toFixed(1)} us/req${batches}`);
  const exited = new Promise((res) => child.once('exit', res));
  child.send({ type: 'exit' });
  await exited;
}

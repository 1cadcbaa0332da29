import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { httpRequest, postInfer, sleep } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

describe('SIGTERM', () => {
  it('stops accepting, drains in-flight and queued requests, then exits 0', async () => {
    const child = spawn(process.execPath, [tsxCli, '--conditions=@mlops/source', path.join(here, 'fixtures', 'sigterm-server.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`server exited early: ${stderr}`)));
    });
    const doc = { inputs: [{ name: 'x', shape: [1, 256], datatype: 'FP32', data: new Array(256).fill(0.5) }] };
    // Six slow requests: one runs, five queue behind it.
    const inflight = Array.from({ length: 6 }, () => postInfer(`${url}/v2/models/slow/infer`, doc));
    // Signal only once all six reached the server (queued, running or done): on a loaded
    // machine a fixed sleep is not enough, and requests still in transit are not "in flight".
    for (let i = 0; i < 500; i++) {
      const text = (await httpRequest(`${url}/metrics`)).body.toString();
      const pending = Number(/mlops_serve_pending_requests\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      const done = Number(/mlops_serve_requests_total\{model="slow",status="200",version="1"\} (\d+)/.exec(text)?.[1] ?? 0);
      if (pending + done >= 6) break;
      await sleep(5);
    }
    child.kill('SIGTERM');
    const responses = await Promise.all(inflight);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await exited).toBe(0);
    // Nothing listens any more.
    await expect(postInfer(`${url}/v2/models/slow/infer`, doc)).rejects.toThrow(/ECONNREFUSED/);
  });
});

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, mlops } from './run-mlops.js';
import { freePort } from './servers.js';

let dir: string;
let prometheus: ChildProcess;
let url: string;

// A real Prometheus (Debian's package) on a free port, with an empty TSDB: nothing to attribute yet.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-prom-'));
  await writeFile(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('prometheus did not become ready');
});
afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await new Promise((r) => prometheus?.once('exit', r));
  await rm(dir, { recursive: true, force: true });
});

describe('mlops cost from-prometheus', () => {
  it('queries a real Prometheus and writes the (here empty) UsageRecord file', async () => {
    const end = Date.now();
    const r = await mlops(['cost', 'from-prometheus', '--url', url, '--start', new Date(end - 3_600_000).toISOString(), '--end', String(end), '--step', '5m', '-o', 'usage.arrow', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = json<{ rows: number; queries: number; series: number }>(r);
    expect(out.rows).toBe(0);
    expect(out.series).toBe(0);
    expect(out.queries).toBeGreaterThan(0);
    expect((await stat(path.join(dir, 'usage.arrow'))).size).toBeGreaterThan(0);
  });

  it('an unreachable server fails with one line and exit 1; a bad time is exit 2', async () => {
    const port = await freePort();
    const down = await mlops(['cost', 'from-prometheus', '--url', `http://127.0.0.1:${port}`, '--start', '2026-12-01T00:00:00Z', '--end', '2026-12-01T01:00:00Z', '-o', 'u.arrow'], { cwd: dir });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await mlops(['cost', 'from-prometheus', '--url', url, '--start', 'yesterday', '-o', 'u.arrow'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('mlops: --start: expected an ISO time or epoch milliseconds, found "yesterday".');
  });
});

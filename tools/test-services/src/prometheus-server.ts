import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

/** A real Prometheus serving backfilled OpenMetrics series on a free 127.0.0.1 port. */
export interface TestPrometheus {
  url: string;
  /** Seconds promtool took to build the blocks. */
  backfillSeconds: number;
  stop(): Promise<void>;
}

/**
 * Writes `openMetrics` (must end with `# EOF`), backfills it with
 * `promtool tsdb create-blocks-from openmetrics`, and starts `prometheus` on that TSDB.
 */
export async function startPrometheus(openMetrics: string | ((file: string) => void)): Promise<TestPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-cost-prom-'));
  const file = path.join(dir, 'series.om');
  if (typeof openMetrics === 'string') writeFileSync(file, openMetrics);
  else openMetrics(file);
  const data = path.join(dir, 'data');
  const t0 = performance.now();
  const bf = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (bf.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`promtool backfill failed (${bf.status}): ${bf.stderr || bf.stdout}`);
  }
  const backfillSeconds = (performance.now() - t0) / 1000;
  rmSync(file, { force: true });
  const cfg = path.join(dir, 'prometheus.yml');
  writeFileSync(cfg, 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=30d', '--query.max-samples=200000000', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited (${proc.exitCode}): ${stderr}`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) return { url, backfillSeconds, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready in 30 s: ${stderr}`);
}

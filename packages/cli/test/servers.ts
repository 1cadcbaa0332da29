import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { NODE_ARGS } from './run-mlops.js';

export { freePort } from '@mlops/test-services';

/** A long-running `mlops` process (serve, ui) with its output so far. */
export interface RunningMlops {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `mlops <args>` in the background. */
export function startMlops(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): RunningMlops {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', MLOPS_REGISTRY_URL: undefined, ...options.env };
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: options.cwd ?? process.cwd(), env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `url` until it answers 200 (or the process dies, or the time is up). */
export async function waitForOk(url: string, running: RunningMlops, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (running.child.exitCode !== null) throw new Error(`mlops exited with ${running.child.exitCode} before ${url} answered: ${running.output().stderr}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms; stderr: ${running.output().stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** POSTs an OIP JSON inference request for input `x` and returns the parsed answer. */
export async function inferX(url: string, rows: number[][]): Promise<{ status: number; body: { model_name?: string; model_version?: string; outputs?: { name: string; data: number[] }[]; error?: string } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', shape: [rows.length, rows[0]!.length], datatype: 'FP32', data: rows.flat() }] }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

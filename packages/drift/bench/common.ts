import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Seeded xorshift + Box–Muller normals, so every run benchmarks the same data. */
export function normalGenerator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** CPU (user + system) and wall milliseconds of `fn`. CPU time is what we compare: the 2 cores are shared. */
export function measure<T>(fn: () => T): { value: T; cpuMs: number; wallMs: number } {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0 };
}

export async function measureAsync<T>(fn: () => Promise<T>): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0 };
}

export function runPython(script: string, args: string[]): unknown {
  const r = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python peer failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

export function fmt(ms: number): string {
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

/**
 * Peak RSS of this process in MiB. On Linux, getrusage's ru_maxrss survives execve and starts at
 * the parent's RSS when it forked us, so a benchmark parent holding freshly generated data
 * inflated the children's figures (the 719 MiB once recorded at 10M rows was the parent's);
 * /proc/self/status VmHWM is the high-water mark of this process's own memory only.
 */
export function peakRssMiB(): number {
  if (existsSync('/proc/self/status')) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  }
  return process.resourceUsage().maxRSS / 1024;
}

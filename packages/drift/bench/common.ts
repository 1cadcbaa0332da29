import { spawnSync } from 'node:child_process';

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

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/csv.js';
import { gpuMilliFraction } from '../src/fractional-gpu.js';
import type { AssetSpec } from '../src/index.js';
import type { UsageRow } from './usage-fixtures.js';

/** Slices of the traces bundled with @mlops/gpu-scheduler (see fixtures/traces/PROVENANCE.md). */
export const TRACE_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/traces');

function readCsv(file: string): Record<string, string>[] {
  const { header, rows } = parseCsv(readFileSync(path.join(TRACE_FIXTURES, file), 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

/**
 * A simple FIFO first-fit replay of the first `jobs` Philly jobs (by submit time) on `nodes`
 * 8-GPU nodes: each job starts when enough GPUs are free, spreads over the fullest-free nodes, and
 * holds its GPUs for its recorded duration. Returns one gpu usage row per job per node.
 */
export function replayPhilly(jobs: number, nodes: number): { rows: UsageRow[]; assets: AssetSpec[]; start: number; end: number } {
  const all = readCsv('philly-jobs-first-400.csv')
    .map((r, k) => ({ id: `philly-${k}`, submit: Date.parse(`${r.timestamp!.replace(' ', 'T')}Z`), duration: Number(r.duration) * 1000, gpus: Number(r.num_gpus), cluster: r.cluster! }))
    .filter((j) => j.duration > 0 && j.gpus > 0 && j.gpus <= nodes * 8)
    .sort((a, b) => a.submit - b.submit || (a.id < b.id ? -1 : 1))
    .slice(0, jobs);
  const free = new Array<number>(nodes).fill(8);
  const running: { end: number; alloc: [number, number][] }[] = [];
  const rows: UsageRow[] = [];
  let t = -Infinity;
  const release = (until: number) => {
    for (let k = running.length - 1; k >= 0; k--) {
      if (running[k]!.end <= until) {
        for (const [n, g] of running[k]!.alloc) free[n]! += g;
        running.splice(k, 1);
      }
    }
  };
  for (const job of all) {
    t = Math.max(t, job.submit);
    release(t);
    while (free.reduce((s, f) => s + f, 0) < job.gpus) {
      t = Math.min(...running.map((r) => r.end));
      release(t);
    }
    let need = job.gpus;
    const alloc: [number, number][] = [];
    const order = free.map((f, n) => [f, n] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, n] of order) {
      if (need === 0) break;
      const g = Math.min(free[n]!, need);
      if (g === 0) continue;
      free[n]! -= g;
      need -= g;
      alloc.push([n, g]);
    }
    const end = t + job.duration;
    running.push({ end, alloc });
    for (const [n, g] of alloc) {
      rows.push({ start: t, end, kind: 'gpu', quantity: g, node: `philly-node-${n}`, instanceType: 'p3.16xlarge', region: 'us-east-1', labels: { team: job.cluster, job: job.id } });
    }
  }
  const start = Math.min(...rows.map((r) => r.start));
  const end = Math.max(...rows.map((r) => r.end));
  const assets = Array.from({ length: nodes }, (_, n) => ({ node: `philly-node-${n}`, instanceType: 'p3.16xlarge', region: 'us-east-1', start, end }));
  return { rows, assets, start, end };
}

// Hourly price per GPU by Alibaba GPU model (public on-demand list prices of comparable cloud GPUs:
// P100 ~ GCP n1+P100, T4 ~ g4dn, V100 ~ p3, A10 ~ g5; G2/G3 are internal models, priced like V100).
const GPU_HOURLY: Record<string, number> = { P100: 1.46, T4: 0.526, V100M16: 3.06, V100M32: 3.06, A10: 1.006, G2: 3.06, G3: 3.06 };

/**
 * Replays the first `pods` Alibaba GPU-sharing pods (gpu_milli fractions) on the first `nodes`
 * nodes of the v2023 trace: first fit on GPU fraction, vCPU and memory, from scheduled_time to
 * deletion_time. Nodes are priced per GPU model plus $0.03 per vCPU-hour, with explicit capacity.
 */
export function replayAlibaba(pods: number, nodes: number): { rows: UsageRow[]; assets: AssetSpec[]; unplaced: number; start: number; end: number } {
  const T0 = Date.UTC(2023, 0, 1);
  const nodeList = readCsv('alibaba-gpu-v2023/openb_node_list_gpu_node.csv')
    .slice(0, nodes)
    .map((r) => ({ sn: r.sn!, gpu: Number(r.gpu), vcpu: Number(r.cpu_milli) / 1000, memGiB: Number(r.memory_mib) / 1024, model: r.model! }));
  const podList = readCsv('alibaba-gpu-v2023/openb_pod_list_default.csv')
    .filter((p) => p.scheduled_time !== '' && p.deletion_time !== '' && Number(p.num_gpu) > 0)
    .slice(0, pods)
    .map((p) => {
      const numGpu = Number(p.num_gpu);
      const milli = Number(p.gpu_milli);
      return {
        name: p.name!,
        gpu: milli > 0 && milli < 1000 ? gpuMilliFraction(milli) * numGpu : numGpu,
        vcpu: Number(p.cpu_milli) / 1000,
        memGiB: Number(p.memory_mib) / 1024,
        start: T0 + Number(p.scheduled_time) * 1000,
        end: T0 + Number(p.deletion_time) * 1000,
        qos: p.qos!,
        spec: p.gpu_spec ? p.gpu_spec.split('|') : [],
      };
    })
    .filter((p) => p.end > p.start)
    .sort((a, b) => a.start - b.start);
  const used = nodeList.map(() => [] as { end: number; gpu: number; vcpu: number; mem: number }[]);
  const rows: UsageRow[] = [];
  let unplaced = 0;
  for (const p of podList) {
    let placed = -1;
    for (let n = 0; n < nodeList.length && placed < 0; n++) {
      const node = nodeList[n]!;
      if (p.spec.length && !p.spec.includes(node.model)) continue;
      const live = (used[n] = used[n]!.filter((u) => u.end > p.start));
      const g = live.reduce((s, u) => s + u.gpu, 0);
      const c = live.reduce((s, u) => s + u.vcpu, 0);
      const m = live.reduce((s, u) => s + u.mem, 0);
      if (g + p.gpu <= node.gpu + 1e-9 && c + p.vcpu <= node.vcpu + 1e-9 && m + p.memGiB <= node.memGiB + 1e-9) placed = n;
    }
    if (placed < 0) {
      unplaced++;
      continue;
    }
    used[placed]!.push({ end: p.end, gpu: p.gpu, vcpu: p.vcpu, mem: p.memGiB });
    const node = nodeList[placed]!;
    const base = { start: p.start, end: p.end, node: node.sn, instanceType: null, region: 'cn-hangzhou', sku: node.model, labels: { team: p.qos, job: p.name } };
    rows.push({ ...base, kind: 'gpu', quantity: p.gpu });
    rows.push({ ...base, kind: 'cpu', quantity: p.vcpu, sku: null });
    rows.push({ ...base, kind: 'memory', quantity: p.memGiB, sku: null });
  }
  const start = Math.min(...rows.map((r) => r.start));
  const end = Math.max(...rows.map((r) => r.end));
  const assets: AssetSpec[] = nodeList.map((n) => ({
    node: n.sn,
    region: 'cn-hangzhou',
    hourlyCost: n.gpu * (GPU_HOURLY[n.model] ?? 3.06) + n.vcpu * 0.03,
    capacity: { gpu: n.gpu, vcpu: n.vcpu, memoryGiB: n.memGiB },
    accelerator: n.model,
    start,
    end,
  }));
  return { rows, assets, unplaced, start, end };
}

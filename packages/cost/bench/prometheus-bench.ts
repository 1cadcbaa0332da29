/**
 * fromPrometheus throughput: a cluster of N nodes (one GPU training pod each) over D days is
 * backfilled into a real Prometheus with promtool, then read back at a 1-minute step. Reports
 * series points per second for fromPrometheus (queries + JSON + UsageRecord table) next to the
 * same queries fetched and JSON-parsed only (the floor any client pays), and the ratio.
 *
 *   npm run bench:prometheus -w @mlops/cost [-- nodes days]
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import { DEFAULT_PROMETHEUS_QUERIES, fromPrometheus } from '../src/index.js';
import { startPrometheus } from '@mlops/test-services';

const nodes = Number(process.argv[2] ?? 100);
const days = Number(process.argv[3] ?? 7);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const MIN = 60_000;
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
console.log(`machine: ${os.cpus().length} cores, node ${process.version}; load average (1/5/15 min) at start: ${load()}`);
// End a day ago, on a whole hour: Prometheus must not backfill into its head block.
const END = Math.floor((Date.now() - 24 * 3_600_000) / 3_600_000) * 3_600_000;
const START = END - days * 24 * 3_600_000;
// Samples every 4 minutes (Prometheus' 5-minute lookback fills the 1-minute steps between them).
const SAMPLE = 4 * MIN;

function writeCluster(file: string): void {
  const fd = openSync(file, 'w');
  let buf = '';
  const out = (s: string) => {
    buf += s;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  const families: [string, string, (n: number, t: number) => number][] = [];
  for (const [resource, unit, v] of [['nvidia_com_gpu', 'integer', 8], ['cpu', 'core', 64], ['memory', 'byte', 512 * 2 ** 30]] as const) {
    families.push([`kube_pod_container_resource_requests`, `resource="${resource}",unit="${unit}"`, () => v]);
  }
  out('# TYPE kube_pod_container_resource_requests gauge\n');
  const series = (name: string, labels: (n: number) => string, value: (n: number, t: number) => number) => {
    for (let n = 0; n < nodes; n++) for (let t = START - 10 * MIN; t <= END + 10 * MIN; t += SAMPLE) out(`${name}{${labels(n)}} ${value(n, t)} ${t / 1000}\n`);
  };
  const pod = (n: number) => `namespace="ml",pod="train-${n}"`;
  const node = (n: number) => `node-${String(n).padStart(3, '0')}`;
  for (const [name, extra, value] of families) series(name, (n) => `container="main",${pod(n)},node="${node(n)}",${extra}`, value);
  out('# TYPE kube_pod_status_phase gauge\n');
  series('kube_pod_status_phase', (n) => `${pod(n)},phase="Running"`, () => 1);
  out('# TYPE container_cpu_usage_seconds counter\n');
  // Usage that moves: 40-60 cores, changing every sample.
  series('container_cpu_usage_seconds_total', (n) => `container="main",cpu="total",${pod(n)}`, (n, t) => Math.round(((t - START) / 1000) * 50 + 10 * Math.sin(t / SAMPLE + n)));
  out('# TYPE container_memory_working_set_bytes gauge\n');
  series('container_memory_working_set_bytes', (n) => `container="main",${pod(n)}`, (n, t) => (300 + ((t / SAMPLE + n) % 50)) * 2 ** 30);
  out('# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n');
  series('DCGM_FI_DEV_GPU_UTIL', (n) => `gpu="0",${pod(n)}`, (n, t) => 400 + ((t / SAMPLE + n) % 300));
  out('# TYPE kube_pod_labels gauge\n');
  series('kube_pod_labels', (n) => `${pod(n)},label_team="team-${n % 8}",label_model="m-${n % 13}"`, () => 1);
  out('# TYPE kube_node_labels gauge\n');
  series('kube_node_labels', (n) => `node="${node(n)}",label_node_kubernetes_io_instance_type="p4d.24xlarge",label_topology_kubernetes_io_region="us-east-1",label_karpenter_sh_capacity_type="${n % 3 ? 'on-demand' : 'spot'}"`, () => 1);
  out('# EOF\n');
  writeSync(fd, buf);
  closeSync(fd);
}

let t = performance.now();
const prom = await startPrometheus(writeCluster);
console.log(`backfilled ${nodes} nodes x ${days} days (samples every 4 min) in ${((performance.now() - t) / 1000).toFixed(1)} s (promtool ${prom.backfillSeconds.toFixed(1)} s; not timed below)`);
try {
  const opts = { url: prom.url, start: START, end: END, step: 60, rateWindow: '10m' };
  // Peer: the same range queries, fetched and JSON-parsed, nothing else.
  const rawFetch = async (): Promise<number> => {
    let points = 0;
    const q = DEFAULT_PROMETHEUS_QUERIES;
    for (const query of [q.requests, q.cpuUsage.replaceAll('$window', '600s'), q.memoryUsage, q.gpuUsage]) {
      for (let s = START; s <= END; s += 11_001 * MIN) {
        const e = Math.min(END, s + 11_000 * MIN);
        const res = await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query, start: String(s / 1000), end: String(e / 1000), step: '60' }) });
        const j = (await res.json()) as { data: { result: { values: unknown[] }[] } };
        for (const r of j.data.result) points += r.values.length;
      }
    }
    return points;
  };
  const times: { ours: number[]; raw: number[] } = { ours: [], raw: [] };
  let points = 0;
  let rows = 0;
  for (let r = 0; r < rounds; r++) {
    t = performance.now();
    const rawPoints = await rawFetch();
    times.raw.push((performance.now() - t) / 1000);
    t = performance.now();
    const usage = await fromPrometheus({ ...opts, onStats: (s) => (points = s.points) });
    times.ours.push((performance.now() - t) / 1000);
    rows = usage.numRows;
    if (rawPoints !== points) throw new Error(`point counts differ: raw ${rawPoints}, fromPrometheus ${points}`);
    console.log(`round ${r + 1}: fromPrometheus ${times.ours[r]!.toFixed(2)} s, fetch+parse ${times.raw[r]!.toFixed(2)} s (load ${load()})`);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${points.toLocaleString()} series points -> ${rows.toLocaleString()} UsageRecord rows`);
  console.log(`fromPrometheus: median ${med(times.ours).toFixed(2)} s = ${Math.round(points / med(times.ours)).toLocaleString()} points/s`);
  console.log(`fetch + JSON.parse only: median ${med(times.raw).toFixed(2)} s = ${Math.round(points / med(times.raw)).toLocaleString()} points/s`);
  console.log(`ratio (fromPrometheus / fetch+parse time): ${(med(times.ours) / med(times.raw)).toFixed(2)}; load at end ${load()}`);
} finally {
  await prom.stop();
}

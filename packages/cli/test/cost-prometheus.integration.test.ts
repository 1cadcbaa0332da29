import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readTableFile } from '../src/cli/data-files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '@mlops/test-services';
import { json, mlops } from './run-mlops.js';
import { freePort } from './servers.js';

const H = 3_600_000;
const MIN = 60_000;
// Two hours a day in the past (promtool backfills blocks; Prometheus must not be asked to write into its head block).
const START = Math.floor((Date.now() - 30 * H) / H) * H;
const END = START + 2 * H;
const NODE = 'ip-10-0-12-34.ec2.internal';

/**
 * OpenMetrics text for one node, one sample a minute from 10 min before START to 10 min after END:
 * what kube-state-metrics, cAdvisor and DCGM export. `train-0` (team search) requests 4 GPUs, 8 CPUs
 * and 64 GiB and uses 10 cores; `serve-0` (team ads) starts 30 min in with 1 GPU, 2 CPUs, 8 GiB.
 */
function cluster(): string {
  const series: { name: string; labels: string; value: (t: number) => number; from: number }[] = [];
  const add = (name: string, labels: string, value: (t: number) => number, from = START - 10 * MIN) => series.push({ name, labels, value, from });
  const req = (pod: string, resource: string, unit: string, v: number, from?: number) =>
    add('kube_pod_container_resource_requests', `container="main",namespace="ml",node="${NODE}",pod="${pod}",resource="${resource}",uid="${pod}-uid",unit="${unit}"`, () => v, from);
  req('train-0', 'nvidia_com_gpu', 'integer', 4);
  req('train-0', 'cpu', 'core', 8);
  req('train-0', 'memory', 'byte', 64 * 2 ** 30);
  add('kube_pod_status_phase', 'namespace="ml",phase="Running",pod="train-0",uid="train-0-uid"', () => 1);
  add('container_cpu_usage_seconds_total', 'container="main",cpu="total",image="train:1",namespace="ml",pod="train-0"', (t) => 10 * ((t - (START - 10 * MIN)) / 1000));
  add('container_memory_working_set_bytes', 'container="main",image="train:1",namespace="ml",pod="train-0"', () => 32 * 2 ** 30);
  for (let g = 0; g < 4; g++) add('DCGM_FI_DEV_GPU_UTIL', `Hostname="${NODE}",container="main",gpu="${g}",modelName="NVIDIA A100-SXM4-40GB",namespace="ml",pod="train-0"`, () => 50);
  add('kube_pod_labels', 'label_team="search",namespace="ml",pod="train-0",uid="train-0-uid"', () => 1);
  const s30 = START + 30 * MIN;
  req('serve-0', 'nvidia_com_gpu', 'integer', 1, s30);
  req('serve-0', 'cpu', 'core', 2, s30);
  req('serve-0', 'memory', 'byte', 8 * 2 ** 30, s30);
  add('kube_pod_status_phase', 'namespace="ml",phase="Running",pod="serve-0",uid="serve-0-uid"', () => 1, s30);
  add('container_cpu_usage_seconds_total', 'container="main",cpu="total",image="serve:1",namespace="ml",pod="serve-0"', (t) => (t - s30) / 1000, s30);
  add('kube_pod_labels', 'label_team="ads",namespace="ml",pod="serve-0",uid="serve-0-uid"', () => 1, s30);
  add('kube_node_labels', `label_karpenter_sh_capacity_type="spot",label_node_kubernetes_io_instance_type="p4d.24xlarge",label_nvidia_com_gpu_product="NVIDIA-A100-SXM4-40GB",label_topology_kubernetes_io_region="us-east-1",node="${NODE}"`, () => 1);
  // OpenMetrics wants each family's samples together, in time order per series.
  const types: Record<string, string> = { container_cpu_usage_seconds_total: 'container_cpu_usage_seconds counter' };
  const names = [...new Set(series.map((s) => s.name))];
  const body = names.flatMap((name) => [
    `# TYPE ${types[name] ?? `${name} gauge`}`,
    ...series.filter((s) => s.name === name).flatMap((s) => {
      const lines: string[] = [];
      for (let t = s.from; t <= END + 10 * MIN; t += MIN) lines.push(`${s.name}{${s.labels}} ${s.value(t)} ${t / 1000}`);
      return lines;
    }),
  ]);
  return `${body.join('\n')}\n# EOF\n`;
}

let dir: string;
let prometheus: TestPrometheus;
let url: string;

// A real Prometheus (Debian's package) on a free port, its TSDB backfilled by promtool from the series above.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-prom-'));
  prometheus = await startPrometheus(cluster());
  url = prometheus.url;
}, 120_000);
afterAll(async () => {
  await prometheus?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('mlops cost from-prometheus', () => {
  it('reads a backfilled Prometheus into a UsageRecord file that cost report prices as computed by hand', async () => {
    const r = await mlops(['cost', 'from-prometheus', '--url', url, '--start', new Date(START).toISOString(), '--end', String(END), '--step', '1m', '-o', 'usage.arrow', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = json<{ rows: number; queries: number; series: number; points: number }>(r);
    expect(out.series).toBeGreaterThan(0);
    expect(out.points).toBeGreaterThan(0);
    const usage = (await readTableFile(path.join(dir, 'usage.arrow'), 'usage')).toArray().map((row) => row as Record<string, unknown>);
    expect(out.rows).toBe(usage.length);
    const row = (pod: string, kind: string) => usage.filter((u) => u.label_pod === pod && u.resource_kind === kind);
    expect(row('train-0', 'cpu')).toHaveLength(1);
    expect(row('train-0', 'cpu')[0]).toMatchObject({ quantity: 10, request_quantity: 8, node: NODE, instance_type: 'p4d.24xlarge', pricing_model: 'spot', label_team: 'search' });
    expect(row('train-0', 'gpu')[0]).toMatchObject({ quantity: 2, request_quantity: 4 });
    expect(Number(row('serve-0', 'gpu')[0]!.interval_start)).toBe(START + 30 * MIN);

    // The node's lifetime, as import-focus would write it from the bill.
    await writeFile(path.join(dir, 'assets.json'), JSON.stringify({ assets: [{ node: NODE, instanceType: 'p4d.24xlarge', region: 'us-east-1', pricingModel: 'spot', start: START, end: END }] }));
    const priced = await mlops(['cost', 'report', 'usage.arrow', '--group-by', 'team', '--assets', 'assets.json', '--json'], { cwd: dir });
    expect(priced.stderr).toBe('');
    expect(priced.code).toBe(0);
    const report = json<{ totalUsd: number; groups: { team: string; costUsd: number }[] }>(priced);
    // By hand: p4d.24xlarge spot $11.5705/h in us-east-1 (the sample catalog); aws-split weights GPU 9,
    // vCPU 0.9, GiB 0.1 over 8 GPUs, 96 vCPUs, 1152 GiB (total weight 273.6). Each pod pays for
    // max(request, usage): train 4 GPUs, 10 vCPUs, 64 GiB for 2 h; serve 1 GPU, 2 vCPUs, 8 GiB for 1.5 h.
    const perUnit = (weight: number) => (11.5705 * weight) / 273.6;
    const team = (name: string) => report.groups.find((g) => g.team === name)!.costUsd;
    expect(team('search')).toBeCloseTo(2 * (4 * perUnit(9) + 10 * perUnit(0.9) + 64 * perUnit(0.1)), 4);
    expect(team('ads')).toBeCloseTo(1.5 * (1 * perUnit(9) + 2 * perUnit(0.9) + 8 * perUnit(0.1)), 4);
    // The rest of the node's two hours is idle: the groups add up to the bill.
    expect(report.totalUsd).toBeCloseTo(2 * 11.5705, 4);
  });

  it('an unreachable server fails with one line and exit 1; a bad time is exit 2', async () => {
    const port = await freePort();
    const down = await mlops(['cost', 'from-prometheus', '--url', `http://127.0.0.1:${port}`, '--start', '2026-12-01T00:00:00Z', '--end', '2026-12-01T01:00:00Z', '-o', 'u.arrow'], { cwd: dir });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await mlops(['cost', 'from-prometheus', '--url', url, '--start', 'yesterday', '-o', 'u.arrow'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('mlops: --start: expected an ISO time or epoch milliseconds, found "yesterday".');
    const format = await mlops(['cost', 'from-prometheus', '--url', url, '--start', String(START), '-o', 'usage.txt'], { cwd: dir });
    expect(format.code).toBe(2);
    expect(format.stderr.trim()).toBe('mlops: --output usage.txt: expected a .arrow, .parquet or .csv file name.');
  });
});

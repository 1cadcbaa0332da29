import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { aggregateCosts, attributeCosts, fromPrometheus, samplePriceCatalog } from '../src/index.js';
import { readStrings } from '../src/arrow-columns.js';
import { startPrometheus } from '@mlops/test-services';
import type { TestPrometheus } from '@mlops/test-services';

const H = 3_600_000;
const MIN = 60_000;
// Two hours, a day in the past (Prometheus must not be asked to backfill into its head block).
const START = Math.floor((Date.now() - 30 * H) / H) * H;
const END = START + 2 * H;
const NODE = 'ip-10-0-12-34.ec2.internal';

/** OpenMetrics text for a small cluster, one sample a minute from 10 min before START to 10 min after END. */
function cluster(): string {
  const lines: string[] = [
    '# TYPE kube_pod_container_resource_requests gauge',
    '# TYPE kube_pod_status_phase gauge',
    '# TYPE container_cpu_usage_seconds counter',
    '# TYPE container_memory_working_set_bytes gauge',
    '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
    '# TYPE kube_pod_labels gauge',
    '# TYPE kube_node_labels gauge',
  ];
  const series: { name: string; labels: string; value: (t: number) => number; from: number; to: number }[] = [];
  const add = (name: string, labels: string, value: (t: number) => number, from = START - 10 * MIN, to = END + 10 * MIN) => series.push({ name, labels, value, from, to });
  const req = (ns: string, pod: string, resource: string, unit: string, v: number, from?: number) =>
    add('kube_pod_container_resource_requests', `container="main",namespace="${ns}",node="${NODE}",pod="${pod}",resource="${resource}",uid="${pod}-uid",unit="${unit}"`, () => v, from);
  // train: 4 GPUs, 8 CPUs, 64 GiB requested; uses 10 cores (above its request), 32 GiB, GPUs at 50%.
  req('ml', 'train-0', 'nvidia_com_gpu', 'integer', 4);
  req('ml', 'train-0', 'cpu', 'core', 8);
  req('ml', 'train-0', 'memory', 'byte', 64 * 2 ** 30);
  add('kube_pod_status_phase', 'namespace="ml",phase="Running",pod="train-0",uid="train-0-uid"', () => 1);
  add('container_cpu_usage_seconds_total', 'container="main",cpu="total",image="train:1",namespace="ml",pod="train-0"', (t) => 10 * ((t - (START - 10 * MIN)) / 1000));
  // The pod-level cgroup series (container="") must not be added to the container's.
  add('container_cpu_usage_seconds_total', 'container="",cpu="total",image="",namespace="ml",pod="train-0"', (t) => 10 * ((t - (START - 10 * MIN)) / 1000));
  add('container_memory_working_set_bytes', 'container="main",image="train:1",namespace="ml",pod="train-0"', () => 32 * 2 ** 30);
  for (let g = 0; g < 4; g++) add('DCGM_FI_DEV_GPU_UTIL', `Hostname="${NODE}",container="main",gpu="${g}",modelName="NVIDIA A100-SXM4-40GB",namespace="ml",pod="train-0"`, () => 50);
  add('kube_pod_labels', 'label_job="llm-finetune",label_model="llama-ft",label_team="search",namespace="ml",pod="train-0",uid="train-0-uid"', () => 1);
  // serve: from START + 30 min, 1 GPU, 2 CPUs, 8 GiB; uses 1 core (below its request).
  const s30 = START + 30 * MIN;
  req('ml', 'serve-0', 'nvidia_com_gpu', 'integer', 1, s30);
  req('ml', 'serve-0', 'cpu', 'core', 2, s30);
  req('ml', 'serve-0', 'memory', 'byte', 8 * 2 ** 30, s30);
  add('kube_pod_status_phase', 'namespace="ml",phase="Running",pod="serve-0",uid="serve-0-uid"', () => 1, s30);
  add('container_cpu_usage_seconds_total', 'container="main",cpu="total",image="serve:1",namespace="ml",pod="serve-0"', (t) => (t - s30) / 1000, s30);
  add('kube_pod_labels', 'label_model="ctr",label_team="ads",namespace="ml",pod="serve-0",uid="serve-0-uid"', () => 1, s30);
  // done: a finished pod whose request series lingers (kube-state-metrics applies no phase filter).
  req('ml', 'done-0', 'nvidia_com_gpu', 'integer', 8);
  add('kube_pod_status_phase', 'namespace="ml",phase="Succeeded",pod="done-0",uid="done-0-uid"', () => 1);
  add('kube_pod_status_phase', 'namespace="ml",phase="Running",pod="done-0",uid="done-0-uid"', () => 0);
  add('kube_node_labels', `label_karpenter_sh_capacity_type="spot",label_node_kubernetes_io_instance_type="p4d.24xlarge",label_nvidia_com_gpu_product="NVIDIA-A100-SXM4-40GB",label_topology_kubernetes_io_region="us-east-1",node="${NODE}"`, () => 1);
  // OpenMetrics wants each metric family's samples together, in time order per series.
  const byName = new Map<string, typeof series>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const body: string[] = [];
  for (const [, list] of byName) {
    for (const s of list) for (let t = s.from; t <= s.to; t += MIN) body.push(`${s.name}{${s.labels}} ${s.value(t)} ${t / 1000}`);
  }
  return `${lines.join('\n')}\n${body.join('\n')}\n# EOF\n`;
}

describe('fromPrometheus against a real Prometheus (promtool backfill)', () => {
  let prom: TestPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(cluster());
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('reads requests and usage and the attributed cost matches the hand computation', async () => {
    let stats = { queries: 0, series: 0, points: 0 };
    const usage = await fromPrometheus({ url: prom.url, start: START, end: END, step: 60, onStats: (s) => (stats = s) });
    expect(stats.points).toBeGreaterThan(0);
    const pods = new Set(readStrings(usage.getChild('label_pod')!, 'pod'));
    expect([...pods].sort()).toEqual(['serve-0', 'train-0']);
    const row = (pod: string, kind: string) => usage.toArray().map((r) => r as Record<string, unknown>).filter((r) => r.label_pod === pod && r.resource_kind === kind);
    const trainCpu = row('train-0', 'cpu');
    expect(trainCpu).toHaveLength(1);
    expect(trainCpu[0]).toMatchObject({ quantity: 10, request_quantity: 8, node: NODE, instance_type: 'p4d.24xlarge', pricing_model: 'spot', region: 'us-east-1', label_team: 'search', label_job: 'llm-finetune' });
    expect(row('train-0', 'gpu')[0]).toMatchObject({ quantity: 2, request_quantity: 4, sku: 'NVIDIA-A100-SXM4-40GB' });
    expect(Number(row('serve-0', 'gpu')[0]!.interval_start)).toBe(START + 30 * MIN);

    // Hand computation: p4d.24xlarge spot $11.5705/h in us-east-1; aws-split weights GPU 9,
    // vCPU 0.9, GiB 0.1 over 8 GPUs, 96 vCPUs, 1152 GiB (total weight 273.6).
    const costs = attributeCosts({ usage, prices: samplePriceCatalog(), assets: [{ node: NODE, instanceType: 'p4d.24xlarge', region: 'us-east-1', pricingModel: 'spot', start: START, end: END }], window: { start: START, end: END } });
    const perUnit = (weight: number) => (11.5705 * weight) / 273.6;
    // train: max(request, usage): 4 GPUs, 10 vCPUs, 64 GiB for 2 h; serve: 1 GPU, 2 vCPUs, 8 GiB for 1.5 h.
    const train = 2 * (4 * perUnit(9) + 10 * perUnit(0.9) + 64 * perUnit(0.1));
    const serve = 1.5 * (1 * perUnit(9) + 2 * perUnit(0.9) + 8 * perUnit(0.1));
    const byTeam = aggregateCosts(costs, { groupBy: ['team'] }).toArray().map((r) => r as { team: string; cost: number });
    expect(byTeam.find((r) => r.team === 'search')!.cost).toBeCloseTo(train, 4);
    expect(byTeam.find((r) => r.team === 'ads')!.cost).toBeCloseTo(serve, 4);
    expect(byTeam.reduce((s, r) => s + r.cost, 0)).toBeCloseTo(2 * 11.5705, 5);
  });

  it('splits long ranges into queries of at most 11,000 steps', async () => {
    let stats = { queries: 0, series: 0, points: 0 };
    const usage = await fromPrometheus({ url: prom.url, start: START, end: END, step: '0.5s', onStats: (s) => (stats = s), queries: { cpuUsage: 'vector(0) > 1', memoryUsage: 'vector(0) > 1', gpuUsage: 'vector(0) > 1' } });
    // 2 h at 0.5 s is 14,401 points per series: two queries per range input (4 inputs), plus the
    // two label queries.
    expect(stats.queries).toBe(10);
    const gpu = usage.toArray().map((r) => r as Record<string, unknown>).filter((r) => r.label_pod === 'train-0' && r.resource_kind === 'gpu');
    // Both chunks' points merge back into one row covering the range.
    expect(gpu.map((r) => [Number(r.interval_start), Number(r.interval_end)])).toEqual([[START, END]]);
  });

  it('a query Prometheus rejects is a coded error, and an unreachable server is retryable', async () => {
    let e: unknown;
    try {
      await fromPrometheus({ url: prom.url, start: START, end: END, step: 60, queries: { requests: 'sum by (' } });
    } catch (x) {
      e = x;
    }
    expect(MlopsError.isInstance(e) && e.code).toBe('PROMETHEUS_QUERY_FAILED');
    try {
      await fromPrometheus({ url: 'http://127.0.0.1:9', start: START, end: END, step: 60 });
    } catch (x) {
      e = x;
    }
    expect(MlopsError.isInstance(e) && e.code === 'PROMETHEUS_QUERY_FAILED' && e.retryable).toBe(true);
  });
});

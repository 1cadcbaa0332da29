import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { attributeCosts } from './attribute-costs.js';
import { readCostTable } from './cost-table.js';
import { capacityTypeOf, fromKubernetesPods } from './kubernetes-pods.js';
import { parseQuantity } from './kubernetes-quantity.js';
import { samplePriceCatalog } from './price-catalog.js';

// kubectl get pods -A -o json / kubectl get nodes -o json of a small EKS cluster (fields as
// kubectl prints them): a Kubeflow worker on a Karpenter spot p4d, a KServe predictor with a native
// istio sidecar and a Job with a big init container and RuntimeClass overhead on an EKS managed
// g5 node group, a MIG notebook on a mixed-strategy p4d, a DaemonSet pod, a finished and an
// unscheduled pod.
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/kubernetes');
const pods = readFileSync(path.join(dir, 'pods.json'), 'utf8');
const nodes = readFileSync(path.join(dir, 'nodes.json'), 'utf8');
const at = '2026-11-23T12:00:00Z';
const GiB = 2 ** 30;

function rows(t: ReturnType<typeof fromKubernetesPods>) {
  return t.toArray().map((r) => {
    const o = r as Record<string, unknown>;
    return { pod: o.label_pod, kind: o.resource_kind, q: o.quantity, node: o.node, it: o.instance_type, pm: o.pricing_model, job: o.label_job, team: o.label_team, sku: o.sku, start: Number(o.interval_start) };
  });
}

describe('fromKubernetesPods on recorded pod and node lists', () => {
  const usage = fromKubernetesPods(pods, nodes, { at });
  const r = rows(usage);
  const get = (pod: string, kind: string) => r.find((x) => String(x.pod).startsWith(pod) && x.kind === kind);

  it('reads requests as the scheduler computes them (init containers, native sidecars, overhead)', () => {
    expect(r).toHaveLength(12);
    // Worker: app containers 48 CPU / 500Gi, init 2 CPU: the app sum wins.
    expect(get('llm-finetune-worker-0', 'cpu')!.q).toBe(48);
    expect(get('llm-finetune-worker-0', 'memory')!.q).toBe(500);
    expect(get('llm-finetune-worker-0', 'gpu')!.q).toBe(4);
    // KServe: 3.5 CPU app + 0.1 istio-proxy sidecar (restartPolicy Always) = 3.6; the storage
    // initializer (1 CPU + the 0.1 sidecar beside it) is smaller. Memory 12Gi + 128Mi.
    expect(get('ctr-predictor', 'cpu')!.q).toBeCloseTo(3.6, 12);
    expect(get('ctr-predictor', 'memory')!.q).toBeCloseTo(12 + 128 / 1024, 12);
    // Job: init 8 CPU / 32Gi beats the app's 2 / 4Gi; kata overhead adds 250m / 120Mi.
    expect(get('feature-backfill', 'cpu')!.q).toBeCloseTo(8.25, 12);
    expect(get('feature-backfill', 'memory')!.q).toBeCloseTo(32 + 120 / 1024, 12);
    expect(get('feature-backfill', 'gpu')).toBeUndefined();
    // MIG 3g.20gb on an A100-SXM4-40GB: 3 of 7 compute slices.
    expect(get('notebook-ana-0', 'gpu')!.q).toBeCloseTo(3 / 7, 12);
    // DaemonSet: 25m + 25m app, no memory request.
    expect(get('aws-node', 'cpu')!.q).toBeCloseTo(0.05, 12);
    expect(get('aws-node', 'memory')).toBeUndefined();
    // Finished and unscheduled pods hold nothing.
    expect(r.some((x) => String(x.pod).startsWith('eval-') || x.pod === 'llm-finetune-worker-1')).toBe(false);
  });

  it('takes node, instance type, capacity type and GPU model from the node labels, and labels from the pod', () => {
    const w = get('llm-finetune-worker-0', 'gpu')!;
    expect(w).toMatchObject({ node: 'ip-10-0-12-34.ec2.internal', it: 'p4d.24xlarge', pm: 'spot', sku: 'NVIDIA-A100-SXM4-40GB', team: 'search', job: 'llm-finetune' });
    expect(get('ctr-predictor', 'gpu')).toMatchObject({ it: 'g5.12xlarge', pm: 'on-demand', team: 'ads' });
    expect(get('feature-backfill', 'cpu')!.job).toBe('feature-backfill-28930560');
    expect(w.start).toBe(Date.parse('2026-11-23T09:30:00Z'));
    expect(capacityTypeOf({ 'eks.amazonaws.com/capacityType': 'SPOT' })).toBe('spot');
    expect(capacityTypeOf({ 'cloud.google.com/gke-spot': 'true' })).toBe('spot');
    expect(capacityTypeOf({ 'karpenter.sh/capacity-type': 'reserved' })).toBe('reserved');
  });

  it('prices with attributeCosts: the spot p4d worker pays 4 of 8 GPUs at the spot rate', () => {
    const costs = attributeCosts({ usage, prices: samplePriceCatalog(), window: { start: '2026-11-23T09:00:00Z', end: at } });
    const c = readCostTable(costs);
    expect(c.n).toBeGreaterThan(0);
    const total = c.totalMicros.reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(0);
  });

  it('chains snapshots with since, and refuses bad input with coded errors', () => {
    const later = rows(fromKubernetesPods(pods, nodes, { at: '2026-11-23T12:05:00Z', since: at }));
    expect(later.every((x) => x.start === Date.parse(at))).toBe(true);
    expect(() => fromKubernetesPods('{"kind":"Pod"}', nodes, { at })).toThrow(/Kubernetes List/);
    const broken = pods.replace('"cpu": "3500m"', '"cpu": "3.5 cores"');
    let code = '';
    try {
      fromKubernetesPods(broken, nodes, { at });
    } catch (e) {
      code = MlopsError.isInstance(e) ? e.code : '';
    }
    expect(code).toBe('INVALID_USAGE');
    expect(() => fromKubernetesPods(pods, '{"items":[]}', { at })).toThrow(/not in the node list/);
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1Gi')).toBe(GiB);
    expect(parseQuantity('1176553516Ki')).toBe(1176553516 * 1024);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2.5G')).toBe(2.5e9);
    expect(parseQuantity('12 Gi')).toBeNaN();
  });
});

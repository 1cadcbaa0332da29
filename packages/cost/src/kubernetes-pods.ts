import type { Table } from 'apache-arrow';
import { InvalidArgumentError, MlopsError, buildTable, usageRecordSchema } from '@mlops/contracts';
import { toEpochMs } from './assets.js';
import type { TimeInput } from './assets.js';
import { CostErrorCode } from './error-codes.js';
import { migProfileFraction } from './fractional-gpu.js';
import { effectiveRequests } from './kubernetes-requests.js';
import type { K8sPodSpec } from './kubernetes-requests.js';
import type { PricingModel } from './usage-input.js';

/** A `kubectl get pods -o json` item (the fields read here). */
export interface K8sPod {
  /** Name, namespace, labels (team/model/job come from here) and the owner (job fallback). */
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
  /** Containers, init containers, overhead, pod-level resources and the node it is bound to. */
  spec?: K8sPodSpec;
  /** `phase` (only Running and bound Pending pods hold resources) and `startTime` (RFC 3339). */
  status?: { phase?: string; startTime?: string };
}

/** A `kubectl get nodes -o json` item (the fields read here). */
export interface K8sNode {
  /** Name and labels: instance type, region, capacity type, `nvidia.com/gpu.product`. */
  metadata?: { name?: string; labels?: Record<string, string> };
  /** Capacity and allocatable resources (not read for usage). */
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string> };
}

/** A Kubernetes `List` (what `kubectl get ... -o json` prints). */
export interface K8sList<T> {
  /** The listed objects. */
  items: T[];
}

/** Options for {@link fromKubernetesPods}. */
export interface FromKubernetesPodsOptions {
  /** When the snapshot was taken: every interval ends here. */
  at: TimeInput;
  /**
   * Start of the interval the snapshot stands for. Default: each pod's `status.startTime`, so one
   * snapshot charges running pods from their start. Pass the previous snapshot's time when you
   * chain snapshots, or the intervals of consecutive snapshots overlap.
   */
  since?: TimeInput;
  /**
   * UsageRecord label -> pod label keys tried in order. Default: team <- `team`,
   * `app.kubernetes.io/part-of`; model <- `model`, `app.kubernetes.io/name`; job <- `job`,
   * `batch.kubernetes.io/job-name`, `job-name`, `training.kubeflow.org/job-name`, then the pod's
   * owner name. `label_namespace` and `label_pod` are always written.
   */
  labels?: Record<string, readonly string[]>;
}

const DEFAULT_LABELS: Record<string, readonly string[]> = {
  team: ['team', 'app.kubernetes.io/part-of'],
  model: ['model', 'app.kubernetes.io/name'],
  job: ['job', 'batch.kubernetes.io/job-name', 'job-name', 'training.kubeflow.org/job-name'],
};

/** Pricing model from the capacity-type labels of Karpenter, EKS, GKE and AKS node pools. */
export function capacityTypeOf(labels: Record<string, string>): PricingModel {
  const karpenter = labels['karpenter.sh/capacity-type'];
  if (karpenter) return karpenter === 'spot' ? 'spot' : karpenter === 'reserved' ? 'reserved' : 'on-demand';
  const eks = labels['eks.amazonaws.com/capacityType'];
  if (eks) return eks === 'SPOT' ? 'spot' : eks === 'CAPACITY_BLOCK' ? 'reserved' : 'on-demand';
  if (labels['cloud.google.com/gke-spot'] === 'true' || labels['cloud.google.com/gke-preemptible'] === 'true') return 'spot';
  if (labels['kubernetes.azure.com/scalesetpriority'] === 'spot') return 'spot';
  return 'on-demand';
}

function listOf<T>(x: unknown, what: string): T[] {
  const v: unknown = typeof x === 'string' ? JSON.parse(x) : x;
  const items = (v as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) {
    throw new InvalidArgumentError(`${what} should be the JSON of a Kubernetes List (an object with "items", as kubectl get ... -o json prints); found ${v === null ? 'null' : typeof v}.`);
  }
  return items as T[];
}

/**
 * UsageRecords from a snapshot of `kubectl get pods -o json` and `kubectl get nodes -o json`:
 * one row per running (or bound, pending) pod and resource it requests, holding the pod's
 * effective request (as the scheduler computes it: app containers, init containers and
 * sidecars, pod-level resources, overhead) from its start (or `since`) to `at`. GPUs are
 * `nvidia.com/gpu` plus MIG slices (`nvidia.com/mig-<profile>`, as fractions of the node's GPU
 * from `nvidia.com/gpu.product`). Instance type comes from `node.kubernetes.io/instance-type`,
 * region from `topology.kubernetes.io/region`, spot from `karpenter.sh/capacity-type`,
 * `eks.amazonaws.com/capacityType`, GKE's or AKS's spot labels. Finished pods hold nothing.
 *
 * @throws InvalidArgumentError when an input is not a List; MlopsError `INVALID_USAGE` listing pods
 *   with malformed quantities or on nodes missing from the node list.
 */
export function fromKubernetesPods(podListJson: string | K8sList<K8sPod>, nodeListJson: string | K8sList<K8sNode>, options: FromKubernetesPodsOptions): Table {
  const at = toEpochMs(options.at, 'options.at');
  const since = options.since === undefined ? null : toEpochMs(options.since, 'options.since');
  const pods = listOf<K8sPod>(podListJson, 'podListJson');
  const nodes = new Map(listOf<K8sNode>(nodeListJson, 'nodeListJson').map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}]));
  const labelMap = options.labels ?? DEFAULT_LABELS;
  const labelKeys = Object.keys(labelMap);
  const cols: Record<string, unknown[]> = {};
  for (const c of ['interval_start', 'interval_end', 'resource_kind', 'quantity', 'unit', 'request_quantity', 'sku', 'instance_type', 'node', 'pricing_model', 'region']) cols[c] = [];
  for (const k of ['namespace', 'pod', ...labelKeys]) cols[`label_${k}`] = [];
  const problems: string[] = [];
  for (const pod of pods) {
    const phase = pod.status?.phase;
    const nodeName = pod.spec?.nodeName;
    const name = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? '?'}`;
    if (!nodeName || (phase !== 'Running' && phase !== 'Pending')) continue;
    const node = nodes.get(nodeName);
    if (!node) {
      problems.push(`${name}: node ${nodeName} is not in the node list`);
      continue;
    }
    const bad: string[] = [];
    const req = effectiveRequests(pod.spec ?? {}, bad);
    if (bad.length) {
      problems.push(`${name}: malformed quantities ${bad.join(', ')}`);
      continue;
    }
    const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : at;
    const start = since === null ? started : Math.max(since, started);
    if (!(at > start)) continue;
    const gpuModel = node['nvidia.com/gpu.product'] ?? null;
    let gpu = req.get('nvidia.com/gpu') ?? 0;
    for (const [k, v] of req) {
      if (!k.startsWith('nvidia.com/mig-') || v === 0) continue;
      try {
        gpu += v * migProfileFraction(k, { gpuModel: gpuModel ?? 'A100' });
      } catch (e) {
        problems.push(`${name}: ${(e as Error).message}`);
      }
    }
    const podLabels = pod.metadata?.labels ?? {};
    const owner = pod.metadata?.ownerReferences?.[0]?.name ?? null;
    const labelValues = labelKeys.map((k) => labelMap[k]!.map((l) => podLabels[l]).find((v) => v !== undefined) ?? (k === 'job' ? owner : null));
    const emit = (kind: string, unit: string, qty: number) => {
      if (!(qty > 0)) return;
      cols.interval_start!.push(start);
      cols.interval_end!.push(at);
      cols.resource_kind!.push(kind);
      cols.quantity!.push(qty);
      cols.unit!.push(unit);
      cols.request_quantity!.push(qty);
      cols.sku!.push(kind === 'gpu' ? gpuModel : null);
      cols.instance_type!.push(node['node.kubernetes.io/instance-type'] ?? node['beta.kubernetes.io/instance-type'] ?? null);
      cols.node!.push(nodeName);
      cols.pricing_model!.push(capacityTypeOf(node));
      cols.region!.push(node['topology.kubernetes.io/region'] ?? node['failure-domain.beta.kubernetes.io/region'] ?? null);
      cols.label_namespace!.push(pod.metadata?.namespace ?? 'default');
      cols.label_pod!.push(pod.metadata?.name ?? null);
      labelKeys.forEach((k, j) => cols[`label_${k}`]!.push(labelValues[j]));
    };
    emit('gpu', 'gpu', gpu);
    emit('cpu', 'vcpu', req.get('cpu') ?? 0);
    emit('memory', 'GiB', (req.get('memory') ?? 0) / 2 ** 30);
  }
  if (problems.length) {
    throw new MlopsError(CostErrorCode.InvalidUsage, `${problems.length} pod(s) cannot be read as usage; nothing was returned:\n  ${problems.slice(0, 20).join('\n  ')}\nFix the quantities or pass the node list the pods ran on.`, {
      details: { problems },
    });
  }
  const conventional = new Set(['team', 'project', 'model', 'job']);
  const extra = ['namespace', 'pod', ...labelKeys].filter((k) => !conventional.has(k));
  const schema = usageRecordSchema({ labels: extra });
  for (const f of schema.fields) if (!cols[f.name]) cols[f.name] = new Array<null>(cols.quantity!.length).fill(null);
  return buildTable(schema, cols);
}

import type { Table } from 'apache-arrow';
import { InvalidArgumentError, MlopsError, buildTable, usageRecordSchema } from '@mlops/contracts';
import { toEpochMs } from './assets.js';
import type { TimeInput } from './assets.js';
import { CostErrorCode } from './error-codes.js';
import { migProfileFraction } from './fractional-gpu.js';
import { capacityTypeOf } from './kubernetes-pods.js';
import { createPromClient } from './prometheus-client.js';
import type { PromSeries } from './prometheus-client.js';

/** PromQL for each input of {@link fromPrometheus}; `$window` is replaced by the rate window. */
export interface PrometheusQueries {
  /** Requests per (namespace, pod, node, resource) of pods that are Pending or Running. */
  requests: string;
  /** CPU cores used per (namespace, pod). */
  cpuUsage: string;
  /** Memory working set bytes per (namespace, pod). */
  memoryUsage: string;
  /** GPUs busy per (namespace, pod) (a GPU at 100% = 1). */
  gpuUsage: string;
  /** Series whose labels are the pods' `label_*` labels (read once over the whole range). */
  podLabels: string;
  /** Series whose labels are the nodes' `label_*` labels (read once over the whole range). */
  nodeLabels: string;
}

/** The standard kube-state-metrics, cAdvisor and dcgm-exporter queries {@link fromPrometheus} runs. */
export const DEFAULT_PROMETHEUS_QUERIES: PrometheusQueries = {
  requests:
    'sum by (namespace, pod, node, resource) (kube_pod_container_resource_requests{resource=~"cpu|memory|nvidia_com_gpu|nvidia_com_mig_.+"} ' +
    '* on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1))',
  cpuUsage: 'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[$window]))',
  memoryUsage: 'sum by (namespace, pod) (container_memory_working_set_bytes{container!="",container!="POD"})',
  gpuUsage: 'sum by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!=""}) / 100',
  podLabels: 'kube_pod_labels',
  nodeLabels: 'kube_node_labels',
};

/** Options for {@link fromPrometheus}. */
export interface FromPrometheusOptions {
  /** Prometheus base URL, e.g. `http://prometheus.monitoring:9090`. */
  url: string;
  /** Range start. */
  start: TimeInput;
  /** Range end (exclusive for usage: the point at `end` starts no interval). */
  end: TimeInput;
  /** Query resolution in seconds (or a duration like `60s`, `5m`). Each point stands for `[t, t + step)`. */
  step: number | string;
  /** Override any of {@link DEFAULT_PROMETHEUS_QUERIES}. */
  queries?: Partial<PrometheusQueries>;
  /** Rate window for counters (`$window`). Default the larger of 4 steps and 5m. */
  rateWindow?: string;
  /**
   * UsageRecord label -> `kube_pod_labels` label names tried in order. Default: team <-
   * `label_team`; model <- `label_model`, `label_app_kubernetes_io_name`; job <- `label_job`,
   * `label_batch_kubernetes_io_job_name`, `label_job_name`, `label_training_kubeflow_org_job_name`.
   */
  labels?: Record<string, readonly string[]>;
  /** HTTP headers (e.g. authorization) sent with every query. */
  headers?: Record<string, string>;
  /** fetch implementation. Default the global fetch. */
  fetch?: typeof fetch;
  /** Per-query timeout, ms. Default 120000. */
  timeoutMs?: number;
  /** Receives query, series and point counts once done. */
  onStats?: (stats: { queries: number; series: number; points: number }) => void;
}

const DEFAULT_LABELS: Record<string, readonly string[]> = {
  team: ['label_team'],
  model: ['label_model', 'label_app_kubernetes_io_name'],
  job: ['label_job', 'label_batch_kubernetes_io_job_name', 'label_job_name', 'label_training_kubeflow_org_job_name'],
};
// Prometheus refuses more than 11,000 steps per series in one query_range.
const MAX_STEPS = 11_000;
const KINDS = ['gpu', 'cpu', 'memory'] as const;
const UNITS = ['gpu', 'vcpu', 'GiB'] as const;

function durationSeconds(d: number | string, what: string): number {
  if (typeof d === 'number') {
    if (d > 0 && Number.isFinite(d)) return d;
  } else {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(d.trim());
    if (m) return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's']!;
  }
  throw new InvalidArgumentError(`${what} should be seconds > 0 or a duration like "60s", "5m"; found ${String(d)}.`);
}

const podKey = (m: Record<string, string>) => `${m.namespace ?? ''}/${m.pod ?? ''}`;

/**
 * Reads usage from a Prometheus server's HTTP API (`/api/v1/query_range`) and returns a
 * UsageRecord table: per pod, node and resource (gpu, cpu, memory), the requests of
 * Pending/Running pods from kube-state-metrics (`kube_pod_container_resource_requests`, MIG
 * resources as GPU fractions of the node's `nvidia.com/gpu.product`) as `request_quantity`,
 * and measured usage as `quantity` (cAdvisor `container_cpu_usage_seconds_total` rate and
 * `container_memory_working_set_bytes`, dcgm-exporter `DCGM_FI_DEV_GPU_UTIL`; the request where
 * no usage is recorded), so `attributeCosts` charges max(request, usage). Each point covers
 * `[t, t + step)`; consecutive equal points merge into one row. Node instance type, region and
 * capacity type come from `kube_node_labels`, team/model/job from `kube_pod_labels` (both need
 * kube-state-metrics' `--metric-labels-allowlist`). Long ranges are split into queries of at most
 * 11,000 steps.
 *
 * @throws MlopsError `PROMETHEUS_QUERY_FAILED` when the server is unreachable or rejects a query
 *   (retryable for timeouts and 503); `INVALID_ARGUMENT` for a bad range or step.
 */
export async function fromPrometheus(options: FromPrometheusOptions): Promise<Table> {
  const startMs = toEpochMs(options.start, 'options.start');
  const endMs = toEpochMs(options.end, 'options.end');
  if (!(endMs > startMs)) throw new InvalidArgumentError(`options.end (${new Date(endMs).toISOString()}) must be after options.start (${new Date(startMs).toISOString()}).`);
  const stepS = durationSeconds(options.step, 'options.step');
  const stepMs = Math.round(stepS * 1000);
  const q = { ...DEFAULT_PROMETHEUS_QUERIES, ...(options.queries ?? {}) };
  const windowS = options.rateWindow ? durationSeconds(options.rateWindow, 'options.rateWindow') : Math.max(4 * stepS, 300);
  const subst = (s: string) => s.replaceAll('$window', `${Math.round(windowS)}s`);
  const client = createPromClient({ url: options.url, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.headers ? { headers: options.headers } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const stats = { queries: 0, series: 0, points: 0 };

  const range = async (query: string): Promise<PromSeries[]> => {
    const out = new Map<string, PromSeries>();
    for (let s = startMs; s <= endMs; s += (MAX_STEPS + 1) * stepMs) {
      const e = Math.min(endMs, s + MAX_STEPS * stepMs);
      stats.queries++;
      for (const series of await client.range(subst(query), s / 1000, e / 1000, stepS)) {
        const key = JSON.stringify(series.metric);
        const have = out.get(key);
        if (have) have.values!.push(...(series.values ?? []));
        else out.set(key, { metric: series.metric, values: series.values ?? [] });
      }
    }
    for (const s of out.values()) stats.points += s.values!.length;
    stats.series += out.size;
    return [...out.values()];
  };
  const over = `${Math.ceil((endMs - startMs) / 1000)}s`;
  const labelsOf = async (query: string): Promise<PromSeries[]> => {
    stats.queries++;
    return client.instant(`max_over_time(${subst(query)}[${over}])`, endMs / 1000);
  };
  const [requests, cpu, mem, gpu, podLabelSeries, nodeLabelSeries] = await Promise.all([
    range(q.requests), range(q.cpuUsage), range(q.memoryUsage), range(q.gpuUsage), labelsOf(q.podLabels), labelsOf(q.nodeLabels),
  ]);

  // Usage per pod and point time (ms).
  const usageMap = (series: PromSeries[], scale: number) => {
    const m = new Map<string, Map<number, number>>();
    for (const s of series) {
      const k = podKey(s.metric);
      let byT = m.get(k);
      if (!byT) m.set(k, (byT = new Map()));
      for (const [t, v] of s.values ?? []) {
        const x = Number(v);
        if (Number.isFinite(x)) byT.set(Math.round(t * 1000), (byT.get(Math.round(t * 1000)) ?? 0) + x * scale);
      }
    }
    return m;
  };
  const usage = [usageMap(gpu, 1), usageMap(cpu, 1), usageMap(mem, 1 / 2 ** 30)];
  const podLabels = new Map(podLabelSeries.map((s) => [podKey(s.metric), s.metric]));
  const nodeLabels = new Map(nodeLabelSeries.map((s) => [s.metric.node ?? '', s.metric]));
  const labelMap = options.labels ?? DEFAULT_LABELS;
  const labelKeys = Object.keys(labelMap);

  // Requests per (pod, node, kind): GPUs and MIG slices add up to one GPU quantity.
  const problems: string[] = [];
  const req = new Map<string, { pod: string; node: string; kind: number; at: Map<number, number> }>();
  for (const s of requests) {
    const { resource = '', node = '' } = s.metric;
    const nl = nodeLabels.get(node) ?? {};
    let kind: number;
    let scale = 1;
    if (resource === 'cpu') kind = 1;
    else if (resource === 'memory') {
      kind = 2;
      scale = 1 / 2 ** 30;
    } else if (resource === 'nvidia_com_gpu') kind = 0;
    else {
      const m = /^nvidia_com_mig_(\d+g)_(\d+gb)(?:_me)?$/.exec(resource);
      if (!m) continue;
      kind = 0;
      try {
        scale = migProfileFraction(`${m[1]}.${m[2]}`, { gpuModel: nl.label_nvidia_com_gpu_product ?? 'A100' });
      } catch (e) {
        problems.push(`${podKey(s.metric)}: ${(e as Error).message}`);
        continue;
      }
    }
    const key = `${podKey(s.metric)}|${node}|${kind}`;
    let r = req.get(key);
    if (!r) req.set(key, (r = { pod: podKey(s.metric), node, kind, at: new Map() }));
    for (const [t, v] of s.values ?? []) {
      const x = Number(v);
      const ms = Math.round(t * 1000);
      if (Number.isFinite(x)) r.at.set(ms, (r.at.get(ms) ?? 0) + x * scale);
    }
  }
  if (problems.length) {
    throw new MlopsError(CostErrorCode.InvalidUsage, `Prometheus series name MIG profiles that do not fit the node's GPU:\n  ${problems.slice(0, 20).join('\n  ')}`, { details: { problems } });
  }

  const cols: Record<string, unknown[]> = {};
  for (const c of ['interval_start', 'interval_end', 'resource_kind', 'quantity', 'unit', 'request_quantity', 'sku', 'instance_type', 'node', 'pricing_model', 'region']) cols[c] = [];
  for (const k of ['namespace', 'pod', ...labelKeys]) cols[`label_${k}`] = [];
  for (const r of req.values()) {
    const nl = nodeLabels.get(r.node) ?? {};
    const pl = podLabels.get(r.pod) ?? {};
    const [ns, pod] = [r.pod.slice(0, r.pod.indexOf('/')), r.pod.slice(r.pod.indexOf('/') + 1)];
    const attrs = {
      sku: r.kind === 0 ? nl.label_nvidia_com_gpu_product ?? null : null,
      it: nl.label_node_kubernetes_io_instance_type ?? nl.label_beta_kubernetes_io_instance_type ?? null,
      region: nl.label_topology_kubernetes_io_region ?? nl.label_failure_domain_beta_kubernetes_io_region ?? null,
      pm: capacityTypeOf({
        ...(nl.label_karpenter_sh_capacity_type ? { 'karpenter.sh/capacity-type': nl.label_karpenter_sh_capacity_type } : {}),
        ...(nl.label_eks_amazonaws_com_capacity_type ? { 'eks.amazonaws.com/capacityType': nl.label_eks_amazonaws_com_capacity_type } : {}),
        ...(nl.label_cloud_google_com_gke_spot ? { 'cloud.google.com/gke-spot': nl.label_cloud_google_com_gke_spot } : {}),
        ...(nl.label_cloud_google_com_gke_preemptible ? { 'cloud.google.com/gke-preemptible': nl.label_cloud_google_com_gke_preemptible } : {}),
        ...(nl.label_kubernetes_azure_com_scalesetpriority ? { 'kubernetes.azure.com/scalesetpriority': nl.label_kubernetes_azure_com_scalesetpriority } : {}),
      }),
      labels: labelKeys.map((k) => labelMap[k]!.map((l) => pl[l]).find((v) => v !== undefined && v !== '') ?? null),
    };
    const used = usage[r.kind]!.get(r.pod);
    let open: { s: number; e: number; req: number; q: number } | null = null;
    const flush = () => {
      if (!open || !(open.req > 0 || open.q > 0)) return;
      cols.interval_start!.push(open.s);
      cols.interval_end!.push(open.e);
      cols.resource_kind!.push(KINDS[r.kind]);
      cols.quantity!.push(open.q);
      cols.unit!.push(UNITS[r.kind]);
      cols.request_quantity!.push(open.req);
      cols.sku!.push(attrs.sku);
      cols.instance_type!.push(attrs.it);
      cols.node!.push(r.node || null);
      cols.pricing_model!.push(attrs.pm);
      cols.region!.push(attrs.region);
      cols.label_namespace!.push(ns);
      cols.label_pod!.push(pod);
      labelKeys.forEach((k, j) => cols[`label_${k}`]!.push(attrs.labels[j]));
    };
    for (const t of [...r.at.keys()].sort((a, b) => a - b)) {
      if (t >= endMs) continue;
      const e = Math.min(t + stepMs, endMs);
      const rq = r.at.get(t)!;
      const q = used?.get(t) ?? rq;
      if (open && open.e === t && open.req === rq && open.q === q) open.e = e;
      else {
        flush();
        open = { s: t, e, req: rq, q };
      }
    }
    flush();
  }
  options.onStats?.(stats);
  const conventional = new Set(['team', 'project', 'model', 'job']);
  const schema = usageRecordSchema({ labels: ['namespace', 'pod', ...labelKeys].filter((k) => !conventional.has(k)) });
  for (const f of schema.fields) if (!cols[f.name]) cols[f.name] = new Array<null>(cols.quantity!.length).fill(null);
  return buildTable(schema, cols);
}

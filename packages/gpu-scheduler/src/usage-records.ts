import { Float64, Table, TimeUnit, Timestamp, Utf8, vectorFromArray, type Vector, type DataType } from 'apache-arrow';
import type { PricingModel } from './types.js';

/** One worker's hold on one node over an interval (one run of a job). */
export interface UsageInterval {
  /** Job id (becomes `label_job`). */
  jobId: string;
  /** Queue id (becomes `label_team` unless the job has a `team` label). */
  queue: string;
  /** Node id (becomes `node`). */
  nodeId: string;
  /** GPU model (becomes `sku`). */
  gpuModel: string;
  /** Start, ms since epoch (inclusive). */
  startMs: number;
  /** End, ms since epoch (exclusive). */
  endMs: number;
  /** GPUs held (fractions for shared GPUs). */
  gpus: number;
  /** CPU held, millicores (becomes a `cpu` row in vCPU). */
  cpuMilli: number;
  /** Memory held, MiB (becomes a `memory` row in GiB). */
  memoryMiB: number;
  /** The node's billing model (becomes `pricing_model`). */
  pricing: PricingModel;
  /** The node's instance type (becomes `instance_type`). */
  instanceType: string | undefined;
  /** The node's region (becomes `region`). */
  region: string | undefined;
  /** The job's labels (become `label_<key>` columns). */
  labels: Record<string, string> | undefined;
}

/** Options of {@link toUsageRecordTable}. */
export interface UsageTableOptions {
  /** Emit `cpu` (vCPU) and `memory` (GiB) rows besides `gpu` rows. Default true. */
  includeCpuAndMemory?: boolean;
  /** Label keys to emit as `label_<key>` columns. Default: every key seen, plus `job` and `team`. */
  labelKeys?: readonly string[];
}

/**
 * Builds a `UsageRecord` Arrow table (docs/decisions/001-data-contracts.md): one row per
 * resource kind per interval, `interval_start`/`interval_end` as Timestamp(ms, UTC), `gpu`
 * quantities in GPUs (fractions allowed), `cpu` in vCPU, `memory` in GiB, the GPU model as
 * `sku`, the queue as `label_team` unless the job carries a `team` label, and the job id as
 * `label_job`.
 */
export function toUsageRecordTable(intervals: readonly UsageInterval[], options: UsageTableOptions = {}): Table {
  const withCpuMem = options.includeCpuAndMemory ?? true;
  const keys = new Set<string>(options.labelKeys ?? ['team', 'job']);
  if (!options.labelKeys) for (const u of intervals) for (const k of Object.keys(u.labels ?? {})) keys.add(k);
  const start: number[] = [];
  const end: number[] = [];
  const kind: string[] = [];
  const qty: number[] = [];
  const unit: string[] = [];
  const sku: Array<string | null> = [];
  const instance: Array<string | null> = [];
  const node: string[] = [];
  const pricing: string[] = [];
  const region: Array<string | null> = [];
  const labels = new Map<string, Array<string | null>>([...keys].map((k) => [k, []]));
  const push = (u: UsageInterval, k: string, q: number, un: string, s: string | null): void => {
    start.push(u.startMs);
    end.push(u.endMs);
    kind.push(k);
    qty.push(q);
    unit.push(un);
    sku.push(s);
    instance.push(u.instanceType ?? null);
    node.push(u.nodeId);
    pricing.push(u.pricing);
    region.push(u.region ?? null);
    for (const [key, col] of labels) {
      const v = u.labels?.[key] ?? (key === 'job' ? u.jobId : key === 'team' ? u.queue : undefined);
      col.push(v ?? null);
    }
  };
  for (const u of intervals) {
    if (!(u.endMs > u.startMs)) continue;
    if (u.gpus > 0) push(u, 'gpu', u.gpus, 'gpu', u.gpuModel);
    if (withCpuMem && u.cpuMilli > 0) push(u, 'cpu', u.cpuMilli / 1000, 'vcpu', null);
    if (withCpuMem && u.memoryMiB > 0) push(u, 'memory', u.memoryMiB / 1024, 'GiB', null);
  }
  const ts = (v: number[]): Vector => vectorFromArray(v, new Timestamp(TimeUnit.MILLISECOND, 'UTC'));
  const str = (v: Array<string | null>): Vector<Utf8> => vectorFromArray(v, new Utf8());
  const cols: Record<string, Vector<DataType>> = {
    interval_start: ts(start),
    interval_end: ts(end),
    resource_kind: str(kind),
    quantity: vectorFromArray(qty, new Float64()),
    unit: str(unit),
    request_quantity: vectorFromArray(qty.map(() => null), new Float64()),
    sku: str(sku),
    instance_type: str(instance),
    node: str(node),
    pricing_model: str(pricing),
    region: str(region),
  };
  for (const [key, col] of labels) cols[`label_${key}`] = str(col);
  return new Table(cols);
}

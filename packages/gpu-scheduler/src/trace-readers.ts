import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataCorruptedError, InvalidArgumentError } from '@mlops/contracts';
import type { JobSpec, NodeSpec } from './types.js';

/** A job in a trace: a {@link JobSpec} plus its real run time, known to the simulator only. */
export interface TraceJob extends JobSpec {
  /** Submit time, ms. Required in traces. */
  submitMs: number;
  /** Real run time, ms. The scheduler sees only `estimatedDurationMs`, if any. */
  durationMs: number;
}

/** Minimal CSV parsing (RFC 4180 quotes) into header-keyed rows. */
export function parseCsv(text: string, source: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = rows.shift();
  if (!header) throw new DataCorruptedError(`${source}: empty CSV; expected a header line.`);
  return rows.map((r, i) => {
    if (r.length !== header.length) {
      throw new DataCorruptedError(`${source}: line ${i + 2} has ${r.length} fields, expected ${header.length} (${header.join(',')}).`);
    }
    const o: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) o[header[k]!] = r[k]!;
    return o;
  });
}

function need(rows: Array<Record<string, string>>, cols: readonly string[], source: string): void {
  const first = rows[0];
  if (!first) return;
  const missing = cols.filter((c) => !(c in first));
  if (missing.length > 0) {
    throw new DataCorruptedError(`${source}: missing column(s) ${missing.join(', ')}; found ${Object.keys(first).join(', ')}. Is this the right trace file?`);
  }
}

function num(v: string | undefined, what: string, line: number, source: string): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n)) {
    throw new DataCorruptedError(`${source}: line ${line}: ${what} must be a number, found ${JSON.stringify(v)}.`);
  }
  return n;
}

function textOf(input: { path?: string; text?: string }, fn: string): { text: string; source: string } {
  if (input.text !== undefined) return { text: input.text, source: fn };
  if (input.path !== undefined) {
    const bytes = readFileSync(input.path);
    // gzip magic bytes: the bundled Philly trace ships compressed (646 KB instead of 3.4 MB).
    const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    return { text: plain.toString('utf8'), source: input.path };
  }
  throw new InvalidArgumentError(`${fn}: pass { path } (a CSV file) or { text } (its contents).`);
}

/** Options of {@link readPhillyTrace}. */
export interface PhillyTraceOptions {
  /** CSV file path (plain or gzip). */
  path?: string;
  /** CSV contents (instead of `path`). */
  text?: string;
  /** GPUs per machine: larger jobs become gangs of `gpusPerNode`-GPU workers. Default 8 (Philly's servers). */
  gpusPerNode?: number;
  /** Give the scheduler the real duration as its estimate (`exact`, for SJF / backfill) or none. Default `exact`. */
  estimates?: 'exact' | 'none';
  /** Keep at most this many jobs (in submit order). */
  limit?: number;
}

/**
 * Reads the Philly job table (`timestamp, duration, num_gpus, gpu_time, cluster`).
 *
 * Mapping: `timestamp` (UTC) -> `submitMs`; `duration` seconds -> `durationMs`;
 * `num_gpus` <= `gpusPerNode` -> one worker with that many GPUs, larger jobs -> a gang of
 * `num_gpus / gpusPerNode` workers of `gpusPerNode` GPUs (one worker per GPU when not
 * divisible); `cluster` (virtual cluster) -> queue `vc-<cluster>`. Jobs are preemptible and
 * checkpointable (the assumption of Tiresias' evaluation). Sorted by submit time, ids
 * `philly-<row>`.
 */
export function readPhillyTrace(options: PhillyTraceOptions): TraceJob[] {
  const { text, source } = textOf(options, 'readPhillyTrace');
  const rows = parseCsv(text, source);
  need(rows, ['timestamp', 'duration', 'num_gpus', 'cluster'], source);
  const perNode = options.gpusPerNode ?? 8;
  const exact = (options.estimates ?? 'exact') === 'exact';
  const jobs: TraceJob[] = rows.map((r, i) => {
    const line = i + 2;
    const submitMs = Date.parse(`${r.timestamp!.replace(' ', 'T')}Z`);
    if (!Number.isFinite(submitMs)) throw new DataCorruptedError(`${source}: line ${line}: timestamp must be "YYYY-MM-DD HH:MM:SS", found ${JSON.stringify(r.timestamp)}.`);
    const durationMs = Math.max(0, num(r.duration, 'duration', line, source) * 1000);
    const gpus = num(r.num_gpus, 'num_gpus', line, source);
    let workers = 1;
    let gpusPerWorker = gpus;
    if (gpus > perNode) {
      if (gpus % perNode === 0) {
        workers = gpus / perNode;
        gpusPerWorker = perNode;
      } else {
        workers = gpus;
        gpusPerWorker = 1;
      }
    }
    const job: TraceJob = {
      id: `philly-${i}`,
      queue: `vc-${r.cluster}`,
      workers,
      gpusPerWorker,
      submitMs,
      durationMs,
      preemptible: true,
      checkpointable: true,
      labels: { team: `vc-${r.cluster}` },
    };
    if (exact) job.estimatedDurationMs = durationMs;
    return job;
  });
  jobs.sort((a, b) => a.submitMs - b.submitMs);
  return options.limit === undefined ? jobs : jobs.slice(0, options.limit);
}

/** Options of {@link readAlibabaNodes}. */
export interface AlibabaNodesOptions {
  /** CSV file path (`openb_node_list_gpu_node.csv`). */
  path?: string;
  /** CSV contents (instead of `path`). */
  text?: string;
}

/**
 * Reads Alibaba GPU v2023 nodes (`sn, cpu_milli, memory_mib, gpu, model`): `sn` -> `id`,
 * `gpu` -> `gpuCount`, `model` -> `gpuModel`, `cpu_milli` -> `cpuMilli`, `memory_mib` ->
 * `memoryMiB`.
 */
export function readAlibabaNodes(options: AlibabaNodesOptions): NodeSpec[] {
  const { text, source } = textOf(options, 'readAlibabaNodes');
  const rows = parseCsv(text, source);
  need(rows, ['sn', 'cpu_milli', 'memory_mib', 'gpu', 'model'], source);
  return rows.map((r, i) => ({
    id: r.sn!,
    gpuModel: r.model!,
    gpuCount: num(r.gpu, 'gpu', i + 2, source),
    cpuMilli: num(r.cpu_milli, 'cpu_milli', i + 2, source),
    memoryMiB: num(r.memory_mib, 'memory_mib', i + 2, source),
  }));
}

/** Options of {@link readAlibabaPods}. */
export interface AlibabaPodsOptions {
  /** CSV file path (`openb_pod_list_default.csv`). */
  path?: string;
  /** CSV contents (instead of `path`). */
  text?: string;
  /** Keep at most this many pods (in creation order). */
  limit?: number;
}

/**
 * Reads Alibaba GPU v2023 pods. Mapping: `name` -> `id`; `creation_time` s -> `submitMs`;
 * run time = `deletion_time - scheduled_time` (or `- creation_time` when never scheduled);
 * `num_gpu` 0 -> CPU-only worker, 1 with `gpu_milli` < 1000 -> `gpuMilli` (a shared GPU),
 * else `gpusPerWorker = num_gpu`; `gpu_spec` (`|`-separated) -> `gpuModels`; `qos` -> priority
 * (LS/Guaranteed 2, Burstable 1, BE 0) and BE pods are the only preemptible ones; CPU and
 * memory per pod as given.
 */
export function readAlibabaPods(options: AlibabaPodsOptions): TraceJob[] {
  const { text, source } = textOf(options, 'readAlibabaPods');
  const rows = parseCsv(text, source);
  need(rows, ['name', 'cpu_milli', 'memory_mib', 'num_gpu', 'gpu_milli', 'gpu_spec', 'qos', 'creation_time', 'deletion_time', 'scheduled_time'], source);
  const jobs = rows.map((r, i): TraceJob => {
    const line = i + 2;
    const created = num(r.creation_time, 'creation_time', line, source);
    const started = r.scheduled_time === '' ? created : num(r.scheduled_time, 'scheduled_time', line, source);
    const deleted = r.deletion_time === '' ? started : num(r.deletion_time, 'deletion_time', line, source);
    const numGpu = num(r.num_gpu, 'num_gpu', line, source);
    const milli = num(r.gpu_milli, 'gpu_milli', line, source);
    const qos = r.qos ?? '';
    const job: TraceJob = {
      id: r.name!,
      submitMs: created * 1000,
      durationMs: Math.max(0, deleted - started) * 1000,
      cpuMilliPerWorker: num(r.cpu_milli, 'cpu_milli', line, source),
      memoryMiBPerWorker: num(r.memory_mib, 'memory_mib', line, source),
      priority: qos === 'LS' || qos === 'Guaranteed' ? 2 : qos === 'Burstable' ? 1 : 0,
      preemptible: qos === 'BE',
      labels: { qos },
    };
    if (numGpu === 0) job.gpusPerWorker = 0;
    else if (numGpu === 1 && milli > 0 && milli < 1000) job.gpuMilli = milli;
    else job.gpusPerWorker = numGpu;
    if (r.gpu_spec) job.gpuModels = r.gpu_spec.split('|').filter((s) => s.length > 0);
    return job;
  });
  jobs.sort((a, b) => a.submitMs - b.submitMs);
  return options.limit === undefined ? jobs : jobs.slice(0, options.limit);
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TraceJob } from '@mlops/gpu-scheduler';
import { packageDir } from '../../cli/module-path.js';
import { requireFile } from '../../cli/data-files.js';
import { usageError } from '../../cli/usage-error.js';

/** Which public trace a file is, from its name (Philly `timestamp,duration,num_gpus,...` or Alibaba pods). */
export type TraceKind = 'philly' | 'alibaba';

/** The traces @mlops/gpu-scheduler ships (Philly jobs, Alibaba GPU v2023 pods). */
export function bundledTrace(kind: TraceKind): string {
  const dir = path.join(packageDir('@mlops/gpu-scheduler'), 'traces');
  return kind === 'philly' ? path.join(dir, 'philly-jobs.csv.gz') : path.join(dir, 'alibaba-gpu-v2023', 'openb_pod_list_default.csv');
}

async function text(file: string): Promise<string> {
  await requireFile(file, 'Trace');
  const bytes = await readFile(file);
  return file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

/** Options of {@link loadTrace}. */
export interface LoadTraceOptions {
  /** `philly`, `alibaba`, or a CSV file (gzip allowed) in either format. */
  trace: string;
  /** Keep jobs submitted from this time (ms) ... */
  fromMs?: number;
  /** ... for this long (ms). */
  spanMs?: number;
  /** At most this many jobs (after the window). */
  limit?: number;
}

/** Reads a trace and cuts the window; submit times stay as in the trace. */
export async function loadTrace(options: LoadTraceOptions, cwd: string): Promise<{ kind: TraceKind; file: string; jobs: TraceJob[] }> {
  const gs = await import('@mlops/gpu-scheduler');
  const named = options.trace === 'philly' || options.trace === 'alibaba' ? options.trace : undefined;
  const file = named ? bundledTrace(named) : path.resolve(cwd, options.trace);
  const csv = await text(file);
  const header = csv.slice(0, csv.indexOf('\n')).trim();
  const kind: TraceKind = named ?? (header.startsWith('timestamp,duration,num_gpus') ? 'philly' : header.includes('creation_time') ? 'alibaba' : (() => {
    throw usageError(`Trace ${options.trace}: unknown columns "${header}"; expected the Philly jobs CSV (timestamp,duration,num_gpus,...) or Alibaba's openb_pod_list CSV.`);
  })());
  let jobs = kind === 'philly' ? gs.readPhillyTrace({ text: csv }) : gs.readAlibabaPods({ text: csv });
  if (options.fromMs !== undefined) {
    const from = options.fromMs;
    const to = options.spanMs !== undefined ? from + options.spanMs : Infinity;
    jobs = jobs.filter((j) => j.submitMs >= from && j.submitMs < to);
  }
  if (options.limit !== undefined) jobs = jobs.slice(0, options.limit);
  if (jobs.length === 0) throw usageError(`Trace ${options.trace}: no jobs in the chosen window; widen --from/--days or drop them.`);
  return { kind, file, jobs };
}

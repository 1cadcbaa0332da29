import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NodeSpec, SimulationResult } from '@mlops/gpu-scheduler';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { writeTableFile } from '../../cli/data-files.js';
import { usageError } from '../../cli/usage-error.js';
import { formatTable, integerArg } from '../../cli/values.js';
import { POLICY_NAMES, policyFor } from './policies.js';
import type { PolicyName } from './policies.js';
import { renderScheduleHtml } from './schedule-html.js';
import { loadTrace } from './traces.js';

const DAY_MS = 86_400_000;

/** Options of {@link simulateTrace}. */
export interface SimulateTraceOptions {
  trace: string;
  policy: PolicyName;
  gpus: number;
  /** Nodes (of 8 GPUs) priced as spot, taken from the end of the node list. */
  spotNodes?: number;
  fromMs?: number;
  days?: number;
  limit?: number;
  cwd: string;
}

/**
 * The cluster the CLI simulates: `gpus / 8` eight-GPU nodes priced as AWS p3.16xlarge in us-east-1
 * (a V100 machine in @mlops/cost's sample catalog standing in for Philly's servers), four per rack.
 */
export function simulatedNodes(gpus: number, spotNodes = 0): NodeSpec[] {
  const count = Math.ceil(gpus / 8);
  return Array.from({ length: count }, (_, i): NodeSpec => ({
    id: `node-${String(i).padStart(3, '0')}`,
    gpuModel: 'V100',
    gpuCount: 8,
    instanceType: 'p3.16xlarge',
    region: 'us-east-1',
    topologyDomain: `rack-${i >> 2}`,
    pricing: i >= count - spotNodes ? 'spot' : 'on-demand',
  }));
}

/** Reads the trace window and runs the simulator. */
export async function simulateTrace(options: SimulateTraceOptions): Promise<{ result: SimulationResult; trace: string; jobs: number; label: string }> {
  const gs = await import('@mlops/gpu-scheduler');
  const { jobs, file } = await loadTrace(
    { trace: options.trace, ...(options.fromMs !== undefined ? { fromMs: options.fromMs } : {}), ...(options.days !== undefined ? { spanMs: options.days * DAY_MS } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) },
    options.cwd,
  );
  const { policy, label } = await policyFor(options.policy);
  // With a window, jobs still running at its end are cut there: usage (and cost) cover exactly the window.
  const until = options.fromMs !== undefined && options.days !== undefined ? options.fromMs + options.days * DAY_MS : undefined;
  const result = gs.simulate({
    trace: jobs,
    cluster: { nodes: simulatedNodes(options.gpus, options.spotNodes) },
    policy,
    ...(until !== undefined ? { until } : {}),
  });
  return { result, trace: file, jobs: jobs.length, label };
}

function parseDay(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw usageError(`--from: expected a date like 2017-10-09, found "${value}".`);
  return ms;
}

const simulateCmd = leaf({
  meta: { name: 'simulate', description: 'Replay a GPU job trace (Philly, Alibaba GPU v2023 or your CSV) through a scheduling policy' },
  args: {
    trace: { type: 'string', description: 'philly | alibaba | a trace CSV (.csv or .csv.gz)', valueHint: 'trace', required: true },
    policy: { type: 'enum', options: [...POLICY_NAMES], description: 'Scheduling policy', default: 'fifo' },
    gpus: { type: 'string', description: 'Cluster size in GPUs (8 per node)', default: '256', valueHint: 'n' },
    'spot-nodes': { type: 'string', description: 'How many nodes are priced as spot (for the usage table)', valueHint: 'n' },
    from: { type: 'string', description: 'Only jobs submitted from this day (UTC), e.g. 2017-10-09', valueHint: 'date' },
    days: { type: 'string', description: 'Simulate this many days from --from (jobs still running then are cut)', valueHint: 'n' },
    limit: { type: 'string', description: 'At most this many jobs', valueHint: 'n' },
    html: { type: 'string', description: 'Write an HTML report', valueHint: 'file' },
    usage: { type: 'string', description: 'Write the UsageRecord table (.arrow, .parquet, .csv) for mlops cost report', valueHint: 'file' },
  },
  async run(args, ctx) {
    const gpus = integerArg(args.gpus, '--gpus', { min: 1 })!;
    const spotNodes = integerArg(args['spot-nodes'], '--spot-nodes', { min: 0, max: Math.ceil(gpus / 8) });
    const days = integerArg(args.days, '--days', { min: 1 });
    const limit = integerArg(args.limit, '--limit', { min: 1 });
    let fromMs = parseDay(args.from);
    if (days !== undefined && fromMs === undefined) throw usageError('--days needs --from <date>.');
    const { result, trace, jobs, label } = await simulateTrace({
      trace: args.trace,
      policy: args.policy as PolicyName,
      gpus,
      cwd: ctx.cwd,
      ...(spotNodes !== undefined ? { spotNodes } : {}),
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(days !== undefined ? { days } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    fromMs = undefined;
    if (args.html) await writeFile(path.resolve(ctx.cwd, args.html), renderScheduleHtml(result, { title: `GPU schedule simulation: ${label}`, trace, gpus: Math.ceil(gpus / 8) * 8 }));
    if (args.usage) {
      if (!result.usage) throw usageError('The simulation produced no usage table.');
      await writeTableFile(path.resolve(ctx.cwd, args.usage), result.usage);
    }
    const summary = {
      trace,
      policy: args.policy,
      policyParts: result.policy,
      gpus: Math.ceil(gpus / 8) * 8,
      jobs,
      completed: result.completed,
      rejected: result.rejected,
      unfinished: result.unfinished,
      jctHours: { mean: result.jctMs.mean / 3.6e6, p50: result.jctMs.p50 / 3.6e6, p99: result.jctMs.p99 / 3.6e6 },
      queueingHours: { mean: result.queueingDelayMs.mean / 3.6e6, p99: result.queueingDelayMs.p99 / 3.6e6 },
      makespanHours: result.makespanMs / 3.6e6,
      meanAllocationRate: result.meanAllocationRate,
      preemptions: result.preemptions,
      queues: result.perQueue.map((q) => ({ queue: q.queue, jobs: q.jobs, completed: q.completed, jctHoursMean: q.jctMs.mean / 3.6e6, gpuHours: q.gpuHours })),
      ...(args.html ? { html: path.resolve(ctx.cwd, args.html) } : {}),
      ...(args.usage ? { usage: path.resolve(ctx.cwd, args.usage), usageRows: result.usage?.numRows ?? 0 } : {}),
    };
    if (ctx.json) return ctx.outJson(summary);
    const f = (x: number) => x.toFixed(2);
    ctx.out(`${label} on ${summary.gpus} GPUs: ${jobs} jobs, ${result.completed} completed, ${result.rejected} rejected, ${result.unfinished} unfinished`);
    ctx.out(`JCT mean ${f(summary.jctHours.mean)} h, p50 ${f(summary.jctHours.p50)} h, p99 ${f(summary.jctHours.p99)} h; queueing mean ${f(summary.queueingHours.mean)} h; allocation ${(result.meanAllocationRate * 100).toFixed(1)}%; ${result.preemptions} preemptions`);
    const top = [...result.perQueue].sort((a, b) => b.gpuHours - a.gpuHours).slice(0, 8);
    ctx.out(formatTable(['QUEUE', 'JOBS', 'DONE', 'MEAN JCT H', 'GPU-HOURS'], top.map((q) => [q.queue, String(q.jobs), String(q.completed), f(q.jctMs.mean / 3.6e6), q.gpuHours.toFixed(1)])));
    if (args.html) ctx.out(`report: ${args.html}`);
    if (args.usage) ctx.out(`usage: ${args.usage} (${result.usage?.numRows ?? 0} rows)`);
  },
});

/** The `mlops schedule ...` commands. */
export const scheduleCommands: Record<string, MlopsCommand> = { simulate: simulateCmd };

import { InvalidArgumentError } from '@mlops/contracts';
import type { JobSpec, NodeSpec, QueueSpec } from './types.js';

function fail(what: string, expected: string, found: unknown, fix: string): never {
  throw new InvalidArgumentError(`${what}: expected ${expected}, found ${JSON.stringify(found)}. ${fix}`, {
    details: { what, found },
  });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optNonNeg(obj: Record<string, unknown>, key: string, where: string, integer = false): void {
  const v = obj[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    fail(`${where}.${key}`, `a finite ${integer ? 'integer' : 'number'} >= 0`, v, `Fix ${key} or leave it out for the default.`);
  }
}

function idOf(v: Record<string, unknown>, where: string): string {
  if (typeof v.id !== 'string' || v.id.length === 0) fail(`${where}.id`, 'a non-empty string', v.id, 'Give every item a unique string id.');
  return v.id;
}

/** Throws INVALID_ARGUMENT unless `n` is a well-formed node. */
export function validateNode(n: NodeSpec): void {
  if (!isObj(n)) fail('node', 'an object', n, 'Pass a NodeSpec { id, gpuModel, gpuCount }.');
  const where = `node "${idOf(n as unknown as Record<string, unknown>, 'node')}"`;
  if (typeof n.gpuModel !== 'string' || n.gpuModel.length === 0) fail(`${where}.gpuModel`, 'a non-empty string', n.gpuModel, 'Set the GPU model, e.g. "A100-80GB".');
  if (!Number.isInteger(n.gpuCount) || n.gpuCount < 0 || n.gpuCount > 64) fail(`${where}.gpuCount`, 'an integer 0..64', n.gpuCount, 'Set the number of GPUs on the node.');
  const rec = n as unknown as Record<string, unknown>;
  for (const k of ['cpuMilli', 'memoryMiB', 'hourlyPriceUsd', 'gpuMemoryGiB']) optNonNeg(rec, k, where);
  if (n.pricing !== undefined && !['on-demand', 'spot', 'reserved', 'committed'].includes(n.pricing)) {
    fail(`${where}.pricing`, "'on-demand', 'spot', 'reserved' or 'committed'", n.pricing, 'Use one of the UsageRecord pricing models.');
  }
}

/** Throws INVALID_ARGUMENT unless `q` is a well-formed queue. */
export function validateQueue(q: QueueSpec): void {
  if (!isObj(q)) fail('queue', 'an object', q, 'Pass a QueueSpec { id }.');
  const where = `queue "${idOf(q as unknown as Record<string, unknown>, 'queue')}"`;
  for (const key of ['nominalGpus', 'borrowingLimitGpus', 'lendingLimitGpus'] as const) {
    const m = q[key];
    if (m === undefined) continue;
    if (!isObj(m)) fail(`${where}.${key}`, 'an object of GPU model -> number', m, "Use e.g. { A100: 8 } or { '*': 8 }.");
    for (const [model, v] of Object.entries(m)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${where}.${key}.${model}`, 'a finite number >= 0', v, 'Quotas count GPUs.');
    }
  }
  if (q.weight !== undefined && (typeof q.weight !== 'number' || !(q.weight > 0) || !Number.isFinite(q.weight))) {
    fail(`${where}.weight`, 'a finite number > 0', q.weight, 'Fair-share weights are positive.');
  }
  if (q.borrowingLimitGpus !== undefined && q.cohort === undefined && q.cohortName === undefined) {
    fail(`${where}.borrowingLimitGpus`, 'a cohort to borrow from', q.cohort, 'Set `cohort` or drop `borrowingLimitGpus`.');
  }
  if (q.lendingLimitGpus !== undefined && q.cohort === undefined && q.cohortName === undefined) {
    fail(`${where}.lendingLimitGpus`, 'a cohort to lend to', q.cohort, 'Set `cohort` or drop `lendingLimitGpus`.');
  }
}

/** Throws INVALID_ARGUMENT unless `j` is a well-formed job. */
export function validateJob(j: JobSpec): void {
  if (!isObj(j)) fail('job', 'an object', j, 'Pass a JobSpec { id, gpusPerWorker }.');
  const rec = j as unknown as Record<string, unknown>;
  const where = `job "${idOf(rec, 'job')}"`;
  optNonNeg(rec, 'gpusPerWorker', where, true);
  optNonNeg(rec, 'cpuMilliPerWorker', where);
  optNonNeg(rec, 'memoryMiBPerWorker', where);
  optNonNeg(rec, 'estimatedDurationMs', where);
  if (j.maxPendingMs !== undefined && !(typeof j.maxPendingMs === 'number' && j.maxPendingMs > 0)) {
    fail(`${where}.maxPendingMs`, 'a positive number of ms', j.maxPendingMs, 'Omit it to wait as long as it takes.');
  }
  if (j.workers !== undefined && (!Number.isInteger(j.workers) || j.workers < 1)) fail(`${where}.workers`, 'an integer >= 1', j.workers, 'A gang has at least one worker.');
  if (j.gpuMilli !== undefined) {
    if (!Number.isInteger(j.gpuMilli) || j.gpuMilli < 1 || j.gpuMilli > 1000) {
      fail(`${where}.gpuMilli`, 'an integer 1..1000 (thousandths of one GPU)', j.gpuMilli, 'Use gpusPerWorker for whole GPUs.');
    }
    if ((j.gpusPerWorker ?? 0) > 0) fail(`${where}.gpusPerWorker`, '0 or absent when gpuMilli is set', j.gpusPerWorker, 'Ask for either whole GPUs or a fraction of one.');
  }
  if (j.priority !== undefined && (typeof j.priority !== 'number' || !Number.isFinite(j.priority))) fail(`${where}.priority`, 'a finite number', j.priority, 'Higher runs first.');
  if (j.submitMs !== undefined && (typeof j.submitMs !== 'number' || !Number.isFinite(j.submitMs))) fail(`${where}.submitMs`, 'epoch milliseconds', j.submitMs, 'Leave it out to use the call time.');
  if (j.gpuModels !== undefined && (!Array.isArray(j.gpuModels) || j.gpuModels.some((m) => typeof m !== 'string'))) {
    fail(`${where}.gpuModels`, 'an array of GPU model names', j.gpuModels, 'Leave it out to accept any model.');
  }
}

import { describe, expect, it } from 'vitest';
import { simulate } from './simulator.js';
import { tiresiasOrdering } from './ordering-policies.js';
import type { TraceJob } from './trace-readers.js';

const hour = 3_600_000;
const one = { nodes: [{ id: 'n', gpuModel: 'T4', gpuCount: 1 }] };
// The case: 1 GPU, a 10 h job at t=0, a 15-minute job at 0.5 h, 1 GPU-hour threshold.
const trace: TraceJob[] = [
  { id: 'long', submitMs: 0, durationMs: 10 * hour, checkpointable: true },
  { id: 'short', submitMs: 0.5 * hour, durationMs: 0.25 * hour, checkpointable: true },
];

describe('defect 2: Tiresias demotion thresholds are timer events', () => {
  it('the long job is demoted at 1 h and the short one runs then (was: 0 preemptions, mean 9.875 h)', () => {
    const r = simulate({ trace, cluster: one, policy: { ordering: tiresiasOrdering({ thresholdsGpuMs: [hour] }), preemption: true }, preemptionCost: false });
    expect(r.preemptions).toBe(1);
    // short: 1.0 -> 1.25 h (JCT 0.75 h); long resumes and ends at 10.25 h.
    expect(r.jctMs.mean).toBe(5.5 * hour);
  });

  it('preemption cost: the preemptor waits for the checkpoint, the victim pays the restore', () => {
    const r = simulate({
      trace,
      cluster: one,
      policy: { ordering: tiresiasOrdering({ thresholdsGpuMs: [hour] }), preemption: true },
      preemptionCost: { checkpointSeconds: 60, restoreSeconds: 120 },
    });
    const short = 0.75 * hour + 60_000;
    const long = 10.25 * hour + 180_000;
    expect(r.jctMs.mean).toBe((short + long) / 2);
    // The default cost is on and documented: 30 s checkpoint + 30 s restore.
    const d = simulate({ trace, cluster: one, policy: { ordering: tiresiasOrdering({ thresholdsGpuMs: [hour] }), preemption: true } });
    expect(d.jctMs.mean).toBe((0.75 * hour + 30_000 + 10.25 * hour + 60_000) / 2);
    expect(d.preemptionCost).toEqual({ checkpointSeconds: 30, restoreSeconds: 30 });
  });

  it('starvation guard: a demoted job waiting starvationFactor x its run time is promoted', () => {
    // 'old' runs 1 h (demoted at 1 GPU-h), then a stream of short level-0 jobs keeps the GPU busy.
    const stream: TraceJob[] = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, submitMs: hour + i * 0.25 * hour, durationMs: 0.25 * hour, checkpointable: true }));
    const jobs: TraceJob[] = [{ id: 'old', submitMs: 0, durationMs: 2 * hour, checkpointable: true }, ...stream];
    const policy = (starvationFactor?: number) => ({ ordering: tiresiasOrdering({ thresholdsGpuMs: [hour], ...(starvationFactor ? { starvationFactor } : {}) }), preemption: true });
    const finishOld = (r: ReturnType<typeof simulate>) => r.perJob!.find((j) => j.id === 'old')!.finishMs;
    const starved = simulate({ trace: jobs, cluster: one, policy: policy(), preemptionCost: false, perJob: true });
    // Without the guard 'old' waits for all 40 short jobs: 1 h + 10 h, then its last hour.
    expect(finishOld(starved)).toBe(12 * hour);
    const guarded = simulate({ trace: jobs, cluster: one, policy: policy(2), preemptionCost: false, perJob: true });
    // With factor 2 it is promoted after waiting 2 x 1 h (at 3 h) and runs its last hour.
    expect(finishOld(guarded)).toBe(4 * hour);
  });
});

describe('defect 5: queueing is the total time not running', () => {
  it('counts the wait after a preemption (was: only the wait before the first start)', () => {
    const r = simulate({ trace, cluster: one, policy: { ordering: tiresiasOrdering({ thresholdsGpuMs: [hour] }), preemption: true }, preemptionCost: false });
    // long: 0.25 h preempted; short: waited 0.5 h before its start.
    expect(r.queueingDelayMs.mean).toBe(0.375 * hour);
    expect(r.firstStartDelayMs.mean).toBe(0.25 * hour);
  });
});

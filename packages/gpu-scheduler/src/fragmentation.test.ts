import { describe, expect, it } from 'vitest';
import { nodeFragmentationMilli, taskFragmentationMilli } from './fragmentation.js';
import { createScheduler } from './scheduler.js';
import { bestFitPlacement, fragmentationAwarePlacement } from './placement-policies.js';
import type { WorkloadClass } from './policy-types.js';

const cls = (c: Partial<WorkloadClass>): WorkloadClass => ({ gpus: 0, gpuMilli: 0, cpuMilli: 0, memoryMiB: 0, weight: 1, ...c });

describe('FGD fragmentation measure (Weng et al., ATC 2023, section 4.1)', () => {
  const free = Int32Array.from([1000, 1000, 300, 0]);
  it('whole-GPU task: partly used GPUs are fragments', () => {
    expect(taskFragmentationMilli(free, 1e9, 1e9, cls({ gpus: 1 }))).toBe(300);
  });
  it('fractional task: GPUs with less free than the demand are fragments', () => {
    expect(taskFragmentationMilli(free, 1e9, 1e9, cls({ gpuMilli: 250 }))).toBe(0);
    expect(taskFragmentationMilli(free, 1e9, 1e9, cls({ gpuMilli: 500 }))).toBe(300);
  });
  it('a task that cannot run on the node (GPU count, CPU, or no GPU at all) sees every free GPU as fragment', () => {
    expect(taskFragmentationMilli(free, 1e9, 1e9, cls({ gpus: 4 }))).toBe(2300);
    expect(taskFragmentationMilli(free, 1000, 1e9, cls({ gpus: 1, cpuMilli: 2000 }))).toBe(2300);
    expect(taskFragmentationMilli(free, 1e9, 1e9, cls({}))).toBe(2300);
  });
  it('the expectation over the workload mix weights by popularity', () => {
    // (300 * 3 + 2300 * 1) / 4
    expect(nodeFragmentationMilli(free, 1e9, 1e9, [cls({ gpus: 1, weight: 3 }), cls({ gpus: 4, weight: 1 })])).toBe(800);
    expect(nodeFragmentationMilli(Int32Array.from([0, 0]), 0, 0, [cls({ gpus: 1 })])).toBe(0);
  });
});

describe('fragmentation-aware placement', () => {
  it('keeps capacity usable for the expected workload where best-fit strands a GPU', () => {
    const nodes = [
      { id: 'p', gpuModel: 'T4', gpuCount: 3 },
      { id: 'q', gpuModel: 'T4', gpuCount: 2 },
    ];
    const workload = [cls({ gpus: 2 })];
    const run = (placement = bestFitPlacement()) => {
      const s = createScheduler({ nodes, workload, policy: { placement }, clock: () => 0 });
      s.submit({ id: 'one', gpusPerWorker: 1 });
      const d = s.schedule(0)[0];
      return { node: d?.type === 'bind' ? d.placements[0]!.nodeId : undefined, frag: s.fragmentedGpus() };
    };
    expect(run(bestFitPlacement())).toEqual({ node: 'q', frag: 1 });
    expect(run(fragmentationAwarePlacement())).toEqual({ node: 'p', frag: 0 });
  });

  it('learns the workload mix from submitted jobs when none is given', () => {
    const s = createScheduler({ nodes: [{ id: 'p', gpuModel: 'T4', gpuCount: 3 }, { id: 'q', gpuModel: 'T4', gpuCount: 2 }], policy: { placement: fragmentationAwarePlacement() }, clock: () => 0 });
    for (let i = 0; i < 5; i++) s.submit({ id: `big${i}`, gpusPerWorker: 2, submitMs: 100 + i });
    s.cancel('big0');
    for (let i = 1; i < 5; i++) s.cancel(`big${i}`);
    s.submit({ id: 'one', gpusPerWorker: 1 });
    const d = s.schedule(0)[0];
    expect(d?.type === 'bind' && d.placements[0]!.nodeId).toBe('p');
  });

  it('chooses the GPU inside the node too: the one whose use fragments least', () => {
    const run = (placement = bestFitPlacement()) => {
      const s = createScheduler({ nodes: [{ id: 'n', gpuModel: 'T4', gpuCount: 2 }], workload: [cls({ gpuMilli: 300 })], policy: { placement }, clock: () => 0 });
      s.submit({ id: 'a', gpuMilli: 400, submitMs: 0 });
      s.submit({ id: 'b', gpuMilli: 700, submitMs: 1 });
      s.submit({ id: 'c', gpuMilli: 250, submitMs: 2 });
      s.schedule(0);
      return { gpu: s.job('c')!.placements[0]!.gpuIndices[0], frag: s.fragmentedGpus() };
    };
    // Free [600, 300]: best-fit squeezes c into GPU 1 and strands 50; FGD keeps both GPUs usable.
    expect(run(bestFitPlacement())).toEqual({ gpu: 1, frag: 0.05 });
    expect(run(fragmentationAwarePlacement())).toEqual({ gpu: 0, frag: 0 });
  });

  it('a custom policy choosing impossible GPUs is reported, not obeyed', () => {
    let calls = 0;
    // Fine for the first worker of the gang, nonsense for the second.
    const bad = { ...bestFitPlacement(), name: 'bad', chooseGpus: () => (calls++ === 0 ? null : [0, 0]) };
    const s = createScheduler({ nodes: [{ id: 'n', gpuModel: 'T4', gpuCount: 4 }], policy: { placement: bad }, clock: () => 0 });
    s.submit({ id: 'x', workers: 2, gpusPerWorker: 2 });
    expect(() => s.schedule(0)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Placement policy "bad" chose GPUs [0,0]') }));
    // No half-placed gang is left behind.
    expect(s.stats().allocatedGpus).toBe(0);
    expect(s.snapshot(0).nodes[0]!.gpuFreeMilli).toEqual([1000, 1000, 1000, 1000]);
  });
});

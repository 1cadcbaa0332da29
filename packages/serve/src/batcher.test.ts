import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';
import type { WireTensor } from './session-worker.js';
import type { Tensor } from './tensor.js';
import type { WorkerPool } from './worker-pool.js';

/** A stand-in for the worker pool that records batches and echoes inputs as outputs. */
function fakePool(capacity: number, runMs = 0) {
  const batches: Array<{ rows: number; dims: number[] }> = [];
  let inflight = 0;
  const pool = {
    onIdle: undefined as (() => void) | undefined,
    hasCapacity: () => inflight < capacity,
    maxInflight: 0,
    run(inputs: Record<string, WireTensor>) {
      inflight++;
      pool.maxInflight = Math.max(pool.maxInflight, inflight);
      const x = inputs.x!;
      batches.push({ rows: x.dims[0]!, dims: x.dims });
      return new Promise((resolve) =>
        setTimeout(() => {
          inflight--;
          resolve({ outputs: { y: { type: 'float32', dims: x.dims, data: Float32Array.from(x.data as Float32Array) } }, runMs });
          pool.onIdle?.();
        }, runMs),
      );
    },
  };
  return { pool, batches };
}

const req = (rows: number, width = 2, start = 0): Map<string, Tensor> =>
  new Map([['x', { datatype: 'FP32', shape: [rows, width], data: Float32Array.from({ length: rows * width }, (_, i) => start + i) }]]);

describe('Batcher', () => {
  it('waits up to maxQueueDelayMs for a fuller batch, then splits results back per request', async () => {
    const { pool, batches } = fakePool(1);
    const b = new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 8, maxQueueDelayMs: 30 }, {});
    const t0 = performance.now();
    const results = await Promise.all([b.submit(req(1, 2, 0), 1), b.submit(req(2, 2, 10), 2), b.submit(req(1, 2, 20), 1)]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(batches).toEqual([{ rows: 4, dims: [4, 2] }]);
    expect(Array.from(results[1]!.outputs.get('y')!.data as Float32Array)).toEqual([10, 11, 12, 13]);
    expect(results[1]!.outputs.get('y')!.shape).toEqual([2, 2]);
    expect(Array.from(results[2]!.outputs.get('y')!.data as Float32Array)).toEqual([20, 21]);
  });

  it('sends at once when maxBatchSize or a preferred size is reached', async () => {
    const { pool, batches } = fakePool(1);
    const b = new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 8, maxQueueDelayMs: 5000, preferredBatchSizes: [3] }, {});
    const t0 = performance.now();
    await Promise.all([b.submit(req(1), 1), b.submit(req(2), 2)]);
    await Promise.all([b.submit(req(4), 4), b.submit(req(4), 4)]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(batches.map((x) => x.rows)).toEqual([3, 8]);
  });

  it('never merges requests whose non-batch dims differ', async () => {
    const { pool, batches } = fakePool(1);
    const b = new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 8 }, {});
    await Promise.all([b.submit(req(1, 2), 1), b.submit(req(1, 3), 1), b.submit(req(1, 2), 1)]);
    expect(batches.map((x) => x.dims)).toEqual([
      [2, 2],
      [1, 3],
    ]);
  });

  it('keeps several batches in flight when workers are free', async () => {
    const { pool, batches } = fakePool(3, 20);
    const b = new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 2 }, {});
    await Promise.all(Array.from({ length: 6 }, () => b.submit(req(1), 1)));
    expect(batches.map((x) => x.rows)).toEqual([2, 2, 2]);
    expect(pool.maxInflight).toBe(3);
  });

  it('drains: whenIdle resolves after queued work, and new work is refused after stopAccepting', async () => {
    const { pool } = fakePool(1, 10);
    const b = new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 1 }, {});
    const work = [b.submit(req(1), 1), b.submit(req(1), 1)];
    b.stopAccepting();
    await expect(b.submit(req(1), 1)).rejects.toThrow(/shutting down/);
    await b.whenIdle();
    expect(b.pending).toBe(0);
    await Promise.all(work);
  });

  it('validates its options', () => {
    const { pool } = fakePool(1);
    expect(() => new Batcher('m', pool as unknown as WorkerPool, true, { maxBatchSize: 0 }, {})).toThrow(/maxBatchSize must be a positive integer/);
    expect(() => new Batcher('m', pool as unknown as WorkerPool, true, { priorityLevels: 2, defaultPriority: 3 }, {})).toThrow(/between 1 and priorityLevels/);
  });
});

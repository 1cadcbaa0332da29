import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError } from '@mlops/contracts';
import { loadModel, type Model } from '../src/index.js';
import { brokenModel, linearModel, linearReference, mixedTypesModel, seededRandom, slowModel, stringEchoModel } from './onnx-models.js';

describe('loadModel', () => {
  let linear: Model;
  let mixed: Model;
  let echo: Model;

  beforeAll(async () => {
    [linear, mixed, echo] = await Promise.all([
      loadModel({ source: linearModel(), name: 'linear', workers: 2, batching: { maxBatchSize: 32, maxQueueDelayMs: 2 } }),
      loadModel({ source: mixedTypesModel(), name: 'mixed', workers: 1 }),
      loadModel({ source: stringEchoModel(), name: 'echo', workers: 1 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([linear.close(), mixed.close(), echo.close()]);
  });

  it('exposes metadata with dynamic dims as -1', () => {
    expect(linear.metadata).toEqual({
      name: 'linear',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect(mixed.metadata.inputs.map((i) => i.datatype)).toEqual(['INT64', 'BOOL']);
    expect(mixed.metadata.outputs.map((i) => i.datatype)).toEqual(['INT64', 'BOOL', 'FP32']);
    expect(echo.metadata.outputs[0]).toEqual({ name: 'echo', datatype: 'BYTES', shape: [-1] });
    expect(linear.batchable).toBe(true);
  });

  it('runs typed-array inference with several datatypes', async () => {
    const r = await mixed.infer({ a: { data: new BigInt64Array([1n, -2n, 3n, 4n, 5n, 6n]), shape: [2, 3] }, flag: { data: new Uint8Array([1, 0]), shape: [2, 1], datatype: 'BOOL' } });
    expect(Array.from(r.outputs.doubled!.data as BigInt64Array)).toEqual([2n, -4n, 6n, 8n, 10n, 12n]);
    expect(r.outputs.negated).toEqual({ datatype: 'BOOL', shape: [2, 1], data: new Uint8Array([0, 1]) });
    expect(Array.from(r.outputs.half!.data as Float32Array)).toEqual([0.5, -1, 1.5, 2, 2.5, 3]);
    const s = await echo.infer({ text: { data: ['héllo', 'wörld', ''], shape: [3] } });
    expect(s.outputs.echo).toEqual({ datatype: 'BYTES', shape: [3], data: ['héllo', 'wörld', ''] });
  });

  it('returns only the requested outputs', async () => {
    const r = await mixed.infer({ a: { data: new BigInt64Array(3), shape: [1, 3] }, flag: { data: new Uint8Array(1), shape: [1, 1] } }, { outputs: ['half'] });
    expect(Object.keys(r.outputs)).toEqual(['half']);
  });

  it('gives batched requests exactly the results of unbatched ones', async () => {
    const rand = seededRandom(3);
    const requests = Array.from({ length: 60 }, () => {
      const rows = 1 + Math.floor(rand() * 4);
      return Float32Array.from({ length: rows * 4 }, () => rand() * 10 - 5);
    });
    const batched = await Promise.all(requests.map((x) => linear.infer({ x: { data: x, shape: [x.length / 4, 4] } })));
    const alone: Float32Array[] = [];
    for (const x of requests) alone.push((await linear.infer({ x: { data: x, shape: [x.length / 4, 4] } })).outputs.y!.data as Float32Array);
    for (let i = 0; i < requests.length; i++) {
      expect(batched[i]!.outputs.y!.shape).toEqual([requests[i]!.length / 4, 2]);
      expect(Array.from(batched[i]!.outputs.y!.data as Float32Array)).toEqual(Array.from(alone[i]!));
      const ref = linearReference(requests[i]!);
      (batched[i]!.outputs.y!.data as Float32Array).forEach((v, k) => expect(v).toBeCloseTo(ref[k]!, 4));
    }
    // Requests were really merged: some batch held more rows than its own request.
    expect(batched.some((r, i) => r.batchRows > requests[i]!.length / 4)).toBe(true);
    // The caller's buffers are not detached by the transfer to workers.
    expect(requests[0]!.length).toBeGreaterThan(0);
  });

  it('sends batches larger than a shared-memory slot as messages, with the same results', async () => {
    // 70 000 rows x 4 FP32 = 1.1 MB in, 560 kB out: over the 1 MiB slot, so the job takes the
    // postMessage path while small concurrent requests keep using the ring.
    const rand = seededRandom(9);
    const big = Float32Array.from({ length: 70_000 * 4 }, () => rand() * 2 - 1);
    const small = Float32Array.from({ length: 8 }, () => rand());
    const [rb, rs] = await Promise.all([linear.infer({ x: { data: big, shape: [70_000, 4] } }), linear.infer({ x: { data: small, shape: [2, 4] } })]);
    const refBig = linearReference(big);
    const yb = rb.outputs.y!.data as Float32Array;
    expect(rb.outputs.y!.shape).toEqual([70_000, 2]);
    for (const k of [0, 1, 12_345, 139_998, 139_999]) expect(yb[k]).toBeCloseTo(refBig[k]!, 4);
    const refSmall = linearReference(small);
    (rs.outputs.y!.data as Float32Array).forEach((v, k) => expect(v).toBeCloseTo(refSmall[k]!, 4));
    expect(big.length).toBe(280_000); // not detached
  });

  it('wakes a sleeping worker for every message-path job (BYTES), one request at a time', async () => {
    // BYTES tensors never use the shared-memory ring; each request here finds the worker asleep.
    for (let i = 0; i < 150; i++) {
      const r = await echo.infer({ text: { data: [`n${i}`], shape: [1] } });
      expect(r.outputs.echo!.data).toEqual([`n${i}`]);
      if (i % 10 === 0) await new Promise((res) => setTimeout(res, 2));
    }
  });

  it('rejects bad inputs with INVALID_ARGUMENT saying what was expected', async () => {
    await expect(linear.infer({ x: { data: new Float32Array(3), shape: [1, 3] } })).rejects.toThrow(/expects shape \[-1, 4\].*found \[1, 3\]/);
    await expect(linear.infer({ x: { data: new Float64Array(4), shape: [1, 4] } })).rejects.toThrow(/expects datatype FP32; found FP64/);
    await expect(linear.infer({ z: { data: new Float32Array(4), shape: [1, 4] } })).rejects.toThrow(/no input named "z"/);
    await expect(linear.infer({})).rejects.toThrow(/needs input "x"/);
    await expect(linear.infer({ x: { data: new Float32Array(4), shape: [1, 4] } }, { outputs: ['nope'] })).rejects.toThrow(/no output named "nope"/);
    const err = await linear.infer({ x: { data: new Float32Array(5), shape: [1, 4] } }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(err, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('never loads onnxruntime-node on the main thread', () => {
    const cache = createRequire(import.meta.url).cache;
    expect(Object.keys(cache).filter((k) => k.includes(`${path.sep}onnxruntime-node${path.sep}`))).toEqual([]);
  });

  it('loads from a file path and names the model after the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'serve-'));
    const file = path.join(dir, 'fraud.onnx');
    writeFileSync(file, linearModel());
    const m = await loadModel({ source: file, workers: 1, warmup: false });
    expect(m.name).toBe('fraud');
    await m.close();
    await expect(loadModel({ source: path.join(dir, 'missing.onnx') })).rejects.toThrow(/cannot read the ONNX file/);
  });

  it('fails to load a broken model with a clear error and leaves no workers behind', async () => {
    const err = await loadModel({ source: brokenModel(), workers: 2 }).catch((e: unknown) => e);
    expect(MlopsError.isInstance(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toMatch(/could not load model/);
  });

  it('rejects at once when the queue is full and times out queued requests', async () => {
    const slow = await loadModel({ source: slowModel(1500), name: 'slow', workers: 1, batching: { maxBatchSize: 1, maxQueueSize: 3 } });
    try {
      const x = { x: { data: new Float32Array(256), shape: [1, 256] } };
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => slow.infer(x)));
      const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as MlopsError).code));
      // Submitted in one tick: three fit the queue, the rest are turned away at once.
      expect(codes).toEqual(['ok', 'ok', 'ok', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL', 'QUEUE_FULL']);
      const busy = slow.infer(x);
      const late = await slow.infer(x, { timeoutMs: 1 }).catch((e: unknown) => e);
      expect(MlopsError.isInstance(late, 'TIMEOUT')).toBe(true);
      await busy;
    } finally {
      await slow.close();
    }
  });

  it('serves higher priority levels first', async () => {
    const slow = await loadModel({ source: slowModel(800), name: 'slow', workers: 1, batching: { maxBatchSize: 1, priorityLevels: 2 } });
    try {
      const x = { x: { data: new Float32Array(256), shape: [1, 256] } };
      const order: string[] = [];
      const blocker = slow.infer(x);
      const low = [1, 2, 3].map((i) => slow.infer(x, { priority: 2 }).then(() => order.push(`low${i}`)));
      const high = slow.infer(x, { priority: 1 }).then(() => order.push('high'));
      await Promise.all([blocker, ...low, high]);
      expect(order[0]).toBe('high');
      expect(order.slice(1)).toEqual(['low1', 'low2', 'low3']);
    } finally {
      await slow.close();
    }
  });
});

describe('worker failure', () => {
  it('replaces a worker that exits and keeps serving', async () => {
    const m = await loadModel({ source: linearModel(), name: 'lin', workers: 1 });
    try {
      const x = { x: { data: new Float32Array([1, 2, 3, 4]), shape: [1, 4] } };
      await m.infer(x);
      // Reach into the pool and stop the (idle) worker, as a crash between requests would.
      const internals = m as unknown as { pool: { slots: Array<{ worker: { terminate(): Promise<number>; threadId: number } }> } };
      const before = internals.pool.slots[0]!.worker.threadId;
      await internals.pool.slots[0]!.worker.terminate();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        ok = await m.infer(x).then(
          (r) => Array.from(r.outputs.y!.data as Float32Array).join() === '14.5,3.5',
          async () => {
            await new Promise((r) => setTimeout(r, 20));
            return false;
          },
        );
      }
      expect(ok).toBe(true);
      expect(internals.pool.slots[0]!.worker.threadId).not.toBe(before);
    } finally {
      await m.close();
    }
  });
});

describe('registry source', () => {
  it('loads the version an alias points to, named after the registry model', async () => {
    const { InMemoryRegistry } = await import('./in-memory-registry.js');
    const registry = new InMemoryRegistry();
    registry.register('fraud', brokenModel());
    registry.register('fraud', linearModel());
    registry.setAlias('fraud', 'champion', 2);
    const m = await loadModel({ source: { registry, ref: 'fraud@champion' }, workers: 1 });
    try {
      expect([m.name, m.version]).toEqual(['fraud', '2']);
      expect(Array.from((await m.infer({ x: { data: new Float32Array([1, 2, 3, 4]), shape: [1, 4] } })).outputs.y!.data as Float32Array)).toEqual([14.5, 3.5]);
    } finally {
      await m.close();
    }
    await expect(loadModel({ source: { registry, ref: 'fraud' } })).rejects.toThrow(/looks like "name@alias"|no such ref/);
  });
});

describe('Model.inferTable (Arrow in, Arrow out)', () => {
  it('maps PredictionLog-style columns to inputs and returns output_ columns', async () => {
    const { tableFromArrays, FixedSizeList, Field, Float32, Table, vectorFromArray } = await import('apache-arrow');
    const linear = await loadModel({ source: linearModel(), name: 'linear', workers: 1 });
    const mixed = await loadModel({ source: mixedTypesModel(), name: 'mixed', workers: 1 });
    try {
      const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
      const ref = linearReference(x);
      // Columns x_0..x_3 as Float64 (converted to the model's FP32).
      const t1 = tableFromArrays({ x_0: new Float64Array([1, 5]), x_1: new Float64Array([2, 6]), x_2: new Float64Array([3, 7]), input_x_3: new Float64Array([4, 8]) });
      const out1 = await linear.inferTable(t1);
      expect(out1.schema.fields.map((f) => f.name)).toEqual(['output_y_0', 'output_y_1']);
      expect(Array.from(out1.getChild('output_y_0')!.toArray() as Float32Array)).toEqual([ref[0], ref[2]]);
      // One FixedSizeList<4> column "x".
      const list = vectorFromArray([[1, 2, 3, 4], [5, 6, 7, 8]], new FixedSizeList(4, new Field('item', new Float32())));
      const out2 = await linear.inferTable(new Table({ x: list }));
      expect(Array.from(out2.getChild('output_y_1')!.toArray() as Float32Array)).toEqual([ref[1], ref[3]]);
      // Int64 and Bool columns.
      const t3 = tableFromArrays({ a_0: new BigInt64Array([1n]), a_1: new BigInt64Array([2n]), a_2: new BigInt64Array([3n]), flag: [true] });
      const out3 = await mixed.inferTable(t3);
      expect(out3.getChild('output_doubled_2')!.get(0)).toBe(6n);
      expect(out3.getChild('output_negated')!.get(0)).toBe(false);
      await expect(linear.inferTable(tableFromArrays({ x_0: new Float64Array([1]) }))).rejects.toThrow(/column "x_1" is missing/);
    } finally {
      await Promise.all([linear.close(), mixed.close()]);
    }
  });
});

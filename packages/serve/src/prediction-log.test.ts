import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { predictionLogContract, validateTable } from '@mlops/contracts';
import { createMemoryStore } from '@mlops/storage';
import { PredictionLogger, type PredictionRecord } from './prediction-log.js';

const record = (i: number, rows = 1): PredictionRecord => ({
  requestId: `r${i}`,
  timestampMs: Date.UTC(2026, 10, 23, 12, 0, i),
  modelName: 'fraud',
  modelVersion: '3',
  latencyMs: 1.5,
  inputs: { amount: { datatype: 'FP32', shape: [rows], data: new Float32Array(rows).fill(i) }, country: { datatype: 'BYTES', shape: [rows], data: new Array<string>(rows).fill('DE') } },
  outputs: { score: { datatype: 'FP32', shape: [rows, 2], data: new Float32Array(rows * 2).fill(0.25) }, label: { datatype: 'INT64', shape: [rows], data: new BigInt64Array(rows).fill(1n) } },
  shadow: false,
});

describe('PredictionLogger', () => {
  it('writes PredictionLog Arrow files rotated by row count, one row per predicted row', async () => {
    const store = createMemoryStore();
    const logger = new PredictionLogger({ store, flushRows: 4, flushIntervalMs: 0 }, undefined, (e) => {
      throw e;
    });
    for (let i = 0; i < 5; i++) logger.record(record(i));
    logger.record(record(5, 3));
    await logger.close();
    const keys: string[] = [];
    for await (const page of store.list({ prefix: 'predictions/fraud/2026-11-23/' })) keys.push(...page.objects.map((o) => o.key));
    expect(keys).toHaveLength(2);
    const tables = await Promise.all(keys.map(async (k) => tableFromIPC((await store.get(k)).body)));
    expect(tables.map((t) => t.numRows).sort()).toEqual([4, 4]);
    for (const t of tables) validateTable(t, predictionLogContract({ inputs: ['amount', 'country'], outputs: ['score_0', 'score_1', 'label'] }));
    const rows = tables.flatMap((t) => t.toArray() as Array<Record<string, unknown>>);
    expect(rows.map((r) => r.request_id)).toEqual(expect.arrayContaining(['r0', 'r4', 'r5/0', 'r5/2']));
    const r5 = rows.find((r) => r.request_id === 'r5/1')!;
    expect(r5).toMatchObject({ model_name: 'fraud', model_version: '3', latency_ms: 1.5, input_amount: 5, input_country: 'DE', output_score_1: 0.25, output_label: 1n, shadow: false });
    expect(logger.stats).toMatchObject({ loggedRows: 8, droppedRows: 0, writtenFiles: 2 });
  });

  it('never blocks: with a stalled store, rows beyond maxBufferedRows are dropped and counted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const puts: string[] = [];
    const store = {
      async put(key: string) {
        await gate;
        puts.push(key);
        return {};
      },
    };
    const logger = new PredictionLogger({ store, flushRows: 2, maxBufferedRows: 4, flushIntervalMs: 0 }, undefined, () => undefined);
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) logger.record(record(i));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(logger.stats.droppedRows).toBe(6);
    release();
    await logger.close();
    expect(puts).toHaveLength(2);
    expect(logger.stats).toMatchObject({ loggedRows: 4, writtenFiles: 2, failedWrites: 0 });
  });

  it('hands each flushed table to the monitor and counts monitor failures without throwing', async () => {
    const seen: number[] = [];
    const logger = new PredictionLogger({ flushRows: 3, flushIntervalMs: 0 }, { observe: (t) => seen.push(t.numRows) }, () => undefined);
    for (let i = 0; i < 7; i++) logger.record(record(i));
    await logger.close();
    expect(seen).toEqual([3, 3, 1]);
    const failing = new PredictionLogger({ flushRows: 1, flushIntervalMs: 0 }, { observe: () => Promise.reject(new Error('boom')) }, () => undefined);
    failing.record(record(1));
    await failing.close();
    expect(failing.stats.monitorErrors).toBe(1);
  });

  it('rejects bad settings', () => {
    expect(() => new PredictionLogger({ sampleRate: 2 }, undefined, () => undefined)).toThrow(/sampleRate must be between 0 and 1/);
    expect(() => new PredictionLogger({ flushRows: 0 }, undefined, () => undefined)).toThrow(/flushRows must be a positive integer/);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Float64, Int64, Table, TimeUnit, Timestamp, makeData, makeVector } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { seededRandom, writeParquetFile } from '@mlops/contracts';
import { HOUR, T0 } from '../test/fixtures.js';
import { createFeatureStore, createMemoryOnlineStore, defineEntity, defineFeatureView, encodeEntityKey } from './index.js';
import type { OnlineStoreV1 } from './index.js';
import { materialize } from './online.js';

const int64 = (values: BigInt64Array): Vector => makeVector(makeData({ type: new Int64(), length: values.length, data: values } as never));
const time = (values: BigInt64Array): Vector => makeVector(makeData({ type: new Timestamp(TimeUnit.MILLISECOND, 'UTC'), length: values.length, data: values } as never));
const float = (values: Float64Array): Vector => makeVector(makeData({ type: new Float64(), length: values.length, data: values } as never));

/** `rows` random rows over `keys` keys, times on a coarse grid (many ties), created times with ties too. */
function randomRows(seed: number, rows: number, keys: number, features: number, createdSpreadMs = 3): Table {
  const random = seededRandom(seed);
  const k = new BigInt64Array(rows);
  const t = new BigInt64Array(rows);
  const c = new BigInt64Array(rows);
  const f = Array.from({ length: features }, () => new Float64Array(rows));
  for (let i = 0; i < rows; i++) {
    k[i] = BigInt(Math.floor(random() * keys));
    t[i] = BigInt(T0 + Math.floor(random() * 48) * HOUR);
    c[i] = t[i]! + BigInt(Math.floor(random() * createdSpreadMs));
    for (const column of f) column[i] = random();
  }
  const columns: Record<string, Vector> = { driver_id: int64(k), event_timestamp: time(t), created: time(c) };
  f.forEach((column, i) => (columns[`f${i}`] = float(column)));
  return new Table(columns);
}

function definitions(source: Table | { path: string }, features: number) {
  const driver = defineEntity({ name: 'driver', joinKeys: ['driver_id'], valueType: 'int64' });
  const view = defineFeatureView({ name: 'stats', entities: [driver], source, createdTimestampColumn: 'created', features: Array.from({ length: features }, (_, i) => `f${i}`) });
  return { entities: [driver], views: [view] };
}

// The rules read directly: per key, the greatest (event time, created time) in the window; a full tie goes to the later row.
function bruteForce(table: Table, startMs: number, endMs: number): Map<number, { ts: number; f0: number }> {
  const best = new Map<number, { ts: number; c: number; f0: number }>();
  const k = table.getChild('driver_id')!;
  const t = table.getChild('event_timestamp')!;
  const c = table.getChild('created')!;
  const f0 = table.getChild('f0')!;
  for (let i = 0; i < table.numRows; i++) {
    const ts = Number(t.get(i));
    if (ts < startMs || ts > endMs) continue;
    const key = Number(k.get(i));
    const cr = Number(c.get(i));
    const prev = best.get(key);
    if (!prev || ts > prev.ts || (ts === prev.ts && cr >= prev.c)) best.set(key, { ts, c: cr, f0: f0.get(i) as number });
  }
  return new Map([...best].map(([key, v]) => [key, { ts: v.ts, f0: v.f0 }]));
}

describe('materialize reads the window in batches', () => {
  it('gives the same online rows as the rules, whatever the batch and buffer sizes (Parquet row groups, in-memory slices)', async () => {
    const keys = 3000;
    const [start, end] = [T0 + 6 * HOUR, T0 + 40 * HOUR];
    // Full ties (same key, event and created time) go to the later row only within what is held
    // between two flushes (the store keeps the first of equal rows): the flushed runs use a
    // source without full ties; the unflushed one keeps many.
    const withTies = randomRows(5, 60_000, keys, 3);
    const source = randomRows(6, 60_000, keys, 3, 1e9);
    const dir = await mkdtemp(path.join(tmpdir(), 'features-materialize-'));
    try {
      const file = path.join(dir, 'stats.parquet');
      await writeParquetFile(file, source, { rowGroupRows: 1000 });
      const allKeys = Array.from({ length: keys }, (_, i) => encodeEntityKey(['driver_id'], [i]));
      for (const [label, src, maxBufferedKeys] of [
        ['in-memory with full ties, default buffer', withTies, undefined],
        ['in-memory, default buffer', source, undefined],
        ['in-memory, 100 keys buffered', source, 100],
        ['parquet row groups of 1000, 250 keys buffered', { path: file }, 250],
      ] as const) {
        const online = createMemoryOnlineStore();
        const store = createFeatureStore({ ...definitions(src, 3), online });
        const expected = bruteForce(src === withTies ? withTies : source, start, end);
        const result = await store.materialize({ start, end, ...(maxBufferedKeys ? { maxBufferedKeys } : {}) });
        if (maxBufferedKeys === undefined) expect(result.views[0]!.rows, label).toBe(expected.size);
        const read = await online.readRows('stats', allKeys, ['f0']);
        const got = new Map(read.flatMap((r, key) => (r ? [[key, { ts: r.eventTimestampMs, f0: r.values.f0 as number }] as const] : [])));
        expect(got, label).toEqual(expected);
        // Idempotent: a second run writes nothing.
        expect((await store.materialize({ start, end, ...(maxBufferedKeys ? { maxBufferedKeys } : {}) })).views[0]!.written, label).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('memory stays bounded for a large window: batches are written as they come, not held', async () => {
    const features = 4;
    const batchRows = 50_000;
    const batches = 80; // 4M rows, 192 MiB of columns if held at once
    const store = createFeatureStore(definitions(randomRows(1, 10, 10, features), features));
    const inner = createMemoryOnlineStore();
    let produced = 0;
    const writesAtBatch: number[] = [];
    const online: OnlineStoreV1 = {
      ...inner,
      writeRows: (view, rows, options) => {
        writesAtBatch.push(produced);
        expect(rows.length).toBeLessThanOrEqual(1000);
        return inner.writeRows(view, rows, options);
      },
    };
    const usage = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const baseline = usage();
    let peak = 0;
    async function* sourceBatches() {
      for (let b = 0; b < batches; b++) {
        produced = b + 1;
        peak = Math.max(peak, usage() - baseline);
        yield randomRows(100 + b, batchRows, 2000, features);
      }
    }
    const result = await materialize({ catalog: store.catalog, online, now: () => T0, sourceBatches }, { start: T0, end: T0 + 48 * HOUR, maxBufferedKeys: 500 });
    expect(result.views[0]!.written).toBeGreaterThan(2000);
    // Writes started long before the last batch was read...
    expect(writesAtBatch[0]).toBeLessThan(3);
    // ...and what was held at any time stayed far below the 192 MiB the window's columns take.
    expect(peak).toBeLessThan(96 * 2 ** 20);
  });

  it('refuses a bad maxBufferedKeys', async () => {
    const store = createFeatureStore(definitions(randomRows(1, 10, 10, 1), 1));
    await expect(store.materialize({ start: T0, end: T0 + HOUR, maxBufferedKeys: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

import { describe, expect, it } from 'vitest';
import type { OnlineStoreV1 } from '../src/index.js';

/**
 * The one suite every OnlineStoreV1 driver runs. `create` returns a fresh, empty store (for
 * Redis: a new key prefix on the shared test server).
 */
export function runOnlineStoreConformance(name: string, create: () => Promise<OnlineStoreV1>): void {
  describe(`OnlineStoreV1 conformance: ${name}`, () => {
    it('identifies itself', async () => {
      const store = await create();
      expect(store.specificationVersion).toBe('v1');
      expect(typeof store.kind).toBe('string');
      await store.close();
    });

    it('round-trips numbers, strings, booleans, bigints and nulls; unknown keys read as undefined', async () => {
      const store = await create();
      const values = { f: 0.25, n: -3, s: 'ünï "quoted"', b: false, big: 2n ** 60n, nil: null };
      expect(await store.writeRows('v', [{ entityKey: 'driver_id=1', eventTimestampMs: 1000, createdTimestampMs: 1001, values }])).toEqual({ written: 1, skipped: 0 });
      const [hit, miss] = await store.readRows('v', ['driver_id=1', 'driver_id=2'], ['f', 'n', 's', 'b', 'big', 'nil', 'never_written']);
      expect(hit).toEqual({ eventTimestampMs: 1000, createdTimestampMs: 1001, values: { ...values, never_written: null } });
      expect(miss).toBeUndefined();
      await store.close();
    });

    it('ignores rows older than or as old as the stored one; created time breaks ties', async () => {
      const store = await create();
      const key = 'driver_id=7';
      await store.writeRows('v', [{ entityKey: key, eventTimestampMs: 2000, values: { x: 2 } }]);
      expect(await store.writeRows('v', [{ entityKey: key, eventTimestampMs: 1000, values: { x: 1 } }])).toEqual({ written: 0, skipped: 1 });
      expect(await store.writeRows('v', [{ entityKey: key, eventTimestampMs: 2000, values: { x: 99 } }])).toEqual({ written: 0, skipped: 1 });
      expect(await store.writeRows('v', [{ entityKey: key, eventTimestampMs: 2000, createdTimestampMs: 5, values: { x: 3 } }])).toEqual({ written: 1, skipped: 0 });
      expect(await store.writeRows('v', [{ entityKey: key, eventTimestampMs: 2000, createdTimestampMs: 4, values: { x: 4 } }])).toEqual({ written: 0, skipped: 1 });
      expect((await store.readRows('v', [key], ['x']))[0]).toMatchObject({ eventTimestampMs: 2000, createdTimestampMs: 5, values: { x: 3 } });
      // Within one batch the newest row wins whatever its position.
      expect(await store.writeRows('v', [
        { entityKey: 'driver_id=8', eventTimestampMs: 3000, values: { x: 30 } },
        { entityKey: 'driver_id=8', eventTimestampMs: 1000, values: { x: 10 } },
      ])).toEqual({ written: 1, skipped: 1 });
      expect((await store.readRows('v', ['driver_id=8'], ['x']))[0]?.values).toEqual({ x: 30 });
      await store.close();
    });

    it('a newer row replaces all features of the view (no stale feature left behind)', async () => {
      const store = await create();
      await store.writeRows('v', [{ entityKey: 'k=1', eventTimestampMs: 1, values: { a: 1, b: 2 } }]);
      await store.writeRows('v', [{ entityKey: 'k=1', eventTimestampMs: 2, values: { a: 10, b: null } }]);
      expect((await store.readRows('v', ['k=1'], ['a', 'b']))[0]?.values).toEqual({ a: 10, b: null });
      await store.close();
    });

    it('keeps views apart for the same entity key', async () => {
      const store = await create();
      await store.writeRows('a', [{ entityKey: 'k=1', eventTimestampMs: 10, values: { x: 'from a' } }]);
      await store.writeRows('b', [{ entityKey: 'k=1', eventTimestampMs: 5, values: { x: 'from b' } }]);
      expect((await store.readRows('a', ['k=1'], ['x']))[0]).toMatchObject({ eventTimestampMs: 10, values: { x: 'from a' } });
      expect((await store.readRows('b', ['k=1'], ['x']))[0]).toMatchObject({ eventTimestampMs: 5, values: { x: 'from b' } });
      expect((await store.readRows('c', ['k=1'], ['x']))[0]).toBeUndefined();
      await store.close();
    });

    it('reads many keys in request order, duplicates included', async () => {
      const store = await create();
      const rows = Array.from({ length: 1500 }, (_, i) => ({ entityKey: `id=${i}`, eventTimestampMs: i + 1, values: { v: i } }));
      expect((await store.writeRows('v', rows)).written).toBe(1500);
      const keys = ['id=1499', 'id=0', 'id=missing', 'id=0', ...rows.slice(0, 500).map((r) => r.entityKey)];
      const read = await store.readRows('v', keys, ['v']);
      expect(read.slice(0, 4).map((r) => r?.values.v)).toEqual([1499, 0, undefined, 0]);
      expect(read.slice(4).map((r) => r?.values.v)).toEqual(rows.slice(0, 500).map((_, i) => i));
      await store.close();
    });

    it('stores a watermark per view', async () => {
      const store = await create();
      expect(await store.getWatermark('v')).toBeUndefined();
      await store.setWatermark('v', 1_767_225_600_000);
      await store.setWatermark('w', 5);
      expect(await store.getWatermark('v')).toBe(1_767_225_600_000);
      expect(await store.getWatermark('w')).toBe(5);
      await store.close();
    });
  });
}

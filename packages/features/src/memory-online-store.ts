import type { OnlineRecord, OnlineStoreV1, OnlineValue, OnlineWriteRow } from './online-store.js';
import { isNewer } from './online-store.js';

interface Stored {
  ts: number;
  created: number | undefined;
  values: Map<string, OnlineValue>;
}

/** The default online store: a process-local map. Nothing persists across restarts. */
export function createMemoryOnlineStore(): OnlineStoreV1 {
  const rows = new Map<string, Stored>();
  const watermarks = new Map<string, number>();
  let closed = false;
  const key = (view: string, entityKey: string) => `${view}\u0000${entityKey}`;
  return {
    specificationVersion: 'v1',
    kind: 'memory',
    async writeRows(view: string, batch: readonly OnlineWriteRow[]) {
      let written = 0;
      for (const row of batch) {
        const k = key(view, row.entityKey);
        const stored = rows.get(k);
        if (stored && !isNewer(row.eventTimestampMs, row.createdTimestampMs, stored.ts, stored.created)) continue;
        rows.set(k, { ts: row.eventTimestampMs, created: row.createdTimestampMs, values: new Map(Object.entries(row.values)) });
        written++;
      }
      return { written, skipped: batch.length - written };
    },
    async readRows(view: string, entityKeys: readonly string[], features: readonly string[]) {
      return entityKeys.map((entityKey): OnlineRecord | undefined => {
        const stored = rows.get(key(view, entityKey));
        if (!stored) return undefined;
        const values: Record<string, OnlineValue> = {};
        for (const f of features) values[f] = stored.values.get(f) ?? null;
        return { eventTimestampMs: stored.ts, createdTimestampMs: stored.created, values };
      });
    },
    async getWatermark(view: string) {
      return watermarks.get(view);
    },
    async setWatermark(view: string, endMs: number) {
      watermarks.set(view, endMs);
    },
    async close() {
      if (closed) return;
      closed = true;
      rows.clear();
    },
  };
}

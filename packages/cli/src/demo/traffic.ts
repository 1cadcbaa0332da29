import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { FeatureStore } from '@mlops/features';
import { FEATURES, VIEW } from './dataset.js';

/** What a batch of requests saw. */
export interface TrafficResult {
  requests: number;
  rows: number;
  failures: number;
  /** Answers per model version. */
  versions: Record<string, number>;
  /** Requests whose online features were missing (NOT_FOUND or past TTL). */
  missingFeatures: number;
}

/** Who to call and what to do with each request's feature rows. */
export interface TrafficTarget {
  inferUrl: string;
  features: FeatureStore;
  userIds: readonly bigint[];
  rowsPerRequest: number;
  /** Called with each request's feature rows (the drift monitor observes them). */
  observe(rows: Record<string, number>[]): void;
  random(): number;
}

/** One request: pick users, fetch their features online, ask the model. */
async function oneRequest(t: TrafficTarget, result: TrafficResult): Promise<void> {
  const ids = Array.from({ length: t.rowsPerRequest }, () => t.userIds[Math.floor(t.random() * t.userIds.length)]!);
  const online = await t.features.getOnlineFeatures({ features: FEATURES.map((f) => `${VIEW}:${f}`), entities: { user_id: ids }, fullFeatureNames: false });
  const rows: Record<string, number>[] = ids.map(() => ({}));
  let missing = false;
  for (const f of FEATURES) {
    const col = online.features[f];
    if (!col) throw new MlopsError(ErrorCode.Internal, `The feature store answered without ${f}; it returned ${Object.keys(online.features).join(', ')}.`);
    col.values.forEach((v, i) => {
      if (typeof v !== 'number') missing = true;
      rows[i]![f] = typeof v === 'number' ? v : Number(v ?? NaN);
    });
  }
  if (missing) result.missingFeatures++;
  t.observe(rows);
  result.requests++;
  result.rows += rows.length;
  try {
    const res = await fetch(t.inferUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'x', shape: [rows.length, FEATURES.length], datatype: 'FP32', data: rows.flatMap((r) => FEATURES.map((f) => r[f]!)) }] }),
    });
    const body = (await res.json()) as { model_version?: string };
    if (res.status !== 200 || !body.model_version) result.failures++;
    else result.versions[body.model_version] = (result.versions[body.model_version] ?? 0) + 1;
  } catch {
    result.failures++;
  }
}

function emptyResult(): TrafficResult {
  return { requests: 0, rows: 0, failures: 0, versions: {}, missingFeatures: 0 };
}

/** Sends `count` requests, `concurrency` at a time; `onProgress` after each. */
export async function sendTraffic(t: TrafficTarget, count: number, concurrency: number, onProgress?: (done: number) => void): Promise<TrafficResult> {
  const result = emptyResult();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await oneRequest(t, result);
      onProgress?.(result.requests);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result;
}

/** Traffic that keeps flowing until `stop()`: the promotion and the rollback happen under it. */
export function backgroundTraffic(t: TrafficTarget, concurrency: number): { result: TrafficResult; stop(): Promise<TrafficResult> } {
  const result = emptyResult();
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) await oneRequest(t, result);
  });
  return {
    result,
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}

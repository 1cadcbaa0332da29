import { MlopsError, ErrorCode } from '@mlops/contracts';
import { scoreReference } from './onnx-model.js';
import { FEATURE_COUNT } from './seeded-random.js';

/** Weights and bias of one model version, to check what the server answers. */
export interface ScorerParams {
  weights: readonly number[];
  bias: number;
}

/** What one stretch of traffic did. */
export interface TrafficResult {
  /** Requests sent. */
  requests: number;
  /** Rows scored. */
  rows: number;
  /** Versions that answered, with counts (from the OIP response's `model_version`). */
  versions: Record<string, number>;
  /** Requests that did not get HTTP 200. */
  failures: number;
  /** Largest |server score − reference score| over all answers. */
  maxAbsError: number;
}

interface InferResponse {
  model_version: string;
  outputs: { name: string; data: number[] }[];
}

/** Where to send and how to check the answers. */
export interface TrafficTarget {
  /** Server base URL. */
  url: string;
  /** Model name in the URL. */
  model: string;
  /** The parameters of the version that answered, by version label. */
  expected: (version: string) => ScorerParams;
}

/** Sends one OIP JSON request, checks its scores against the answering version's parameters, and counts it. */
async function inferOnce(target: TrafficTarget, id: string, x: Float32Array, into: TrafficResult): Promise<void> {
  const rows = x.length / FEATURE_COUNT;
  into.requests++;
  const res = await fetch(`${target.url}/v2/models/${target.model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, inputs: [{ name: 'x', shape: [rows, FEATURE_COUNT], datatype: 'FP32', data: Array.from(x) }] }),
  });
  if (!res.ok) {
    into.failures++;
    await res.body?.cancel();
    return;
  }
  const body = (await res.json()) as InferResponse;
  into.rows += rows;
  into.versions[body.model_version] = (into.versions[body.model_version] ?? 0) + 1;
  const score = body.outputs.find((o) => o.name === 'score');
  if (!score || score.data.length !== rows) {
    throw new MlopsError(ErrorCode.Internal, `Expected the answer to ${id} to hold a "score" output with ${rows} values; found ${JSON.stringify(body.outputs.map((o) => o.name))}.`);
  }
  const { weights, bias } = target.expected(body.model_version);
  const want = scoreReference(x, weights, bias);
  for (let r = 0; r < rows; r++) into.maxAbsError = Math.max(into.maxAbsError, Math.abs(score.data[r]! - want[r]!));
}

function emptyResult(): TrafficResult {
  return { requests: 0, rows: 0, versions: {}, failures: 0, maxAbsError: 0 };
}

/**
 * Sends `features` (row-major, 4 per row) as requests of `rowsPerRequest` rows, `concurrency`
 * at a time, with ids `<batch>-<i>`.
 */
export async function sendTraffic(
  target: TrafficTarget,
  batch: string,
  features: Float32Array,
  options: { rowsPerRequest: number; concurrency: number },
): Promise<TrafficResult> {
  const result = emptyResult();
  const width = options.rowsPerRequest * FEATURE_COUNT;
  const requests = Math.floor(features.length / width);
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      await inferOnce(target, `${batch}-${i}`, features.subarray(i * width, (i + 1) * width), result);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

/** Traffic that keeps going in the background until {@link BackgroundTraffic.stop}. */
export interface BackgroundTraffic {
  /** Answers received so far (the object is live). */
  readonly result: TrafficResult;
  /** Resolves once at least `n` requests were answered; rejects after `timeoutMs` (default 20 s). */
  answered(n: number, timeoutMs?: number): Promise<void>;
  /** Stops sending and resolves when in-flight requests are done. */
  stop(): Promise<TrafficResult>;
}

/**
 * Keeps `concurrency` requests in flight, drawing rows from `nextRows`, until stopped: the
 * traffic a real service would get while its model is swapped.
 */
export function startBackgroundTraffic(
  target: TrafficTarget,
  batch: string,
  nextRows: (rows: number) => Float32Array,
  options: { rowsPerRequest: number; concurrency: number },
): BackgroundTraffic {
  const result = emptyResult();
  let stopped = false;
  let seq = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const settle = () => {
    const answered = result.requests - result.failures;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (answered >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  const worker = async () => {
    while (!stopped) {
      await inferOnce(target, `${batch}-${seq++}`, nextRows(options.rowsPerRequest), result);
      settle();
    }
  };
  const running = Promise.all(Array.from({ length: options.concurrency }, worker));
  // Surfaced by stop(); avoid an unhandled rejection before that.
  running.catch(() => undefined);
  return {
    result,
    answered: (n, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new MlopsError(ErrorCode.Timeout, `Expected ${n} answered requests within ${timeoutMs} ms; found ${result.requests - result.failures} (${result.failures} failed).`));
        }, timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        running.catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
        settle();
      }),
    stop: async () => {
      stopped = true;
      await running;
      return result;
    },
  };
}

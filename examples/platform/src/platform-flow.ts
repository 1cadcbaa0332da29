import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { predictionLogContract, readFloat64Column, tableFromIpc, toStringArray, validateTable } from '@mlops/contracts';
import { compare } from '@mlops/drift';
import type { DriftReport } from '@mlops/drift';
import { createRegistry, metricGate } from '@mlops/registry';
import { createModelServer } from '@mlops/serve';
import type { ReloadEvent } from '@mlops/serve';
import { createFileStore } from '@mlops/storage';
import type { ObjectStore } from '@mlops/storage';
import { simulateGpuCosts } from './gpu-costs.js';
import type { GpuCostResult } from './gpu-costs.js';
import { buildScorerModel, scoreReference } from './onnx-model.js';
import { FEATURE_COUNT, sampleFeatures } from './seeded-random.js';

/** Options of {@link runPlatformFlow}. */
export interface PlatformFlowOptions {
  /** Working directory for the file store; default a fresh temp dir, removed at the end. */
  dir?: string;
  /** Requests per traffic batch (each carries {@link rowsPerRequest} rows). Default 200. */
  requestsPerBatch?: number;
  /** Rows per request. Default 2. */
  rowsPerRequest?: number;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What one traffic batch did. */
export interface TrafficResult {
  /** Requests sent. */
  requests: number;
  /** Rows scored. */
  rows: number;
  /** Versions that answered, with counts (from the OIP response's `model_version`). */
  versions: Record<string, number>;
  /** Largest |server score − reference score|. */
  maxAbsError: number;
}

/** Everything the flow observed, for printing and for the test. */
export interface PlatformFlowResult {
  /** The model's registered name. */
  modelName: string;
  /** Versions registered, in order. */
  registeredVersions: number[];
  /** Alias `champion` targets over time (from the registry's alias history). */
  championHistory: (number | null)[];
  /** Whether the metric gate let version 2 through. */
  promoted: boolean;
  /** Reload events the server reported (initial load and hot reloads). */
  reloads: ReloadEvent[];
  /** Traffic before the promotion (unshifted data, served by version 1). */
  before: TrafficResult;
  /** Traffic after the promotion (deliberately shifted data, served by version 2). */
  after: TrafficResult;
  /** Prediction log files read back from the store. */
  logFiles: number;
  /** Prediction log rows read back, per model version. */
  logRows: Record<string, number>;
  /** Reference (training) data vs. version 1's logged inputs: same distribution. */
  driftUnshifted: DriftReport;
  /** Reference (training) data vs. version 2's logged inputs: shifted on purpose. */
  driftShifted: DriftReport;
  /** GPU jobs and their cost per team. */
  gpu: GpuCostResult;
}

const MODEL = 'churn';
const INPUT_COLUMNS = Array.from({ length: FEATURE_COUNT }, (_, i) => `x_${i}`);
const V1 = { weights: [0.8, -0.3, 1.2, 0.05], bias: 0.1, auc: 0.84 };
const V2 = { weights: [0.9, -0.25, 1.1, 0.07], bias: 0.05, auc: 0.87 };
/** Shift per feature, in standard deviations, of the second traffic batch. */
const SHIFT = [1.5, 0, -1, 0.75];

interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

async function sendTraffic(
  url: string,
  batch: string,
  features: Float32Array,
  options: { requests: number; rowsPerRequest: number; concurrency: number; expected: (version: string) => { weights: number[]; bias: number } },
): Promise<TrafficResult> {
  const { requests, rowsPerRequest, concurrency } = options;
  const versions: Record<string, number> = {};
  let maxAbsError = 0;
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const x = features.subarray(i * rowsPerRequest * FEATURE_COUNT, (i + 1) * rowsPerRequest * FEATURE_COUNT);
      const res = await fetch(`${url}/v2/models/${MODEL}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: `${batch}-${i}`, inputs: [{ name: 'x', shape: [rowsPerRequest, FEATURE_COUNT], datatype: 'FP32', data: Array.from(x) }] }),
      });
      if (!res.ok) throw new Error(`Request ${batch}-${i} failed with HTTP ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as InferResponse;
      versions[body.model_version] = (versions[body.model_version] ?? 0) + 1;
      const { weights, bias } = options.expected(body.model_version);
      const want = scoreReference(x, weights, bias);
      const got = body.outputs.find((o) => o.name === 'score');
      if (!got) throw new Error(`Response to ${batch}-${i} has no "score" output.`);
      for (let r = 0; r < rowsPerRequest; r++) maxAbsError = Math.max(maxAbsError, Math.abs(got.data[r]! - want[r]!));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests, rows: requests * rowsPerRequest, versions, maxAbsError };
}

/** Reads every prediction log file under `prefix`, validating each against the PredictionLog contract. */
async function readPredictionLogs(store: ObjectStore, prefix: string): Promise<Table[]> {
  const contract = predictionLogContract({ inputs: INPUT_COLUMNS, outputs: ['score'] });
  const tables: Table[] = [];
  for await (const page of store.list({ prefix })) {
    for (const meta of page.objects) {
      const { body } = await store.get(meta.key);
      tables.push(validateTable(tableFromIpc(body), contract));
    }
  }
  return tables;
}

/** The logged `input_x_*` columns of one model version, as a Float64 table drift can compare. */
function loggedInputs(tables: readonly Table[], version: string): Table {
  const columns: number[][] = INPUT_COLUMNS.map(() => []);
  for (const t of tables) {
    const versions = toStringArray(t.getChild('model_version')!, 'model_version');
    const values = INPUT_COLUMNS.map((c) => readFloat64Column(t, `input_${c}`));
    for (let r = 0; r < t.numRows; r++) {
      if (versions[r] !== version) continue;
      for (let c = 0; c < values.length; c++) columns[c]!.push(values[c]![r]!);
    }
  }
  return tableFromArrays(Object.fromEntries(INPUT_COLUMNS.map((c, i) => [`input_${c}`, Float64Array.from(columns[i]!)])));
}

/** The training data: the unshifted distribution, named like the logged inputs. */
function referenceTable(rows: number): Table {
  const x = sampleFeatures(rows, 7);
  return tableFromArrays(
    Object.fromEntries(INPUT_COLUMNS.map((c, f) => [`input_${c}`, Float64Array.from({ length: rows }, (_, r) => x[r * FEATURE_COUNT + f]!)])),
  );
}

function waitFor<T>(what: string, poll: () => T | undefined, timeoutMs: number): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * The whole platform, end to end, on a file store in a temp dir: register an ONNX model and
 * alias it `champion`; serve it over the Open Inference Protocol with prediction logs; register
 * and promote version 2 and watch the server hot-reload; read the logs back and check drift
 * against the training data; simulate GPU jobs and attribute their cost per team.
 */
export async function runPlatformFlow(options: PlatformFlowOptions = {}): Promise<PlatformFlowResult> {
  const log = options.log ?? (() => undefined);
  const requests = options.requestsPerBatch ?? 200;
  const rowsPerRequest = options.rowsPerRequest ?? 2;
  const concurrency = options.concurrency ?? 16;
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'mlops-platform-')));
  // Scratch data: no fsync, so the example runs fast on slow disks.
  const store = createFileStore({ root: path.join(dir, 'store'), fsync: false });
  const registry = createRegistry({ store, actor: 'example' });
  const reloads: ReloadEvent[] = [];
  let server: ReturnType<typeof createModelServer> | undefined;
  try {
    // 1. Register version 1 and point `champion` at it.
    const v1 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Logistic churn scorer over 4 features',
      artifacts: { 'model.onnx': buildScorerModel(V1.weights, V1.bias) },
      metrics: { auc: V1.auc },
      params: { features: FEATURE_COUNT },
      lineage: { datasets: [{ uri: 'memory://training/churn-2026-11', role: 'train' }] },
    });
    await registry.setAlias(MODEL, 'champion', v1.version, { reason: 'first release' });
    log(`registered ${MODEL}/${v1.version} (auc ${V1.auc}) and set ${MODEL}@champion -> ${v1.version}`);

    // 2. Serve `churn@champion` with prediction logs going to the same store.
    server = createModelServer({
      models: [{ registry, ref: `${MODEL}@champion`, load: { workers: 1, sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } }, pollIntervalMs: 60_000 }],
      host: '127.0.0.1',
      port: 0,
      predictionLog: { store, prefix: 'prediction-logs/', flushRows: 250, flushIntervalMs: 500 },
      onReload: (e) => reloads.push(e),
      onError: (e) => log(`server error: ${e instanceof Error ? e.message : String(e)}`),
    });
    const { url } = await server.listen();
    await waitFor('the initial load', () => reloads.find((e) => e.ok && e.to === String(v1.version)), 20_000);
    log(`serving ${url}/v2/models/${MODEL} (version ${v1.version})`);

    const expected = (version: string) => (version === '1' ? V1 : V2);
    const before = await sendTraffic(url, 'before', sampleFeatures(requests * rowsPerRequest, 11), { requests, rowsPerRequest, concurrency, expected });
    log(`sent ${before.requests} requests (${before.rows} rows), answered by ${JSON.stringify(before.versions)}`);

    // 3. Register version 2, promote it through a metric gate; the server reloads on the alias event.
    const v2 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Retrained on November data',
      artifacts: { 'model.onnx': buildScorerModel(V2.weights, V2.bias) },
      metrics: { auc: V2.auc },
      params: { features: FEATURE_COUNT },
    });
    await registry.setAlias(MODEL, 'challenger', v2.version, { reason: 'weekly retrain' });
    const promotion = await registry.promote({
      name: MODEL,
      from: 'challenger',
      to: 'champion',
      gate: metricGate({ metric: 'auc', minImprovement: 0.01 }),
      reason: 'auc +0.03',
    });
    log(`registered ${MODEL}/${v2.version} (auc ${V2.auc}); promotion ${promotion.promoted ? 'passed' : 'refused'}: ${promotion.decision.reasons.join('; ')}`);
    const reload = await waitFor('the hot reload', () => reloads.find((e) => e.to === String(v2.version)), 20_000);
    if (!reload.ok) throw new Error(`The server could not load version ${v2.version}: ${String(reload.error)}`);
    log(`server hot-reloaded ${reload.model}: ${reload.from} -> ${reload.to}`);

    const after = await sendTraffic(url, 'after', sampleFeatures(requests * rowsPerRequest, 23, SHIFT), { requests, rowsPerRequest, concurrency, expected });
    log(`sent ${after.requests} shifted requests (${after.rows} rows), answered by ${JSON.stringify(after.versions)}`);

    // Closing drains the queue and flushes the last prediction log file.
    await server.close();
    server = undefined;

    // 4. Read the logs back, validate them, and compare the inputs with the training data.
    const tables = await readPredictionLogs(store, 'prediction-logs/');
    const logRows: Record<string, number> = {};
    for (const t of tables) for (const v of toStringArray(t.getChild('model_version')!, 'model_version')) logRows[v ?? '?'] = (logRows[v ?? '?'] ?? 0) + 1;
    log(`read ${tables.length} prediction log files: rows per version ${JSON.stringify(logRows)}`);
    const reference = referenceTable(2000);
    const driftUnshifted = compare(reference, loggedInputs(tables, String(v1.version)));
    const driftShifted = compare(reference, loggedInputs(tables, String(v2.version)));

    // 5. GPU jobs and their cost per team.
    const gpu = simulateGpuCosts(Date.UTC(2026, 10, 23, 10));

    const history = await registry.getAliasHistory(MODEL, 'champion');
    return {
      modelName: MODEL,
      registeredVersions: [v1.version, v2.version],
      championHistory: history.map((h) => h.to),
      promoted: promotion.promoted,
      reloads,
      before,
      after,
      logFiles: tables.length,
      logRows,
      driftUnshifted,
      driftShifted,
      gpu,
    };
  } finally {
    if (server) await server.close();
    await registry.close();
    await store.close();
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  }
}

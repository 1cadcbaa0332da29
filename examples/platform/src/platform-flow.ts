import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import { tableFromArrays } from 'apache-arrow';
import { driftResultContract, ErrorCode, MlopsError, predictionLogContract, tableFromIpc, toStringArray, validateTable } from '@mlops/contracts';
import { compare, deserializeProfile, driftReportToTable, profile, serializeProfile } from '@mlops/drift';
import type { DriftReport } from '@mlops/drift';
import { createRegistry, metricGate } from '@mlops/registry';
import type { Registry } from '@mlops/registry';
import { createModelServer } from '@mlops/serve';
import type { ReloadEvent } from '@mlops/serve';
import { createFileStore } from '@mlops/storage';
import type { ObjectStore } from '@mlops/storage';
import { createVersionProfileMonitor, selectRows } from './drift-monitor.js';
import { simulateGpuCosts } from './gpu-costs.js';
import type { GpuCostResult } from './gpu-costs.js';
import { buildScorerModel } from './onnx-model.js';
import { FEATURE_COUNT, sampleFeatures, seededNormal, FEATURE_MEANS, FEATURE_STDS } from './seeded-random.js';
import { sendTraffic, startBackgroundTraffic } from './traffic.js';
import type { ScorerParams, TrafficResult } from './traffic.js';

/** Options of {@link runPlatformFlow}. */
export interface PlatformFlowOptions {
  /** Working directory for the file store; default a fresh temp dir, removed at the end. */
  dir?: string;
  /** Requests before and after the promotion (each carries {@link rowsPerRequest} rows). Default 200. */
  requestsPerBatch?: number;
  /** Rows per request. Default 2. */
  rowsPerRequest?: number;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Everything the flow observed, for printing and for the test. */
export interface PlatformFlowResult {
  /** The model's registered name. */
  modelName: string;
  /** Versions registered, in order. */
  registeredVersions: number[];
  /** Alias `champion` targets over time (from the registry's alias history). */
  championHistory: (number | null)[];
  /** Whether the metric gate let version 2 through, and why. */
  promotion: { promoted: boolean; reasons: string[] };
  /** Reload events the server reported (initial load and hot reloads). */
  reloads: ReloadEvent[];
  /** Traffic before the promotion (unshifted data, served by version 1). */
  before: TrafficResult;
  /** Traffic that kept flowing while version 2 was promoted and swapped in (unshifted data). */
  during: TrafficResult;
  /** Traffic after the promotion (deliberately shifted data, served by version 2). */
  after: TrafficResult;
  /** Prediction log files read back from the store. */
  logFiles: number;
  /** Prediction log rows read back, per model version. */
  logRows: Record<string, number>;
  /** Reference (training) data vs. the logged inputs of the `before` traffic: same distribution. */
  driftUnshifted: DriftReport;
  /** Reference (training) data vs. the logged inputs of the `after` traffic: shifted on purpose. */
  driftShifted: DriftReport;
  /** `driftShifted` as a `DriftResult` Arrow table (validated against the contract). */
  driftShiftedTable: Table;
  /**
   * The in-process path: per-version profiles the server's monitor built from each logged batch,
   * compared with the reference profile stored as an artifact of the version.
   */
  monitorDrift: Record<string, DriftReport>;
  /** GPU jobs and their cost per team. */
  gpu: GpuCostResult;
}

const MODEL = 'churn';
/** Model input columns as logged: `x` [N, 4] becomes `input_x_0 .. input_x_3`. */
const LOGGED_INPUTS = Array.from({ length: FEATURE_COUNT }, (_, i) => `input_x_${i}`);
const V1 = { weights: [0.8, -0.3, 1.2, 0.05], bias: 0.1, auc: 0.84 };
const V2 = { weights: [0.9, -0.25, 1.1, 0.07], bias: 0.05, auc: 0.87 };
/** Shift per feature, in standard deviations, of the traffic after the promotion (x_1 stays put). */
const SHIFT = [1.5, 0, -1, 0.75];
const REFERENCE_PROFILE = 'reference-profile.bin';

/** Reads every prediction log file under `prefix`, validating each against the PredictionLog contract. */
async function readPredictionLogs(store: ObjectStore, prefix: string): Promise<Table[]> {
  const contract = predictionLogContract({ inputs: LOGGED_INPUTS.map((c) => c.slice('input_'.length)), outputs: ['score'] });
  const tables: Table[] = [];
  for await (const page of store.list({ prefix })) {
    for (const meta of page.objects) {
      const { body } = await store.get(meta.key);
      tables.push(validateTable(tableFromIpc(body), contract));
    }
  }
  return tables;
}

/** Logged inputs of the requests whose id starts with `batch-` (row ids are `<request id>/<row>`). */
function loggedInputsOf(tables: readonly Table[], batch: string): Table {
  const ids = new Map(tables.map((t) => [t, toStringArray(t.getChild('request_id')!, 'request_id')]));
  return selectRows(tables, LOGGED_INPUTS, (r, t) => ids.get(t)![r]!.startsWith(`${batch}-`));
}

/** The training data: the unshifted distribution, named like the logged inputs. */
function referenceTable(rows: number): Table {
  const x = sampleFeatures(rows, 7);
  return tableFromArrays(Object.fromEntries(LOGGED_INPUTS.map((c, f) => [c, Float64Array.from({ length: rows }, (_, r) => x[r * FEATURE_COUNT + f]!)])));
}

async function readArtifact(registry: Registry, ref: string, artifact: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of await registry.openArtifact(ref, artifact)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function waitFor<T>(what: string, poll: () => T | undefined, timeoutMs: number): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = poll();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new MlopsError(ErrorCode.Timeout, `Waited ${timeoutMs} ms for ${what}; it did not happen. Check the server's onError output.`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/**
 * The whole platform, end to end, on a file store in a temp dir: register an ONNX model and
 * alias it `champion`; serve it over the Open Inference Protocol with prediction logs; register
 * and promote version 2 under live traffic and watch the server hot-reload; read the logs back
 * and check drift against the training data; simulate GPU jobs and attribute their cost per team.
 */
export async function runPlatformFlow(options: PlatformFlowOptions = {}): Promise<PlatformFlowResult> {
  const log = options.log ?? (() => undefined);
  const requests = options.requestsPerBatch ?? 200;
  const rowsPerRequest = options.rowsPerRequest ?? 2;
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(requests) || requests < 20) throw new MlopsError(ErrorCode.InvalidArgument, `Expected requestsPerBatch to be an integer >= 20 (drift needs a sample), found ${requests}.`);
  if (!Number.isInteger(rowsPerRequest) || rowsPerRequest < 1) throw new MlopsError(ErrorCode.InvalidArgument, `Expected rowsPerRequest to be a positive integer, found ${rowsPerRequest}.`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new MlopsError(ErrorCode.InvalidArgument, `Expected concurrency to be a positive integer, found ${concurrency}.`);
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'mlops-platform-')));
  // Scratch data: no fsync, so the example runs fast on slow disks.
  const store = createFileStore({ root: path.join(dir, 'store'), fsync: false });
  const registry = createRegistry({ store, actor: 'example' });
  const reloads: ReloadEvent[] = [];
  const monitor = createVersionProfileMonitor(LOGGED_INPUTS);
  let server: ReturnType<typeof createModelServer> | undefined;
  try {
    // 1. Register version 1 with the training data's profile, and point `champion` at it.
    const reference = referenceTable(2000);
    const referenceProfile = serializeProfile(profile(reference));
    const v1 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Logistic churn scorer over 4 features',
      artifacts: { 'model.onnx': buildScorerModel(V1.weights, V1.bias), [REFERENCE_PROFILE]: referenceProfile },
      metrics: { auc: V1.auc },
      params: { features: FEATURE_COUNT },
      lineage: { datasets: [{ uri: 'memory://training/churn-2026-11', role: 'train' }] },
    });
    await registry.setAlias(MODEL, 'champion', v1.version, { reason: 'first release' });
    log(`registered ${MODEL}/${v1.version} (auc ${V1.auc}) and set ${MODEL}@champion -> ${v1.version}`);

    // 2. Serve `churn@champion` with prediction logs going to the same store, and to the monitor.
    server = createModelServer({
      models: [{ registry, ref: `${MODEL}@champion`, load: { workers: 1, sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } }, pollIntervalMs: 60_000 }],
      host: '127.0.0.1',
      port: 0,
      predictionLog: { store, prefix: 'prediction-logs/', flushRows: 250, flushIntervalMs: 500 },
      monitor,
      onReload: (e) => reloads.push(e),
      onError: (e) => log(`server error: ${e instanceof Error ? e.message : String(e)}`),
    });
    const { url } = await server.listen();
    await waitFor('the initial load', () => reloads.find((e) => e.ok && e.to === String(v1.version)), 20_000);
    log(`serving ${url}/v2/models/${MODEL} (version ${v1.version})`);

    const paramsByVersion: Record<string, ScorerParams> = { [v1.version]: V1 };
    const target = {
      url,
      model: MODEL,
      expected: (version: string) => {
        const p = paramsByVersion[version];
        if (!p) throw new MlopsError(ErrorCode.Internal, `The server answered with version "${version}", which this example never registered.`);
        return p;
      },
    };
    const before = await sendTraffic(target, 'before', sampleFeatures(requests * rowsPerRequest, 11), { rowsPerRequest, concurrency });
    log(`sent ${before.requests} requests (${before.rows} rows), answered by ${JSON.stringify(before.versions)}`);

    // 3. Register version 2 and promote it through a metric gate while traffic keeps flowing.
    const normal = seededNormal(23);
    const during = startBackgroundTraffic(
      target,
      'during',
      (rows) => Float32Array.from({ length: rows * FEATURE_COUNT }, (_, i) => FEATURE_MEANS[i % FEATURE_COUNT]! + normal() * FEATURE_STDS[i % FEATURE_COUNT]!),
      { rowsPerRequest, concurrency: 4 },
    );
    await during.answered(10);
    const v2 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Retrained on November data',
      artifacts: { 'model.onnx': buildScorerModel(V2.weights, V2.bias), [REFERENCE_PROFILE]: referenceProfile },
      metrics: { auc: V2.auc },
      params: { features: FEATURE_COUNT },
    });
    paramsByVersion[v2.version] = V2;
    await registry.setAlias(MODEL, 'challenger', v2.version, { reason: 'weekly retrain' });
    const promotion = await registry.promote({ name: MODEL, from: 'challenger', to: 'champion', gate: metricGate({ metric: 'auc', minImprovement: 0.01 }), reason: 'auc +0.03' });
    log(`registered ${MODEL}/${v2.version} (auc ${V2.auc}); promotion ${promotion.promoted ? 'passed' : 'refused'}: ${promotion.decision.reasons.join('; ')}`);
    // The server hears the registry's alias_set event, loads and warms v2, then swaps it in.
    const reload = await waitFor('the hot reload', () => reloads.find((e) => e.to === String(v2.version)), 20_000);
    if (!reload.ok) throw new MlopsError(ErrorCode.Internal, `The server could not load version ${v2.version}: ${String(reload.error)}.`, { cause: reload.error });
    // Requests queued before the swap still finish on v1; keep going until v2 has answered 20.
    await waitFor('20 answers from version 2', () => ((during.result.versions[String(v2.version)] ?? 0) >= 20 ? true : undefined), 20_000);
    const duringResult = await during.stop();
    log(`server hot-reloaded ${reload.model}: ${reload.from} -> ${reload.to}; live traffic meanwhile: ${duringResult.requests} requests, ${duringResult.failures} failed, answered by ${JSON.stringify(duringResult.versions)}`);

    const after = await sendTraffic(target, 'after', sampleFeatures(requests * rowsPerRequest, 23, SHIFT), { rowsPerRequest, concurrency });
    log(`sent ${after.requests} shifted requests (${after.rows} rows), answered by ${JSON.stringify(after.versions)}`);

    // Closing drains the queue and flushes the last prediction log file.
    await server.close();
    server = undefined;

    // 4. Read the logs back, validate them, and compare the inputs with the training data.
    const tables = await readPredictionLogs(store, 'prediction-logs/');
    const logRows: Record<string, number> = {};
    for (const t of tables) for (const v of toStringArray(t.getChild('model_version')!, 'model_version')) logRows[v ?? '?'] = (logRows[v ?? '?'] ?? 0) + 1;
    log(`read ${tables.length} prediction log files: rows per version ${JSON.stringify(logRows)}`);
    const driftUnshifted = compare(reference, loggedInputsOf(tables, 'before'));
    const driftShifted = compare(reference, loggedInputsOf(tables, 'after'));
    const driftShiftedTable = validateTable(driftReportToTable(driftShifted), driftResultContract);

    // The same question without keeping rows: the monitor's profiles vs. the profile shipped with the model.
    const storedReference = deserializeProfile(await readArtifact(registry, `${MODEL}/${v1.version}`, REFERENCE_PROFILE));
    const monitorDrift: Record<string, DriftReport> = {};
    for (const [version, p] of monitor.profiles()) monitorDrift[version] = compare(storedReference, p);

    // 5. GPU jobs and their cost per team.
    const gpu = simulateGpuCosts(Date.UTC(2026, 10, 23, 10));

    const history = await registry.getAliasHistory(MODEL, 'champion');
    return {
      modelName: MODEL,
      registeredVersions: [v1.version, v2.version],
      championHistory: history.map((h) => h.to),
      promotion: { promoted: promotion.promoted, reasons: promotion.decision.reasons },
      reloads,
      before,
      during: duringResult,
      after,
      logFiles: tables.length,
      logRows,
      driftUnshifted,
      driftShifted,
      driftShiftedTable,
      monitorDrift,
      gpu,
    };
  } finally {
    if (server) await server.close();
    await registry.close();
    await store.close();
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  }
}

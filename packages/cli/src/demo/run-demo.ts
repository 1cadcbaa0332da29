import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { buildTable, featureFrameSchema, readFloat64Column, seededRandom, tableFromIpc, tableToParquet, toStringArray } from '@mlops/contracts';
import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import { aggregateCosts, attributeCosts, costOfPredictions, evaluateBudgets, renderCostReport, samplePriceCatalog, spotSavings, IDLE_GROUP } from '@mlops/cost';
import { createDriftMonitor, createRetrainTrigger, profile, renderHtmlReport, serializeProfile } from '@mlops/drift';
import type { DriftMonitorReport, RetrainEvent } from '@mlops/drift';
import { createFeatureStore, createMemoryOnlineStore, defineEntity, defineFeatureView } from '@mlops/features';
import type { FeatureStore } from '@mlops/features';
import { toUsageRecordTable } from '@mlops/gpu-scheduler';
import { createRegistry } from '@mlops/registry';
import type { AliasChange, PromotionGate, Registry } from '@mlops/registry';
import { createModelServer } from '@mlops/serve';
import type { ReloadEvent } from '@mlops/serve';
import { createFileStore } from '@mlops/storage';
import { logisticRegressionOnnx } from '../onnx/logistic-model.js';
import { GPU_ONLY } from '../commands/cost/commands.js';
import { gitLineage } from '../commands/registry/git-lineage.js';
import { simulateTrace } from '../commands/schedule/commands.js';
import { FEATURES, VIEW, generateDataset } from './dataset.js';
import type { FeatureRows, LabelRows } from './dataset.js';
import { auc, predict, trainLogisticRegression } from './train.js';
import type { LogisticModel } from './train.js';
import { backgroundTraffic, sendTraffic } from './traffic.js';
import type { TrafficResult, TrafficTarget } from './traffic.js';

const DAY_MS = 86_400_000;
const MODEL = 'churn';
/** Feature data and labels are dated from here (fixed, so every run builds the same data). */
const T0 = Date.UTC(2026, 8, 1);

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where everything is written (registry, data, reports, logs). Default `./mlops-demo`. */
  dir: string;
  /** Progress lines for people. */
  log?: (line: string) => void;
  /** Progress of long steps (a bar on a terminal). */
  progress?: (step: string, done: number, total: number) => void;
  /** Customers in the generated population (default 3000). */
  users?: number;
  /** Requests before and after the `user_age` change (default 300 each, 8 rows per request). */
  requests?: number;
  /** Days of the Philly trace to simulate (default 7). */
  gpuDays?: number;
  /** Directory whose git checkout is recorded as code lineage (default: the process's). */
  cwd?: string;
}

/** What each step did, for the summary and the test. */
export interface DemoResult {
  dir: string;
  files: { registry: string; data: string[]; driftReport: string | undefined; costReport: string; scheduleReport: string; focus: string; predictionLogs: string; log: string };
  step1: { users: number; featureRows: number; trainingRows: number; pointInTimeChecked: number; datasetSha256: string };
  step2: { version: number; auc: number; weights: number[]; codeCommit: string | undefined };
  step3: { before: TrafficResult; after: TrafficResult; windows: number; driftedWindows: number; firstDriftedColumns: string[]; retrainEvents: RetrainEvent[]; changeAtRow: number; perWindow: { rows: number; endRow: number; drifted: string[] }[] };
  step4: { version: number; aucFresh: { champion: number; challenger: number }; promoted: boolean; gateReasons: string[]; during: TrafficResult; reloads: string[]; rolledBackTo: number | null; history: AliasChange[] };
  step5: { jobs: number; gpus: number; totalUsd: number; idleShare: number; byTeam: { team: string; usd: number }[]; spotSavedUsd: number; budgetAlerts: string[]; costPer1000: { version: string; predictions: number; usdPer1000: number }[] };
  durationMs: number;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function featureTable(rows: FeatureRows): Table {
  const schema = featureFrameSchema({ entityKeys: [{ name: 'user_id', arrowType: 'int64' }], features: [...FEATURES] });
  return buildTable(schema, { ...rows, created_timestamp: rows.event_timestamp });
}

/** Training set: each label row joined with the features as of its own time (point-in-time). */
async function trainingSet(store: FeatureStore, labels: LabelRows): Promise<{ x: number[][]; y: number[]; table: Table }> {
  const table = await store.getHistoricalFeatures({ entityRows: { user_id: labels.user_id, event_timestamp: labels.event_timestamp }, features: FEATURES.map((f) => `${VIEW}:${f}`), fullFeatureNames: false });
  const ids = Array.from(table.getChild('user_id')!.toArray() as BigInt64Array, String);
  const times = readFloat64Column(table, 'event_timestamp');
  const labelOf = new Map(labels.user_id.map((id, i) => [`${id}@${labels.event_timestamp[i]}`, labels.churned[i]!]));
  const cols = FEATURES.map((f) => readFloat64Column(table, f));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const label = labelOf.get(`${ids[i]}@${times[i]}`);
    if (label === undefined || cols.some((c) => !Number.isFinite(c[i]!))) continue;
    x.push(cols.map((c) => c[i]!));
    y.push(label);
  }
  return { x, y, table: tableFromArrays(Object.fromEntries(FEATURES.map((f, j) => [f, Float64Array.from(x, (r) => r[j]!)]))) };
}

/** Point-in-time check, independent of the feature store: the newest snapshot at or before each label time. */
function expectedAsOf(rows: FeatureRows, labels: LabelRows, i: number): number | undefined {
  let best: number | undefined;
  let bestT = -Infinity;
  for (let r = 0; r < rows.user_id.length; r++) {
    if (rows.user_id[r] === labels.user_id[i] && rows.event_timestamp[r]! <= labels.event_timestamp[i]! && rows.event_timestamp[r]! > bestT) {
      bestT = rows.event_timestamp[r]!;
      best = rows.user_age[r];
    }
  }
  return best;
}

function split<T>(items: readonly T[], share: number): [T[], T[]] {
  const cut = Math.floor(items.length * share);
  return [items.slice(0, cut), items.slice(cut)];
}

async function waitFor<T>(what: string, poll: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = poll();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new MlopsError(ErrorCode.Timeout, `Waited ${timeoutMs} ms for ${what}; it did not happen. Look at ${'logs/'} in the demo directory.`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The user-age incident, end to end, on embedded defaults: features and a point-in-time training
 * set, a model trained and exported to ONNX in TypeScript, registered with lineage and served;
 * `user_age` switches to months halfway through the traffic, the drift monitor flags it and the
 * retraining trigger fires; the retrained model is promoted under live traffic and rolled back;
 * a week of Philly GPU jobs is scheduled and priced. Everything lands under `options.dir`.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const dir = path.resolve(options.dir);
  const logLines: string[] = [];
  const log = (line: string) => {
    logLines.push(`${new Date().toISOString()} ${line}`);
    options.log?.(line);
  };
  const users = options.users ?? 3000;
  const requests = options.requests ?? 300;
  const rowsPerRequest = 8;
  // A rerun starts from a clean slate: the demo owns these folders (and nothing else in dir).
  for (const sub of ['registry', 'data', 'reports', 'logs']) await rm(path.join(dir, sub), { recursive: true, force: true });
  for (const sub of ['data', 'reports', 'logs']) await mkdir(path.join(dir, sub), { recursive: true });
  const files = {
    registry: path.join(dir, 'registry'),
    data: [] as string[],
    driftReport: undefined as string | undefined,
    costReport: path.join(dir, 'reports', 'cost.html'),
    scheduleReport: path.join(dir, 'reports', 'gpu-schedule.html'),
    focus: path.join(dir, 'reports', 'focus.csv'),
    predictionLogs: path.join(dir, 'logs', 'predictions'),
    log: path.join(dir, 'logs', 'demo.log'),
  };
  const registry: Registry = createRegistry({ store: createFileStore({ root: files.registry }), actor: 'mlops-demo' });
  const logStore = createFileStore({ root: path.join(dir, 'logs') });
  let server: ReturnType<typeof createModelServer> | undefined;
  let features: FeatureStore | undefined;
  try {
    // 1. Data, entities, feature views, point-in-time training set.
    const { features: rows, labels } = generateDataset({ users, t0: T0, seed: 7 });
    const rowsTable = featureTable(rows);
    const dataFile = path.join(dir, 'data', 'customer_profile.parquet');
    const dataBytes = await tableToParquet(rowsTable);
    await writeFile(dataFile, dataBytes);
    const labelFile = path.join(dir, 'data', 'labels.parquet');
    const labelBytes = await tableToParquet(tableFromArrays({ user_id: BigInt64Array.from(labels.user_id), event_timestamp: Float64Array.from(labels.event_timestamp), churned: Int32Array.from(labels.churned) }));
    await writeFile(labelFile, labelBytes);
    files.data.push(dataFile, labelFile);
    const datasetSha256 = sha256(new Uint8Array([...createHash('sha256').update(dataBytes).digest(), ...createHash('sha256').update(labelBytes).digest()]));
    const user = defineEntity({ name: 'user', joinKeys: ['user_id'], valueType: 'int64' });
    const view = defineFeatureView({ name: VIEW, entities: [user], source: rowsTable, ttlMs: 90 * DAY_MS, createdTimestampColumn: 'created_timestamp', features: [...FEATURES] });
    let now = T0 + 95 * DAY_MS;
    features = createFeatureStore({ entities: [user], views: [view], online: createMemoryOnlineStore(), clock: () => now });
    const training = await trainingSet(features, labels);
    // Check the join the way a reviewer would: recompute user_age as of each label time by hand.
    let checked = 0;
    const trainAges = readFloat64Column(training.table, 'user_age');
    for (let i = 0; i < Math.min(200, labels.user_id.length); i++) {
      const expected = expectedAsOf(rows, labels, i);
      if (expected === undefined) continue;
      if (Math.abs(trainAges[i]! - expected) > 1e-9) throw new MlopsError(ErrorCode.Internal, `Point-in-time join gave user_age ${trainAges[i]} for label row ${i}; the snapshot in force then says ${expected}.`);
      checked++;
    }
    log(`1. features: ${users} users, ${rows.user_id.length} feature rows in view ${VIEW}; point-in-time training set of ${training.x.length} rows (${checked} rows checked by hand) -> ${path.relative(process.cwd(), dataFile)}`);

    // 2. Train, export to ONNX, register with lineage and the training data's profile, alias champion.
    const [trainX, testX] = split(training.x, 0.8);
    const [trainY, testY] = split(training.y, 0.8);
    const v1Model = trainLogisticRegression(trainX, trainY);
    const v1Auc = auc(predict(v1Model, testX), testY);
    const referenceProfile = profile(training.table);
    const code = await gitLineage(options.cwd ?? process.cwd());
    const v1 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Logistic regression on user_age (years), tenure_months, monthly_charges, support_calls',
      artifacts: { 'model.onnx': logisticRegressionOnnx(v1Model.weights, v1Model.bias, 'mlops-demo'), 'reference.profile': serializeProfile(referenceProfile), 'features.json': new TextEncoder().encode(JSON.stringify({ view: VIEW, features: FEATURES })) },
      metrics: { auc: Number(v1Auc.toFixed(4)) },
      params: { model: 'logistic_regression', epochs: 300, l2: 0.001, features: FEATURES.join(',') },
      lineage: { datasets: [{ uri: `file://${dataFile}`, sha256: datasetSha256, role: 'train' }], ...(code ? { code: { repo: code.repo, commit: code.commit } } : {}), author: 'mlops-demo' },
      tags: { stage: 'production' },
      reason: 'trained by mlops demo',
    });
    await registry.setAlias(MODEL, 'champion', v1.version, { reason: 'first release' });
    log(`2. trained ${MODEL} v${v1.version} (holdout AUC ${v1Auc.toFixed(3)}), exported to ONNX, registered with lineage (dataset sha256 ${datasetSha256.slice(0, 12)}…, commit ${code?.commit.slice(0, 12) ?? 'none: not a git checkout'}), @champion -> v${v1.version}`);

    // 3. Serve @champion; traffic with online features; user_age switches to months halfway.
    await features.materialize({ start: T0, end: now });
    const reloads: ReloadEvent[] = [];
    server = createModelServer({
      models: [{ registry, ref: `${MODEL}@champion`, load: { workers: 1, sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } }, pollIntervalMs: 60_000 }],
      host: '127.0.0.1',
      port: 0,
      predictionLog: { store: logStore, prefix: 'predictions/', flushRows: 2000, flushIntervalMs: 1000 },
      onReload: (e) => reloads.push(e),
      onError: (e) => log(`server: ${e instanceof Error ? e.message : String(e)}`),
    });
    const { url } = await server.listen();
    await waitFor('the first model load', () => reloads.find((e) => e.ok && e.to === String(v1.version)));
    const reports: DriftMonitorReport[] = [];
    const retrainEvents: RetrainEvent[] = [];
    let driftReportHtml: string | undefined;
    const trigger = createRetrainTrigger({ when: { driftShare: 0.2, consecutiveWindows: 1 }, action: (event) => void retrainEvents.push(event) });
    const monitor = createDriftMonitor({
      reference: referenceProfile,
      columns: [...FEATURES],
      window: { rows: 800 },
      // PSI over reference-quantile bins: the usual production monitor; a p-value test at n=800 flags the small
      // tenure shift between training snapshots and today's online values as well.
      methods: { numericalMethod: 'psi', threshold: 0.2 },
      timer: false,
      onReport: async (report) => {
        reports.push(report);
        const before = retrainEvents.length;
        await trigger.onReport(report);
        if (retrainEvents.length > before && driftReportHtml === undefined) driftReportHtml = renderHtmlReport(report, { title: `Drift: ${MODEL}@champion inputs vs training data of v${v1.version}, window ${reports.length}`, reference: referenceProfile });
      },
    });
    const random = seededRandom(11);
    const target: TrafficTarget = { inferUrl: `${url}/v2/models/${MODEL}/infer`, features, userIds: [...new Set(rows.user_id)], rowsPerRequest, observe: (r) => monitor.observe(r), random };
    const bar = (step: string) => (done: number) => options.progress?.(step, done, requests);
    const before = await sendTraffic(target, requests, 8, bar('3a. traffic'));
    // The "product change": a new app release reports user_age in months. The feature pipeline pushes it online.
    now += DAY_MS;
    const monthsRows = generateDataset({ users, t0: now - 2 * DAY_MS, seed: 7, ageInMonths: true }).features;
    const latest = new Map<bigint, number>();
    monthsRows.user_id.forEach((id, i) => latest.set(id, i));
    const idx = [...latest.values()];
    await features.push(VIEW, { user_id: idx.map((i) => monthsRows.user_id[i]!), event_timestamp: idx.map(() => now), created_timestamp: idx.map(() => now), ...Object.fromEntries(FEATURES.map((f) => [f, idx.map((i) => monthsRows[f][i]!)])) }, { to: 'online' });
    const after = await sendTraffic(target, requests, 8, bar('3b. traffic after the change'));
    await monitor.close();
    const drifted = reports.filter((r) => r.datasetDrift || r.driftedColumns > 0);
    let endRow = 0;
    const perWindow = reports.map((r) => {
      endRow += r.window.rows;
      return { rows: r.window.rows, endRow, drifted: r.columns.filter((c) => c.drifted).map((c) => c.column) };
    });
    const firstDrifted = drifted[0]?.columns.filter((c) => c.drifted).map((c) => c.column) ?? [];
    if (driftReportHtml) {
      files.driftReport = path.join(dir, 'reports', 'drift-user-age.html');
      await writeFile(files.driftReport, driftReportHtml);
    }
    log(`3. served ${MODEL}@champion on ${url}: ${before.requests} requests before and ${after.requests} after user_age switched to months (${before.failures + after.failures} failed); monitor: ${reports.length} windows, ${drifted.length} with drift, first drifted columns [${firstDrifted.join(', ')}]; retrain trigger fired ${retrainEvents.length}x${files.driftReport ? `; report ${path.relative(process.cwd(), files.driftReport)}` : ''}`);

    // 4. Retrain on fresh data, register the challenger, promote it under live traffic, roll back.
    const fresh = generateDataset({ users, t0: now, seed: 99, firstUserId: 1_000_001, ageInMonths: true });
    const freshView = defineFeatureView({ name: VIEW, entities: [user], source: featureTable(fresh.features), ttlMs: 90 * DAY_MS, createdTimestampColumn: 'created_timestamp', features: [...FEATURES] });
    const freshStore = createFeatureStore({ entities: [user], views: [freshView], clock: () => now + 95 * DAY_MS });
    const freshSet = await trainingSet(freshStore, fresh.labels);
    await freshStore.close();
    const [freshTrainX, freshTestX] = split(freshSet.x, 0.8);
    const [freshTrainY, freshTestY] = split(freshSet.y, 0.8);
    const v2Model = trainLogisticRegression(freshTrainX, freshTrainY);
    const aucFresh = { champion: auc(predict(v1Model, freshTestX), freshTestY), challenger: auc(predict(v2Model, freshTestX), freshTestY) };
    const v2 = await registry.registerModelVersion({
      name: MODEL,
      description: 'Retrained after user_age switched to months',
      artifacts: {
        'model.onnx': logisticRegressionOnnx(v2Model.weights, v2Model.bias, 'mlops-demo'),
        'reference.profile': serializeProfile(profile(freshSet.table)),
        ...(driftReportHtml ? { 'reports/drift-user-age.html': new TextEncoder().encode(driftReportHtml) } : {}),
      },
      metrics: { auc: Number(aucFresh.challenger.toFixed(4)) },
      params: { model: 'logistic_regression', epochs: 300, l2: 0.001, features: FEATURES.join(',') },
      lineage: { datasets: [{ uri: 'memory://mlops-demo/fresh-after-product-change', role: 'train' }], ...(code ? { code: { repo: code.repo, commit: code.commit } } : {}), parentRun: retrainEvents[0] ? `retrain-trigger@${new Date(retrainEvents[0].atMs).toISOString()}` : 'manual', author: 'mlops-demo' },
      tags: { trigger: retrainEvents.length ? 'drift' : 'manual' },
      reason: retrainEvents[0]?.reason ?? 'retrain',
    });
    await registry.setAlias(MODEL, 'challenger', v2.version, { reason: 'retrained on fresh data' });
    // The gate scores both versions on the same fresh holdout: v1's stored AUC was measured before the change.
    const gate: PromotionGate = (candidate, incumbent) => {
      const margin = aucFresh.challenger - aucFresh.champion;
      return { passed: margin >= 0.01, reasons: [`AUC on fresh holdout: v${candidate.version} ${aucFresh.challenger.toFixed(3)} vs v${incumbent?.version ?? '-'} ${aucFresh.champion.toFixed(3)}: needs +0.010 -> ${margin >= 0.01 ? 'pass' : 'fail'}`] };
    };
    const during = backgroundTraffic(target, 4);
    await waitFor('live traffic', () => (during.result.requests >= 10 ? true : undefined));
    const promotion = await registry.promote({ name: MODEL, from: 'challenger', to: 'champion', gate, reason: 'retrained after user_age drift' });
    if (promotion.promoted) {
      await waitFor('the hot reload to v2', () => reloads.find((e) => e.ok && e.to === String(v2.version)));
      await waitFor('answers from v2', () => ((during.result.versions[String(v2.version)] ?? 0) >= 20 ? true : undefined));
    }
    const rollback = await registry.rollback(MODEL, 'champion', { reason: 'demo: show a rollback (v2 stays registered)' });
    await waitFor('the hot reload back to v1', () => (reloads.filter((e) => e.ok && e.to === String(v1.version)).length >= 2 ? true : undefined));
    const v1AtRollback = during.result.versions[String(v1.version)] ?? 0;
    await waitFor('answers from v1 again', () => ((during.result.versions[String(v1.version)] ?? 0) >= v1AtRollback + 10 ? true : undefined));
    const duringResult = await during.stop();
    const history = await registry.getAliasHistory(MODEL, 'champion');
    log(`4. retrained v${v2.version} on fresh data (fresh AUC v1 ${aucFresh.champion.toFixed(3)} -> v2 ${aucFresh.challenger.toFixed(3)}); promotion ${promotion.promoted ? 'passed' : 'refused'} under live traffic (${duringResult.requests} requests, ${duringResult.failures} failed, answered by ${JSON.stringify(duringResult.versions)}); rolled back to v${rollback.to}; @champion history: ${history.map((h) => `${h.from ?? '-'}->${h.to}${h.rollback ? ' (rollback)' : ''}`).join(', ')}`);
    await server.close();
    server = undefined;

    // 5. A week of Philly GPU jobs through the scheduler, priced; serving cost per 1,000 predictions.
    const fromMs = Date.UTC(2017, 9, 9);
    const days = options.gpuDays ?? 7;
    options.progress?.('5. GPU week', 0, 1);
    const sim = await simulateTrace({ trace: 'philly', policy: 'las', gpus: 256, spotNodes: 8, fromMs, days, cwd: process.cwd() });
    options.progress?.('5. GPU week', 1, 1);
    const prices = samplePriceCatalog();
    const t5 = Date.now();
    // Daily windows: a week of ~19k usage rows prices in a few seconds; budgets are weekly anyway.
    const gpuCosts = attributeCosts({ usage: sim.result.usage!, prices, method: GPU_ONLY, window: 'day' });
    log(`   (simulation ${sim.result.wallMs.toFixed(0)} ms, pricing ${Date.now() - t5} ms)`);
    const byTeamTable = aggregateCosts(gpuCosts, { groupBy: ['team'] });
    const teamNames = toStringArray(byTeamTable.getChild('team')!, 'team');
    const teamMicros = readFloat64Column(byTeamTable, 'total_micros');
    const byTeam = teamNames.map((t, i) => ({ team: t ?? '(none)', usd: teamMicros[i]! / 1e6 })).sort((a, b) => b.usd - a.usd);
    const totalUsd = byTeam.reduce((s, t) => s + t.usd, 0);
    const idleUsd = byTeam.filter((t) => t.team === IDLE_GROUP).reduce((s, t) => s + t.usd, 0);
    const savings = spotSavings(gpuCosts);
    const biggest = byTeam.find((t) => t.team !== IDLE_GROUP)!;
    const budgets = evaluateBudgets(gpuCosts, [{ name: biggest.team, amount: Math.round(biggest.usd * 0.8), period: 'week', filter: { team: biggest.team } }, { name: 'total', amount: Math.round(totalUsd * 1.5), period: 'week' }], { now: fromMs + days * DAY_MS - 1 });
    // Serving cost: the demo's serving node (an m5.xlarge) for the hour(s) it answered, split per version by busy time.
    const logs = await readPredictionLogs(logStore);
    const serveStart = Math.floor(Math.min(...logs.map((t) => Math.min(...readFloat64Column(t, 'timestamp')))) / 3_600_000) * 3_600_000;
    const serveEnd = Math.ceil((Math.max(...logs.map((t) => Math.max(...readFloat64Column(t, 'timestamp')))) + 1) / 3_600_000) * 3_600_000;
    const serveUsage = toUsageRecordTable([{ jobId: 'churn-server', queue: 'growth', nodeId: 'serve-1', gpuModel: 'none', startMs: serveStart, endMs: serveEnd, gpus: 0, cpuMilli: 4000, memoryMiB: 16_384, pricing: 'on-demand', instanceType: 'm5.xlarge', region: 'us-east-1', labels: { team: 'growth', model: MODEL } }]);
    const serveCosts = attributeCosts({ usage: serveUsage, prices, assets: [{ node: 'serve-1', instanceType: 'm5.xlarge', region: 'us-east-1', start: serveStart, end: serveEnd }], window: 'hour' });
    const perVersion = costOfPredictions({ predictionLogs: logs, costs: serveCosts });
    const pvNames = toStringArray(perVersion.byVersion.getChild('model_version')!, 'model_version');
    const pvCount = readFloat64Column(perVersion.byVersion, 'predictions');
    const pvPer1000 = readFloat64Column(perVersion.byVersion, 'cost_per_1000');
    const costPer1000 = pvNames.map((v, i) => ({ version: v ?? '?', predictions: pvCount[i]!, usdPer1000: pvPer1000[i]! })).filter((r) => r.version !== '__unused__');
    await writeFile(files.costReport, renderCostReport(gpuCosts, { groupBy: 'team', title: `GPU cost: Philly trace, ${days} days from 2017-10-09, LAS on 256 GPUs`, budgets: budgets.budgets, predictions: perVersion }));
    const { toFocus, writeFocusCsv } = await import('@mlops/cost');
    await writeFile(files.focus, writeFocusCsv(toFocus(gpuCosts)));
    const { renderScheduleHtml } = await import('../commands/schedule/schedule-html.js');
    await writeFile(files.scheduleReport, renderScheduleHtml(sim.result, { title: `GPU schedule: ${sim.label}`, trace: sim.trace, gpus: 256 }));
    const step5 = {
      jobs: sim.jobs,
      gpus: 256,
      totalUsd,
      idleShare: totalUsd ? idleUsd / totalUsd : 0,
      byTeam,
      spotSavedUsd: savings.reduce((s, r) => s + r.savingsMicros, 0) / 1e6,
      budgetAlerts: budgets.alerts.map((a) => a.message),
      costPer1000,
    };
    log(`5. scheduled ${sim.jobs} Philly jobs (${days} days, LAS, 256 GPUs, ${sim.result.preemptions} preemptions) and priced them: $${totalUsd.toFixed(0)} total, idle ${(step5.idleShare * 100).toFixed(1)}%, spot saved $${step5.spotSavedUsd.toFixed(0)}, ${budgets.alerts.length} budget alert(s); serving cost per 1,000 predictions: ${costPer1000.map((c) => `v${c.version} $${c.usdPer1000.toFixed(4)}`).join(', ')}`);

    await writeFile(files.log, `${logLines.join('\n')}\n`);
    return {
      dir,
      files,
      step1: { users, featureRows: rows.user_id.length, trainingRows: training.x.length, pointInTimeChecked: checked, datasetSha256 },
      step2: { version: v1.version, auc: v1Auc, weights: v1Model.weights, codeCommit: code?.commit },
      step3: { before, after, windows: reports.length, driftedWindows: drifted.length, firstDriftedColumns: firstDrifted, retrainEvents, changeAtRow: before.rows, perWindow },
      step4: { version: v2.version, aucFresh, promoted: promotion.promoted, gateReasons: promotion.decision.reasons, during: duringResult, reloads: reloads.filter((e) => e.ok).map((e) => `${e.from ?? '-'}->${e.to}`), rolledBackTo: rollback.to, history },
      step5,
      durationMs: Date.now() - started,
    };
  } finally {
    if (server) await server.close();
    await features?.close();
    await registry.close();
    await logStore.close();
  }
}

async function readPredictionLogs(store: ReturnType<typeof createFileStore>): Promise<Table[]> {
  const tables: Table[] = [];
  for await (const page of store.list({ prefix: 'predictions/' })) {
    for (const meta of page.objects) tables.push(tableFromIpc((await store.get(meta.key)).body));
  }
  if (tables.length === 0) throw new MlopsError(ErrorCode.Internal, 'The server wrote no prediction logs; the serving cost per version cannot be computed.');
  return tables;
}

export type { LogisticModel };

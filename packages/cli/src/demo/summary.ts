import path from 'node:path';
import type { DemoResult } from './run-demo.js';

/** The closing summary: what each step did, where the files are, what to run next. */
export function formatDemoSummary(r: DemoResult, cwd: string): string {
  const rel = (p: string) => {
    const x = path.relative(cwd, p);
    return x.startsWith('..') ? p : `./${x}`;
  };
  const store = rel(r.files.registry);
  const s3 = r.step3;
  const s4 = r.step4;
  const s5 = r.step5;
  return [
    `Demo finished in ${(r.durationMs / 1000).toFixed(1)} s. What happened:`,
    `  1. features   ${r.step1.users} users, ${r.step1.featureRows} feature rows; point-in-time training set of ${r.step1.trainingRows} rows (sha256 ${r.step1.datasetSha256.slice(0, 12)}…)`,
    `  2. train      churn v${r.step2.version}: logistic regression, holdout AUC ${r.step2.auc.toFixed(3)}, exported to ONNX, registered with lineage, @champion`,
    `  3. serve      ${s3.before.requests + s3.after.requests} requests with online features; after user_age switched to months the monitor flagged [${s3.firstDriftedColumns.join(', ')}] in ${s3.driftedWindows} of ${s3.windows} windows; retrain trigger fired ${s3.retrainEvents.length}x`,
    `  4. retrain    churn v${s4.version}: fresh-holdout AUC ${s4.aucFresh.champion.toFixed(3)} (v${r.step2.version}) -> ${s4.aucFresh.challenger.toFixed(3)}; promotion ${s4.promoted ? 'passed' : 'refused'} under live traffic (${s4.during.requests} requests, ${s4.during.failures} failed); rolled back to v${s4.rolledBackTo}`,
    `  5. GPU week   ${s5.jobs} Philly jobs on ${s5.gpus} GPUs: $${s5.totalUsd.toFixed(0)}, idle ${(s5.idleShare * 100).toFixed(1)}%, spot saved $${s5.spotSavedUsd.toFixed(0)}, ${s5.budgetAlerts.length} budget alert(s); cost per 1,000 predictions ${s5.costPer1000.map((c) => `v${c.version} $${c.usdPer1000.toFixed(4)}`).join(', ')}`,
    '',
    'Files:',
    `  registry          ${store}`,
    ...(r.files.driftReport ? [`  drift report      ${rel(r.files.driftReport)}`] : []),
    `  cost report       ${rel(r.files.costReport)}`,
    `  schedule report   ${rel(r.files.scheduleReport)}`,
    `  FOCUS export      ${rel(r.files.focus)}`,
    `  data              ${r.files.data.map(rel).join(', ')}`,
    `  prediction logs   ${rel(r.files.predictionLogs)}`,
    `  log               ${rel(r.files.log)}`,
    '',
    'Look further:',
    `  npx mlops registry history churn --store ${store}`,
    `  npx mlops registry show churn@champion --store ${store}`,
    `  npx mlops ui --store ${store}`,
  ].join('\n');
}

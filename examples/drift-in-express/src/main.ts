import { replay } from './replay.js';

const result = await replay();
console.log(`replayed ${result.requests} requests; age switched from years to months after ${result.requests / 2}`);
console.log('/metrics, drift flags:');
for (const line of result.metrics.split('\n')) if (line.startsWith('mlops_drift_column_drifted') || line.startsWith('mlops_drift_quality_problem')) console.log(`  ${line}`);
console.log(`retraining webhook calls: ${result.webhookCalls.length}`);
for (const e of result.webhookCalls) console.log(`  ${e.reason}`);

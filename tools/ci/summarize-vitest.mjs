// Sums every vitest JSON report under .reports/vitest and prints the one closing line CI reads:
// "N passed, N failed, N skipped". Exits non-zero when a test failed, a suite failed to load,
// or no report exists at all (a run that tested nothing is not a pass).
// Usage: summarize-vitest.mjs [reportDir] [--nx-log FILE] [--exit-status N]
// With --nx-log, every task nx lists under "Failed tasks:" other than a test task (lint,
// typecheck, check-publish, build) counts as one failed test, so a lint error is never hidden
// behind "N passed, 0 failed"; with --exit-status, a non-zero status that nothing else
// explains counts as one failure too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const nxLog = option('--nx-log');
const exitStatus = Number(option('--exit-status') ?? 0);
const root = path.resolve(args[0] ?? '.reports/vitest');
const files = [];
const walk = (dir) => {
  let entries = [];
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.json')) files.push(full);
  }
};
walk(root);

let passed = 0, failed = 0, skipped = 0, brokenSuites = 0;
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).every((a) => a.status !== 'failed')) {
      brokenSuites += 1;
      console.error(`suite failed to run: ${path.relative(process.cwd(), suite.name)}: ${(suite.message ?? '').split('\n')[0]}`);
    }
  }
}
failed += brokenSuites;

let failedTasks = 0;
if (nxLog) {
  let log = '';
  try { log = readFileSync(nxLog, 'utf8'); } catch { /* no log: nothing to add */ }
  // nx prints "Failed tasks:" then one "- project:target" line per failed task.
  const plain = log.replace(/\u001b\[[0-9;]*m/g, '');
  const block = plain.slice(plain.lastIndexOf('Failed tasks:'));
  if (plain.includes('Failed tasks:')) {
    for (const m of block.matchAll(/^\s*-\s+(\S+):([\w:-]+)/gm)) {
      if (m[2] === 'test') continue; // counted from its vitest report
      failedTasks += 1;
      console.error(`task failed: ${m[1]}:${m[2]}`);
    }
  }
}
failed += failedTasks;
if (exitStatus !== 0 && failed === 0) {
  console.error(`npm test exited with status ${exitStatus} but no failed test or task was found: counted as one failure`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

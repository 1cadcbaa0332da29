// Sums every vitest JSON report under .reports/vitest and prints the one closing line CI reads:
// "N passed, N failed, N skipped". Exits non-zero when a test failed, a suite failed to load,
// or no report exists at all (a run that tested nothing is not a pass).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.reports/vitest');
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
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../src/demo/run-demo.js';
import { formatDemoSummary } from '../src/demo/summary.js';
import { json, mlops } from './run-mlops.js';

let dir: string;
let result: DemoResult;
let stderr: string;
let code: number | null;

// One run of `mlops demo` (smaller than the default: 1,500 users, 150 requests per phase, one GPU day), checked step by step.
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-demo-'));
  const run = await mlops(['demo', '--dir', path.join(dir, 'mlops-demo'), '--users', '1500', '--requests', '150', '--gpu-days', '1', '--json'], { cwd: dir, timeoutMs: 300_000 });
  code = run.code;
  stderr = run.stderr;
  result = json<DemoResult>(run);
}, 320_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mlops demo', () => {
  it('exits 0 with nothing on stderr', () => {
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('1. builds a point-in-time training set from the feature view', async () => {
    expect(result.step1).toMatchObject({ users: 1500, featureRows: 4500, trainingRows: 1500 });
    expect(result.step1.pointInTimeChecked).toBeGreaterThan(100);
    for (const f of result.files.data) expect((await stat(f)).size).toBeGreaterThan(1000);
  });

  it('2. trains, exports to ONNX and registers v1 with lineage and a profile, @champion', async () => {
    expect(result.step2.version).toBe(1);
    expect(result.step2.auc).toBeGreaterThan(0.7);
    const v1 = json<{ lineage: { datasets: { sha256: string }[] }; artifacts: { path: string }[] }>(await mlops(['registry', 'show', 'churn/1', '--json', '--store', result.files.registry]));
    expect(v1.lineage.datasets[0]!.sha256).toBe(result.step1.datasetSha256);
    expect(v1.artifacts.map((a) => a.path)).toEqual(['features.json', 'model.onnx', 'reference.profile']);
  });

  it('3. the monitor flags user_age only after it switched to months, the trigger fires, a report is written', async () => {
    const s = result.step3;
    expect(s.before.failures + s.after.failures).toBe(0);
    expect(s.before.missingFeatures + s.after.missingFeatures).toBe(0);
    const pre = s.perWindow.filter((w) => w.endRow <= s.changeAtRow);
    const post = s.perWindow.filter((w) => w.endRow - w.rows >= s.changeAtRow);
    expect(pre.length).toBeGreaterThan(0);
    expect(post.length).toBeGreaterThan(0);
    for (const w of pre) expect(w.drifted).toEqual([]);
    for (const w of post) expect(w.drifted).toEqual(['user_age']);
    expect(s.retrainEvents.length).toBe(1);
    expect(s.retrainEvents[0]!.report.driftedColumns).toEqual(['user_age']);
    const html = await readFile(result.files.driftReport!, 'utf8');
    expect(html).toContain('user_age');
  });

  it('4. the challenger wins on fresh data, is promoted under traffic without a failed request, then rolled back', () => {
    const s = result.step4;
    expect(s.version).toBe(2);
    expect(s.aucFresh.challenger).toBeGreaterThan(s.aucFresh.champion + 0.01);
    expect(s.promoted).toBe(true);
    expect(s.during.failures).toBe(0);
    expect(Object.keys(s.during.versions).sort()).toEqual(['1', '2']);
    expect(s.reloads.slice(1)).toEqual(['1->2', '2->1']);
    expect(s.history.map((h) => [h.from, h.to, h.rollback ?? false])).toEqual([
      [null, 1, false],
      [1, 2, false],
      [2, 1, true],
    ]);
    expect(s.rolledBackTo).toBe(1);
  });

  it('5. prices the GPU day: teams add up, budget alert, cost per 1,000 predictions for both versions', async () => {
    const s = result.step5;
    expect(s.jobs).toBeGreaterThan(1000);
    expect(s.byTeam.reduce((a, t) => a + t.usd, 0)).toBeCloseTo(s.totalUsd, 6);
    expect(s.idleShare).toBeGreaterThan(0);
    expect(s.idleShare).toBeLessThan(1);
    expect(s.spotSavedUsd).toBeGreaterThan(0);
    expect(s.budgetAlerts.length).toBeGreaterThan(0);
    expect(s.costPer1000.map((c) => c.version).sort()).toEqual(['1', '2']);
    for (const c of s.costPer1000) expect(c.usdPer1000).toBeGreaterThan(0);
    for (const f of [result.files.costReport, result.files.scheduleReport, result.files.focus, result.files.log]) expect((await stat(f)).size).toBeGreaterThan(100);
  });

  it('6. the summary names each step, the files and the commands to look further', () => {
    const text = formatDemoSummary(result, dir);
    expect(text).toMatch(/^Demo finished in \d+\.\d s\./);
    for (const step of ['1. features', '2. train', '3. serve', '4. retrain', '5. GPU week']) expect(text).toContain(step);
    expect(text).toContain('npx mlops registry history churn --store ./mlops-demo/registry');
    expect(text).toContain('npx mlops ui --store ./mlops-demo/registry');
    expect(text).toContain('drift report      ./mlops-demo/reports/drift-user-age.html');
  });

  it('reports how long it ran (timed against the 2-minute budget by npm run bench, not here)', () => {
    expect(result.durationMs).toBeGreaterThan(0);
  });
});

import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry, metricGate } from '@mlops/registry';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMlops, waitForOk } from './servers.js';
import type { RunningMlops } from './servers.js';

// Screenshots land in the ignored .reports/ folder of the repository for a person to look at.
const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.reports/cli-ui');
let dir: string;
let ui: RunningMlops;
let base: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-ui-'));
  await mkdir(shots, { recursive: true });
  // A store like the demo's: two versions, a drift report stored with v2, a refused and a passed promotion, a rollback.
  let t = Date.UTC(2026, 11, 1, 9);
  const registry = createRegistry({ store: path.join(dir, 'store'), actor: 'demo', clock: () => (t += 60_000) });
  const v1 = await registry.registerModelVersion({
    name: 'churn',
    description: 'logistic regression on 6 features',
    artifacts: { 'model.onnx': new Uint8Array([1, 2, 3]) },
    metrics: { auc: 0.81 },
    params: { l2: 0.01, epochs: 200 },
    lineage: { code: { repo: 'https://example.com/mlops.git', commit: 'abc123def456' }, datasets: [{ uri: 'file:///data/train-v1.parquet', sha256: 'f'.repeat(64), role: 'train' }] },
  });
  await registry.setAlias('churn', 'champion', v1.version, { reason: 'first release' });
  const v2 = await registry.registerModelVersion({
    name: 'churn',
    description: 'retrained after the user_age change',
    artifacts: { 'model.onnx': new Uint8Array([4, 5, 6]), 'reports/drift.html': new TextEncoder().encode('<!doctype html><title>Drift</title><h1>user_age drifted</h1>') },
    metrics: { auc: 0.84 },
    params: { l2: 0.01, epochs: 200 },
    tags: { trigger: 'drift' },
  });
  await registry.setAlias('churn', 'challenger', v2.version, { reason: 'retrain' });
  await registry.promote({ name: 'churn', from: 'challenger', to: 'champion', gate: metricGate({ metric: 'auc', minImprovement: 0.05 }), reason: 'strict gate' });
  await registry.promote({ name: 'churn', from: 'challenger', to: 'champion', gate: metricGate({ metric: 'auc', minImprovement: 0.01 }), reason: 'auc +0.03' });
  await registry.rollback('churn', 'champion', { reason: 'p99 latency regression' });
  await registry.close();

  const port = await freePort();
  ui = startMlops(['ui', '--store', path.join(dir, 'store'), '--port', String(port)]);
  base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/`, ui);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (ui) expect(await ui.stop()).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

describe('mlops ui in a real browser (Debian chromium, JavaScript off)', () => {
  it('navigates model -> version -> alias history and shows what the registry holds', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    await page.goto(`${base}/`);
    expect(await page.title()).toBe('Models · mlops');
    const modelRow = page.locator('#models tbody tr');
    await expect(modelRow.count()).resolves.toBe(1);
    expect(await modelRow.first().innerText()).toMatch(/churn\s+2\s+v2\s+@champion → v1\s+@challenger → v2/);
    await page.screenshot({ path: path.join(shots, '1-models.png'), fullPage: true });

    await page.click('#models a:text-is("churn")');
    expect(page.url()).toBe(`${base}/models/churn`);
    const events = await page.locator('#events tbody tr').allInnerTexts();
    expect(events[0]).toMatch(/rollback @champion: v2 → v1\s+demo\s+p99 latency regression/);
    expect(events[1]).toMatch(/promotion @champion ← @challenger: v1 → v2 \(auc 0\.84 vs incumbent v1 0\.81: needs >= 0\.82 -> pass\)\s+demo\s+auc \+0\.03/);
    expect(events[2]).toMatch(/promotion refused @champion for v2 \(auc 0\.84 vs incumbent v1 0\.81: needs >= 0\.86 -> fail\)/);
    await page.screenshot({ path: path.join(shots, '2-model.png'), fullPage: true });

    await page.click('#versions a:text-is("v2")');
    expect(page.url()).toBe(`${base}/models/churn/versions/2`);
    expect(await page.locator('h1').innerText()).toMatch(/churn version 2\s+@challenger/);
    expect(await page.locator('#metrics').innerText()).toMatch(/auc\s+0\.84/);
    expect(await page.locator('#params').innerText()).toMatch(/l2\s+0\.01\s+epochs\s+200/);
    expect(await page.locator('#tags').innerText()).toMatch(/trigger\s+drift/);
    await page.screenshot({ path: path.join(shots, '3-version.png'), fullPage: true });
    await page.click('#reports a:text-is("reports/drift.html")');
    expect(await page.locator('h1').innerText()).toBe('user_age drifted');
    await page.goBack();

    await page.goto(`${base}/models/churn/versions/1`);
    expect(await page.locator('#lineage').innerText()).toMatch(/code\s+https:\/\/example\.com\/mlops\.git @ abc123def456\s+dataset 1 \(train\)\s+file:\/\/\/data\/train-v1\.parquet\s+sha256:f{64}/);

    await page.goto(`${base}/models/churn`);
    await page.click('#aliases a:text-is("history")');
    expect(page.url()).toBe(`${base}/models/churn/aliases/champion`);
    expect(await page.locator('main p').first().innerText()).toBe('Now: v1');
    const history = await page.locator('#alias-history tbody tr').allInnerTexts();
    expect(history.map((r) => r.split('\t').slice(1).join('|'))).toEqual([
      'v2|v1|rollback|demo|p99 latency regression',
      'v1|v2|move|demo|auc +0.03',
      '—|v1|move|demo|first release',
    ]);
    await page.screenshot({ path: path.join(shots, '4-alias-history.png'), fullPage: true });

    // Everything came from the UI itself: no external assets.
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    for (const f of ['1-models.png', '2-model.png', '3-version.png', '4-alias-history.png']) expect((await stat(path.join(shots, f))).size).toBeGreaterThan(5_000);
    await context.close();
  });

  it('answers 404 for unknown models and versions, 405 for writes', async () => {
    expect((await fetch(`${base}/models/nosuch`)).status).toBe(404);
    expect((await fetch(`${base}/models/churn/versions/9`)).status).toBe(404);
    expect((await fetch(`${base}/models/churn`, { method: 'POST' })).status).toBe(405);
    const report = await fetch(`${base}/models/churn/versions/2/files/reports/drift.html`);
    expect(report.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

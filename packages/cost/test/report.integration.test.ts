import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeCosts, evaluateBudgets, renderCostReport, renderCostTable, samplePriceCatalog } from '../src/index.js';
import { H, T0, usageTable } from './usage-fixtures.js';
import type { UsageRow } from './usage-fixtures.js';

const DAY = 24 * H;
const rows: UsageRow[] = [];
const teams = ['search', 'ads', 'vision', 'speech'];
for (let d = 0; d < 14; d++) {
  teams.forEach((team, k) => {
    rows.push({ start: T0 + d * DAY + k * H, end: T0 + d * DAY + (10 + 2 * k) * H, quantity: 1 + ((d + k) % 2), node: 'n1', labels: { team } });
    rows.push({ start: T0 + d * DAY, end: T0 + d * DAY + (6 + k) * H, quantity: 2, node: 's1', pricingModel: 'spot', labels: { team } });
  });
}
const costs = attributeCosts({
  usage: usageTable(rows),
  prices: samplePriceCatalog(),
  assets: [
    { node: 'n1', instanceType: 'p3.16xlarge', region: 'us-east-1', start: T0, end: T0 + 14 * DAY },
    { node: 's1', instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: 'spot', start: T0, end: T0 + 14 * DAY },
  ],
  window: { start: T0, end: T0 + 14 * DAY },
});
const { budgets } = evaluateBudgets(
  costs,
  [
    { name: 'search', amount: 2000, filter: { team: 'search' } },
    { name: 'ads', amount: 400, filter: { team: 'ads' } },
  ],
  { now: T0 + 14 * DAY },
);

describe('renderCostReport in a real browser (Debian chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the self-contained report: charts, budgets, no requests, no errors', async () => {
    const html = renderCostReport(costs, { groupBy: 'team', title: 'GPU spend, two weeks', budgets });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-cost-report-'));
    const file = path.join(dir, 'report.html');
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('GPU spend, two weeks');
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('svg rect').count()).toBeGreaterThan(50);
    expect(await page.locator('text=at-risk').count() + (await page.locator('text=over').count())).toBeGreaterThan(0);
    const box = await page.locator('svg').first().boundingBox();
    expect(box!.width).toBeGreaterThan(800);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    writeFileSync(path.join(os.tmpdir(), 'mlops-cost-report-last.txt'), path.join(dir, 'report.png'));
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.close();
  });

  it('renders a plain-text table for terminals', () => {
    const text = renderCostTable(costs, { groupBy: 'team' });
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^team\s+cost\s+share$/);
    expect(lines.some((l) => l.startsWith('__idle__'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^total\s+[\d,.]+ USD$/);
  });
});

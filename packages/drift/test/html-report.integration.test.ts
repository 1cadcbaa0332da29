import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../src/index.js';
import { monitorReport } from './report-fixtures.js';

describe('renderHtmlReport in a real browser (Debian chromium)', () => {
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

  it('shows the summary and the drifted columns first, with JavaScript off, and makes no request', async () => {
    const html = renderHtmlReport(monitorReport(100), { title: 'Churn model, window 0' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-drift-report-'));
    const file = path.join(dir, 'report.html');
    writeFileSync(file, html);
    // Readable without JavaScript: the page is rendered with scripts disabled.
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('Churn model, window 0');
    const summary = page.locator('#summary');
    expect(await summary.isVisible()).toBe(true);
    expect(await summary.innerText()).toMatch(/3 of 100 compared columns drifted/);
    const drifted = page.locator('#drifted-columns');
    expect(await drifted.isVisible()).toBe(true);
    expect((await drifted.innerText()).replace(/\s+/g, ' ')).toMatch(/Drifted columns: (f0|f1|c4), (f0|f1|c4), (f0|f1|c4)/);
    // The summary is at the top of the first screen, and the drifted sections come first.
    const box = await summary.boundingBox();
    expect(box!.y).toBeLessThan(200);
    const first = page.locator('section.col').first();
    expect(await first.getAttribute('data-drifted')).toBe('true');
    expect(await first.isVisible()).toBe(true);
    expect(await page.locator('section.col.drifted').count()).toBe(3);
    expect(await page.locator('section.col svg').count()).toBe(100);
    const chart = await page.locator('section.col.drifted svg').first().boundingBox();
    expect(chart!.width).toBeGreaterThan(200);
    expect(await page.locator('#quality').isVisible()).toBe(true);
    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    expect(requests).toHaveLength(1);
    await context.close();
  });
});

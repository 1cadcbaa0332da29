import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateCosts, attributeCosts, evaluateBudgets, renderCostReport, samplePriceCatalog, toFocus, validateFocus } from '../src/index.js';
import { readNumbers, readStrings } from '../src/arrow-columns.js';
import { readCostTable } from '../src/cost-table.js';
import { TRACE_FIXTURES, replayAlibaba, replayPhilly } from './trace-replay.js';
import { usageTable } from './usage-fixtures.js';

const H = 3_600_000;

describe('public traces end to end (slices of the traces bundled with @mlops/gpu-scheduler)', () => {
  it('finds the trace slices', () => {
    expect(existsSync(path.join(TRACE_FIXTURES, 'philly-jobs-first-400.csv'))).toBe(true);
  });

  it('Philly: 400 jobs replayed on 16 p3.16xlarge nodes cost exactly what the nodes cost over 3 days', () => {
    const replay = replayPhilly(400, 16);
    const { rows, assets, start } = replay;
    // Long jobs run for weeks: attribute the first 3 days only (usage past the window is left out).
    const end = Math.min(replay.end, start + 72 * H);
    expect(rows.length).toBeGreaterThanOrEqual(400);
    const costs = attributeCosts({ usage: usageTable(rows, ['team', 'job']), prices: samplePriceCatalog(), assets, window: { start, end } });
    const c = readCostTable(costs);
    const total = c.totalMicros.reduce((s, v) => s + v, 0);
    // Node cost per full or partial hour window, rounded once per node-window.
    let expected = 0;
    for (let w = Math.floor(start / H); w * H < end; w++) {
      const ms = Math.min((w + 1) * H, end) - Math.max(w * H, start);
      expected += 16 * Math.round((24.48e6 * ms) / H);
    }
    expect(total).toBe(expected);
    // GPU-hours charged = the trace's duration x GPUs of the replayed jobs, clipped to the window.
    const gpuHours = rows.reduce((s, r) => s + (r.quantity * Math.max(0, Math.min(r.end, end) - r.start)) / H, 0);
    const kinds = readStrings(costs.getChild('resource_kind')!, 'k');
    const alloc = readStrings(costs.getChild('allocation')!, 'a');
    const charged = c.quantityHours.reduce((s, v, i) => s + (kinds[i] === 'gpu' && alloc[i] === 'workload' ? v : 0), 0);
    expect(charged).toBeCloseTo(gpuHours, 6);
    const byTeam = aggregateCosts(costs, { groupBy: ['team'] });
    const teams = readStrings(byTeam.getChild('team')!, 'team');
    expect(teams).toContain('__idle__');
    expect(readNumbers(byTeam.getChild('total_micros')!, 't', 'number').reduce((s, v) => s + v, 0)).toBe(total);
    expect(validateFocus(toFocus(costs))).toEqual([]);
  });

  it('Alibaba: GPU-sharing pods (gpu_milli) charged by fraction, idle shared back, conserved per node-day', () => {
    const { rows, assets, unplaced, start, end } = replayAlibaba(300, 60);
    expect(rows.length).toBeGreaterThan(100);
    expect(unplaced).toBeGreaterThanOrEqual(0);
    const fractional = rows.filter((r) => r.kind === 'gpu' && r.quantity % 1 !== 0);
    expect(fractional.length).toBeGreaterThan(0);
    const costs = attributeCosts({
      usage: usageTable(rows, ['team', 'job']),
      prices: samplePriceCatalog(),
      assets,
      window: { step: 'day', start, end },
      idle: { mode: 'share', scope: 'node' },
    });
    const c = readCostTable(costs);
    const nodes = readStrings(costs.getChild('node')!, 'n');
    const perNodeDay = new Map<string, number>();
    for (let i = 0; i < c.n; i++) {
      const k = `${nodes[i]}|${c.windowStart[i]}`;
      perNodeDay.set(k, (perNodeDay.get(k) ?? 0) + c.totalMicros[i]!);
    }
    const hourly = new Map(assets.map((a) => [a.node, a.hourlyCost!]));
    for (const [k, v] of perNodeDay) {
      const [node, ws] = k.split('|');
      const w0 = Number(ws);
      const ms = Math.min(w0 + 24 * H, end) - Math.max(w0, start);
      expect(v).toBe(Math.round((hourly.get(node!)! * 1e6 * ms) / H));
    }
    const report = renderCostReport(costs, {
      groupBy: 'team',
      title: 'Alibaba GPU trace replay',
      budgets: evaluateBudgets(costs, [{ name: 'LS', amount: 50_000, filter: { team: 'LS' } }], { now: start + 20 * 24 * H }).budgets,
    });
    expect(report).toContain('<svg');
    expect(report).not.toContain('<script');
  });
});

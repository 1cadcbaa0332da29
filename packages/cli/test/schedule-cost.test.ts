import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { namedPolicy, POLICY_NAMES as SCHEDULER_POLICY_NAMES } from '@mlops/gpu-scheduler';
import type { SchedulerPolicy } from '@mlops/gpu-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_NAMES, policyFor } from '../src/commands/schedule/policies.js';
import { json, mlops } from './run-mlops.js';

let dir: string;
const DAY = { from: Date.UTC(2017, 9, 9), to: Date.UTC(2017, 9, 10) };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-schedule-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) => mlops(args, { cwd: dir });

describe('mlops schedule simulate and mlops cost', () => {
  it('simulates one day of the Philly trace under LAS and writes usage and an HTML page', async () => {
    const r = await run(['schedule', 'simulate', '--trace', 'philly', '--from', '2017-10-09', '--days', '1', '--gpus', '64', '--spot-nodes', '2', '--policy', 'las', '--usage', 'usage.arrow', '--html', 'schedule.html', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = json<{ jobs: number; completed: number; rejected: number; unfinished: number; gpus: number; policyParts: { ordering: string; preemption: boolean }; usageRows: number; makespanHours: number }>(r);
    expect(s.gpus).toBe(64);
    expect(s.jobs).toBeGreaterThan(1000); // Philly submitted ~1,800 jobs on 2017-10-09
    expect(s.completed + s.rejected + s.unfinished).toBe(s.jobs);
    expect(s.policyParts).toMatchObject({ ordering: 'tiresias-las', preemption: true });
    expect(s.usageRows).toBeGreaterThan(0);
    expect(s.makespanHours).toBeLessThanOrEqual(24);
    const html = await readFile(path.join(dir, 'schedule.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });

  it('prices the usage: with the 8 nodes as assets, the total is exactly their catalog price for the day', async () => {
    // p3.16xlarge us-east-1 in @mlops/cost's sample catalog: 24.48 USD/h on demand, 7.344 USD/h spot.
    const assets = Array.from({ length: 8 }, (_, i) => ({ node: `node-00${i}`, instanceType: 'p3.16xlarge', region: 'us-east-1', pricingModel: i >= 6 ? 'spot' : 'on-demand', start: DAY.from, end: DAY.to }));
    await writeFile(path.join(dir, 'assets.json'), JSON.stringify(assets));
    const r = await run(['cost', 'report', 'usage.arrow', '--split', 'gpu', '--assets', 'assets.json', '--budget', 'total=1000', '--budget-period', 'day', '--focus', 'focus.csv', '--html', 'cost.html', '--json']);
    expect(r.stderr).toBe('');
    const c = json<{ totalUsd: number; idleUsd: number; groups: { team: string; costUsd: number }[]; spot: { paidUsd: number; savedUsd: number }; budgets: { name: string; status: string }[] }>(r);
    const expected = 24 * (6 * 24.48 + 2 * 7.344);
    expect(c.totalUsd).toBeCloseTo(expected, 4);
    expect(c.groups.reduce((s, g) => s + g.costUsd, 0)).toBeCloseTo(expected, 4);
    expect(c.spot.paidUsd + c.spot.savedUsd).toBeCloseTo(24 * 2 * 24.48, 2); // spot nodes at on-demand list price
    expect(c.budgets).toEqual([expect.objectContaining({ name: 'total', status: 'over' })]);
    expect(r.code).toBe(3); // budget exceeded
    expect((await readFile(path.join(dir, 'focus.csv'), 'utf8')).split('\n')[0]).toContain('BilledCost');
    expect(await readFile(path.join(dir, 'cost.html'), 'utf8')).toContain('<h1>Cost by team</h1>');
  });

  it('reads a FOCUS export back as assets', async () => {
    const r = await run(['cost', 'import-focus', 'focus.csv', '-o', 'focus-assets.json', '--json']);
    expect(r.code).toBe(0);
    const out = json<{ assets: number; currency: string }>(r);
    expect(out).toMatchObject({ assets: 8, currency: 'USD' });
    const written = JSON.parse(await readFile(path.join(dir, 'focus-assets.json'), 'utf8')) as { assets: { node: string }[] };
    expect(written.assets.map((a) => a.node).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `node-00${i}`));
  });

  it('--policy takes exactly the scheduler\'s named policies, and each is the scheduler\'s own namedPolicy', async () => {
    expect([...POLICY_NAMES]).toEqual([...SCHEDULER_POLICY_NAMES]);
    // Policies hold functions, so compare what defines them: ordering name and parameters, preemption.
    const data = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v !== 'function'));
    const parts = (p: SchedulerPolicy) => ({ ...data(p), ordering: data(p.ordering), placement: data(p.placement) });
    for (const name of POLICY_NAMES) expect(parts((await policyFor(name)).policy)).toEqual(parts(namedPolicy(name)));
    expect(parts((await policyFor('tiresias')).policy)).toMatchObject({ ordering: { name: 'tiresias-las', starvationFactor: 8 }, preemption: true });
  });

  it('bad input: exit 2 with one line', async () => {
    const policy = await run(['schedule', 'simulate', '--trace', 'philly', '--policy', 'random']);
    expect(policy.code).toBe(2);
    expect(policy.stderr.trim().split('\n')).toHaveLength(1);
    const trace = await run(['schedule', 'simulate', '--trace', 'nope.csv']);
    expect(trace.code).toBe(2);
    expect(trace.stderr.trim()).toBe(`mlops: Trace ${path.join(dir, 'nope.csv')}: no such file.`);
    const budget = await run(['cost', 'report', 'usage.arrow', '--budget', 'ads']);
    expect(budget.code).toBe(2);
    expect(budget.stderr.trim()).toBe('mlops: --budget "ads": expected <team>=<amount> (or total=<amount>), e.g. --budget ads=500.');
  });
});

import { makeVector, tableFromArrays, Table, vectorFromArray, Utf8 } from 'apache-arrow';
import type { Table as ArrowTable } from 'apache-arrow';
import { MlopsError } from '@mlops/contracts';
import { describe, expect, it } from 'vitest';
import { compare } from './compare.js';
import { createDriftMonitor } from './drift-monitor.js';
import type { DriftMonitorReport } from './drift-monitor.js';
import { createProfileBuilder, profile } from './profile.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
}

const PLANS = ['free', 'pro', 'team'];

function rows(n: number, seed: number, ageScale = 1): { age: number; income: number; plan: string }[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => ({ age: (40 + 10 * normal(r)) * ageScale, income: 50 + 15 * normal(r), plan: PLANS[Math.floor(r() * 3)]! }));
}

function table(rs: { age: number; income: number; plan: string }[]): ArrowTable {
  return tableFromArrays({ age: Float64Array.from(rs, (x) => x.age), income: Float64Array.from(rs, (x) => x.income), plan: rs.map((x) => x.plan) });
}

const reference = table(rows(5000, 1));

describe('createDriftMonitor', () => {
  it('tumbling row windows from one-at-a-time row objects: only the changed column is flagged', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { rows: 2000 }, onReport: (r) => reports.push(r) });
    for (const row of rows(2000, 2)) m.observe(row);
    for (const row of rows(2000, 3, 12)) m.observe([row]);
    expect(reports).toHaveLength(2);
    expect(reports[0]!.window).toMatchObject({ index: 0, kind: 'tumbling', rows: 2000, badRows: 0, partial: false });
    expect(reports[0]!.columns.filter((c) => c.drifted)).toEqual([]);
    expect(reports[1]!.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['age']);
    expect(reports[1]!.quality.problems.map((p) => `${p.column}:${p.check}`)).toEqual(['age:out_of_range']);
    expect(reports[1]!.distributions.age).toMatchObject({ kind: 'numeric' });
    expect(m.stats).toMatchObject({ rowsObserved: 4000, badRows: 0, windows: 2, errors: 0 });
  });

  it('Arrow tables and record batches are split at window boundaries', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference: profile(reference), window: { rows: 1000 }, onReport: (r) => reports.push(r) });
    const t = table(rows(2500, 4));
    m.observe(t);
    m.observe(t.batches[0]!.slice(0, 500));
    expect(reports.map((r) => r.window.rows)).toEqual([1000, 1000, 1000]);
    expect(m.snapshot().window).toMatchObject({ rows: 0, partial: true });
  });

  it('sliding row windows report every slide once full', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { rows: 1000, slideRows: 250 }, onReport: (r) => reports.push(r) });
    m.observe(rows(1600, 5));
    expect(reports.map((r) => [r.window.kind, r.window.rows])).toEqual([['sliding', 1000], ['sliding', 1000], ['sliding', 1000]]);
  });

  it('time windows with an injected clock; an empty window reports insufficient data, never drift', () => {
    let now = 1_000_000;
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { durationMs: 60_000 }, clock: () => now, timer: false, onReport: (r) => reports.push(r) });
    m.observe(rows(500, 6));
    now += 30_000;
    m.observe(rows(500, 7));
    expect(reports).toHaveLength(0);
    now += 30_000;
    m.tick();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.window).toMatchObject({ startMs: 1_000_000, endMs: 1_060_000, rows: 1000 });
    expect(reports[0]!.datasetDrift).toBe(false);
    now += 60_000;
    m.tick();
    expect(reports[1]!.window.rows).toBe(0);
    expect(reports[1]!.columns.every((c) => c.status === 'insufficient_data' && !c.drifted)).toBe(true);
    expect(reports[1]!.datasetDrift).toBe(false);
    // A long idle period reports one window, not thousands.
    now += 1000 * 60_000;
    m.tick();
    expect(reports.length).toBeLessThan(6);
  });

  it('never throws into the caller: bad rows are counted and reported as data quality', () => {
    const errors: unknown[] = [];
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({
      reference, window: { rows: 100 }, onError: (e) => errors.push(e),
      onReport: (r) => {
        reports.push(r);
        throw new Error('onReport failed');
      },
    });
    const good = rows(100, 8);
    const bad = good.map((r, i) => (i < 10 ? { ...r, age: 'forty' } : i < 20 ? { income: r.income, plan: r.plan } : i < 30 ? { ...r, income: NaN } : r));
    expect(() => {
      m.observe(bad as never);
      m.observe(null as never);
      m.observe(42 as never);
      m.observe(new Table({ age: vectorFromArray(['x'], new Utf8()), income: makeVector(Float64Array.of(1)), plan: vectorFromArray(['free'], new Utf8()) }));
    }).not.toThrow();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.window.badRows).toBe(30);
    const checks = reports[0]!.quality.problems.map((p) => `${p.column}:${p.check}:${p.severity}`);
    expect(checks).toEqual(expect.arrayContaining(['age:type_change:error', 'age:missing_column:error', 'income:non_finite:error']));
    expect(errors.length).toBe(3); // onReport threw once, null and 42 were unreadable
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(MlopsError.isInstance(errors[1])).toBe(true);
    expect(m.stats.badRows).toBe(31);
  });

  it('75% nulls or 50% NaN in a column that had none are flagged even when the rest did not drift', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { rows: 1000 }, onReport: (r) => reports.push(r) });
    m.observe(rows(1000, 9).map((r, i) => ({ ...r, plan: i % 4 === 0 ? r.plan : null, income: i % 2 === 0 ? NaN : r.income })));
    const r = reports[0]!;
    expect(r.columns.filter((c) => c.drifted)).toEqual([]);
    expect(r.quality.problems.map((p) => `${p.column}:${p.check}`).sort()).toEqual(['income:non_finite', 'plan:null_rate']);
    const nullRate = r.quality.problems.find((p) => p.check === 'null_rate')!;
    expect(nullRate.value).toBeCloseTo(0.75, 5);
  });

  it('checks can be turned off per column and thresholds changed', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({
      reference, window: { rows: 1000 }, onReport: (r) => reports.push(r),
      quality: { perColumn: { plan: false }, checks: { non_finite: { threshold: 0.9, severity: 'info' } } },
    });
    m.observe(rows(1000, 9).map((r, i) => ({ ...r, plan: null, income: i % 2 === 0 ? NaN : r.income })));
    expect(reports[0]!.quality.problems).toEqual([]);
    expect(reports[0]!.quality.values.income?.non_finite).toBeCloseTo(0.5, 5);
  });

  it('snapshot() is the open window; close() reports it and later observe() is ignored', async () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { rows: 10_000 }, onReport: async (r) => { reports.push(r); } });
    m.observe(rows(700, 10));
    const snap = m.snapshot();
    expect(snap.window).toMatchObject({ rows: 700, partial: true });
    expect(reports).toHaveLength(0);
    await m.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.window.partial).toBe(true);
    m.observe(rows(10, 11));
    expect(m.stats.rowsObserved).toBe(700);
  });

  it('fits @mlops/serve\'s monitor hook structurally (observe(table: Table): unknown)', () => {
    const m = createDriftMonitor({ reference, window: { rows: 100 } });
    const hook: { observe(table: ArrowTable): unknown } = m;
    hook.observe(table(rows(100, 12)));
    expect(m.stats.windows).toBe(1);
  });

  it('bad setup throws INVALID_ARGUMENT with a fix', () => {
    const empty = tableFromArrays({ x: new Float64Array(0) });
    expect(() => createDriftMonitor({ reference: empty, window: { rows: 10 } })).toThrowError(/zero rows/);
    expect(() => createDriftMonitor({ reference, window: { rows: 0 } })).toThrowError(/window.rows/);
    expect(() => createDriftMonitor({ reference, window: {} as never })).toThrowError(/rows \} or \{ durationMs/);
    expect(() => createDriftMonitor({ reference, columns: ['nope'], window: { rows: 10 } })).toThrowError(/not in the reference/);
    expect(() => createDriftMonitor({ reference, window: { rows: 10, slideRows: 20 } })).toThrowError(/slide/);
  });
});

describe('createDriftMonitor column treatment', () => {
  // Windows skip the distinct-count sketch where compare() cannot need it (categorical columns,
  // numeric columns whose reference has > 5 values); a column with few reference values keeps it,
  // so a window where it turns continuous is compared as numerical, as compare() on the rows does.
  it('chooses each column\'s treatment as compare() on the window\'s rows does', () => {
    const r = rng(21);
    const make = (n: number, continuous: boolean): ArrowTable => tableFromArrays({
      rating: Float64Array.from({ length: n }, () => (continuous ? 1 + 3 * r() : 1 + Math.floor(4 * r()))),
      income: Float64Array.from({ length: n }, () => 50 + 15 * normal(r)),
      plan: Array.from({ length: n }, () => PLANS[Math.floor(r() * 3)]!),
    });
    const ref = make(5000, false);
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference: ref, window: { rows: 3000 }, onReport: (x) => reports.push(x) });
    const windows = [make(3000, false), make(3000, true)];
    for (const w of windows) m.observe(w);
    expect(reports).toHaveLength(2);
    const treatment = (rep: { columns: readonly { column: string; columnType: string; method: string }[] }): string[] => rep.columns.map((c) => `${c.column}:${c.columnType}:${c.method}`);
    expect(treatment(reports[0]!)).toEqual(['rating:categorical:jensen_shannon', 'income:numerical:wasserstein_normed', 'plan:categorical:jensen_shannon']);
    expect(treatment(reports[1]!)).toEqual(['rating:numerical:wasserstein_normed', 'income:numerical:wasserstein_normed', 'plan:categorical:jensen_shannon']);
    windows.forEach((w, i) => expect(treatment(reports[i]!)).toEqual(treatment(compare(profile(ref), profile(w)))));
    expect(reports[1]!.columns.find((c) => c.column === 'rating')!.drifted).toBe(true);
  });
});

describe('createDriftMonitor bad input', () => {
  // 200k here to keep the suite quick; the summary is bounded the same way for 1M.
  it('200k distinct strings are held to categoryCap counters; the column still drifts', () => {
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference, window: { rows: 200_000 }, onReport: (r) => reports.push(r) });
    const r = rng(13);
    const batch = (from: number): Table => tableFromArrays({
      age: Float64Array.from({ length: 50_000 }, () => 40 + 10 * normal(r)),
      income: Float64Array.from({ length: 50_000 }, () => 50 + 15 * normal(r)),
      plan: Array.from({ length: 50_000 }, (_, i) => `user-${from + i}`),
    });
    for (let i = 0; i < 4; i++) m.observe(batch(i * 50_000));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.columns.find((c) => c.column === 'plan')).toMatchObject({ drifted: true, estimate: true });
    expect(reports[0]!.distributions.plan).toMatchObject({ kind: 'categorical' });
  });

  // Issue #14: "1M distinct strings (the sketch caps memory)". A high-cardinality column (user
  // ids) on both sides: every id is rare, so both heavy-hitter summaries hold (almost) nothing and
  // the mass sits in the explicit __other__ bucket on both sides: no drift. When one id takes 30%
  // of the traffic (a bot), it is tracked on the current side and the column drifts.
  it('1M distinct strings per window: bounded counters, __other__ on both sides, the right verdict', () => {
    const N = 1_000_000;
    const BATCH = 100_000;
    const r = rng(17);
    const ids = (n: number, from: number, bot: number): string[] => Array.from({ length: n }, (_, i) => (r() < bot ? 'bot-1' : `u-${from + i}`));
    const ref = tableFromArrays({ user: ids(50_000, 0, 0), age: Float64Array.from({ length: 50_000 }, () => 40 + 10 * normal(r)) });
    const reports: DriftMonitorReport[] = [];
    const m = createDriftMonitor({ reference: ref, window: { rows: N }, onReport: (x) => reports.push(x) });
    const feed = (bot: number, from: number): void => {
      for (let at = 0; at < N; at += BATCH) {
        const batch = tableFromArrays({ user: ids(BATCH, from + at, bot), age: Float64Array.from({ length: BATCH }, () => 40 + 10 * normal(r)) });
        if (at === 0) for (const row of batch.toArray().slice(0, 20_000)) m.observe(row.toJSON() as Record<string, unknown>);
        m.observe(at === 0 ? batch.slice(20_000) : batch);
      }
    };
    feed(0, 1_000_000);
    feed(0.3, 2_000_000);
    expect(reports.map((x) => x.window.rows)).toEqual([N, N]);
    const user = reports.map((x) => x.columns.find((c) => c.column === 'user')!);
    expect(user[0]).toMatchObject({ method: 'jensen_shannon', status: 'ok', estimate: true, drifted: false, currentSize: N });
    expect(user[0]!.statistic).toBeLessThan(0.01);
    expect(user[1]).toMatchObject({ method: 'jensen_shannon', status: 'ok', estimate: true, drifted: true, currentSize: N });
    expect(user[1]!.statistic).toBeGreaterThan(0.3);
    // The age column is untouched in both windows.
    expect(reports.map((x) => x.columns.find((c) => c.column === 'age')!.drifted)).toEqual([false, false]);
    // Charts: at most the top categories plus __other__, which holds nearly all of window 1.
    const [d0, d1] = reports.map((x) => x.distributions.user!);
    if (d0?.kind !== 'categorical' || d1?.kind !== 'categorical') throw new Error('expected category bars');
    expect(d0.categories.at(-1)).toBe('__other__');
    expect(d0.current.at(-1)).toBeGreaterThan(0.99);
    expect(d1.categories.length).toBeLessThanOrEqual(1001);
    expect(d1.current[d1.categories.indexOf('bot-1')]).toBeGreaterThan(0.25);
    // new_categories needs an exact reference (50k distinct ids is past categoryCap): not claimed.
    expect(reports[1]!.quality.problems.map((p) => `${p.column}:${p.check}`)).not.toContain('user:new_categories');
    // Memory: the same summary a profile keeps holds at most categoryCap (1,000) counters for 1M ids.
    const b = createProfileBuilder();
    for (let at = 0; at < N; at += BATCH) b.add(tableFromArrays({ user: ids(BATCH, 3_000_000 + at, 0) }));
    const col = b.finish().columns.get('user')!;
    if (col.kind !== 'categorical') throw new Error('expected a categorical profile');
    expect(col.counts.size).toBeLessThanOrEqual(1000);
    expect(col).toMatchObject({ count: N, exact: false });
  }, 60_000);
});

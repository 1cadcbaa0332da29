import { MlopsError } from '@mlops/contracts/errors';
import { describe, expect, it } from 'vitest';
import { compareRows, compileExpression, compileFilter, parseFilter, parseFilterExpression, parseOrderBy } from './filter.js';
import type { VersionSummary } from './types.js';

function summary(version: number, extra: Partial<VersionSummary> = {}): VersionSummary {
  return {
    version,
    createdAt: 1_700_000_000_000 + version * 1000,
    updatedAt: 1_700_000_000_000 + version * 1000,
    createdBy: 'alice',
    description: '',
    status: 'READY',
    metrics: {},
    params: {},
    tags: {},
    revision: 0,
    ...extra,
  };
}

function parseError(filter: string): { position: number; expected: string; message: string } {
  try {
    parseFilter(filter);
  } catch (error) {
    if (!MlopsError.isInstance(error, 'INVALID_ARGUMENT')) throw error;
    return { position: error.details!.position as number, expected: error.details!.expected as string, message: error.message };
  }
  throw new Error(`expected ${filter} to fail`);
}

describe('parseFilter', () => {
  it('parses clauses joined by AND with every operator', () => {
    const clauses = parseFilter(
      "name = 'fraud' and version >= 3 AND metrics.auc > 0.9 AND tags.stage IN ('prod', 'canary') AND params.lr != '0.1' AND tags.owner LIKE 'al%' AND created_at < '2030-01-01T00:00:00Z'",
    );
    expect(clauses.map((c) => [c.field.kind, c.op, c.values])).toEqual([
      ['name', '=', ['fraud']],
      ['version', '>=', [3]],
      ['metrics', '>', [0.9]],
      ['tags', 'IN', ['prod', 'canary']],
      ['params', '!=', ['0.1']],
      ['tags', 'LIKE', ['al%']],
      ['created_at', '<', [Date.parse('2030-01-01T00:00:00Z')]],
    ]);
    expect(parseFilter('')).toEqual([]);
    expect(parseFilter("tags.`my key` = 'it''s'")[0]).toMatchObject({ field: { kind: 'tags', key: 'my key' }, values: ["it's"] });
  });

  it('names the position and the expected token', () => {
    expect(parseError("name = 'x' OR version = 1")).toMatchObject({ position: 11, expected: expect.stringContaining('AND') });
    expect(parseError('metrics.auc >')).toMatchObject({ position: 13, expected: 'a quoted string or a number' });
    expect(parseError('colour = 1')).toMatchObject({ position: 0, expected: expect.stringContaining('tags.<key>') });
    expect(parseError("version = 'abc'")).toMatchObject({ position: 0, expected: 'a number for version' });
    expect(parseError("tags.a IN 'x'")).toMatchObject({ position: 10, expected: '"(" to start the IN list' });
    expect(parseError("tags.a IN ('x' 'y')")).toMatchObject({ position: 15, expected: '"," or ")"' });
    expect(parseError("name = 'unterminated")).toMatchObject({ position: 7 });
    expect(parseError('version ~ 3')).toMatchObject({ position: 8 });
    expect(parseError("metrics.auc LIKE '0.9%'").expected).toMatch(/string field/);
    expect(parseError('metrics.auc > 1 AND').message).toContain('position 20');
    // The message shows the filter with a caret under the position.
    expect(parseError('version >> 3').message).toContain('version >> 3\n         ^');
  });
});

describe('compileFilter', () => {
  const rows: VersionSummary[] = [
    summary(1, { metrics: { auc: 0.8 }, params: { lr: '0.1', depth: 6 }, tags: { stage: 'dev', owner: 'alice' } }),
    summary(2, { metrics: { auc: 0.91 }, params: { lr: 0.01 }, tags: { stage: 'prod', owner: 'Bob' }, runId: 'run-2' }),
    summary(3, { metrics: { auc: 0.95 }, params: { lr: '0.001', fast: true }, tags: { stage: 'canary' }, status: 'ARCHIVED' }),
    summary(10, { metrics: {}, tags: {} }),
  ];
  const match = (filter: string, name = 'fraud') => rows.filter((r) => compileFilter(parseFilter(filter))(name, r)).map((r) => r.version);

  it('compares numbers numerically and strings lexically', () => {
    expect(match('metrics.auc >= 0.91')).toEqual([2, 3]);
    expect(match('version > 2')).toEqual([3, 10]);
    expect(match("version IN (1, '10')")).toEqual([1, 10]);
    expect(match("tags.stage IN ('prod', 'canary')")).toEqual([2, 3]);
    expect(match("tags.stage != 'dev'")).toEqual([2, 3]);
  });

  it('treats absent tags/metrics/params as matching nothing', () => {
    expect(match('metrics.auc < 1')).toEqual([1, 2, 3]);
    expect(match("tags.owner != 'zed'")).toEqual([1, 2]);
  });

  it('compares params numerically when both sides are numbers', () => {
    expect(match('params.lr < 0.05')).toEqual([2, 3]);
    expect(match("params.lr = '0.10'")).toEqual([1]);
    expect(match("params.fast = 'true'")).toEqual([3]);
    expect(match('params.depth >= 6')).toEqual([1]);
  });

  it('supports LIKE, ILIKE, status, run_id, name and created_at', () => {
    expect(match("tags.owner LIKE 'b%'")).toEqual([]);
    expect(match("tags.owner ILIKE 'b%'")).toEqual([2]);
    expect(match("tags.owner LIKE '_lice'")).toEqual([1]);
    expect(match("status = 'ARCHIVED'")).toEqual([3]);
    expect(match("run_id = 'run-2'")).toEqual([2]);
    expect(match("name LIKE 'fr%'")).toEqual([1, 2, 3, 10]);
    expect(match("name = 'other'")).toEqual([]);
    expect(match(`created_at <= ${1_700_000_000_000 + 2000}`)).toEqual([1, 2]);
    expect(match("created_at > '2023-11-14T22:13:21Z'")).toEqual([2, 3, 10]);
  });

  it('escapes regex characters in LIKE patterns', () => {
    const r = summary(1, { tags: { expr: 'a.b(c)' } });
    expect(compileFilter(parseFilter("tags.expr LIKE 'a.b(c)'"))('m', r)).toBe(true);
    expect(compileFilter(parseFilter("tags.expr LIKE 'a_b(c)'"))('m', r)).toBe(true);
    expect(compileFilter(parseFilter("tags.expr LIKE 'axb(c)'"))('m', r)).toBe(false);
  });
});

describe('orderBy', () => {
  it('sorts by keys, missing values last, then newest first', () => {
    const rows: [string, VersionSummary][] = [
      ['a', summary(1, { metrics: { auc: 0.7 } })],
      ['a', summary(2, { metrics: { auc: 0.9 } })],
      ['a', summary(3)],
      ['a', summary(4, { metrics: { auc: 0.9 } })],
    ];
    const sorted = (order: string | string[]) => [...rows].sort(compareRows(parseOrderBy(order))).map(([, v]) => v.version);
    expect(sorted('metrics.auc DESC')).toEqual([4, 2, 1, 3]);
    expect(sorted('metrics.auc')).toEqual([1, 4, 2, 3]);
    expect(sorted(['version ASC'])).toEqual([1, 2, 3, 4]);
    expect(() => parseOrderBy('metrics.auc SIDEWAYS')).toThrow(/ASC\|DESC/);
    expect(() => parseOrderBy('colour')).toThrow(MlopsError);
  });
});

describe('parseFilterExpression (OR, parentheses, lineage, alias presence)', () => {
  const base = (version: number, extra: Partial<VersionSummary> = {}): VersionSummary => ({
    version,
    createdAt: 0,
    updatedAt: 0,
    createdBy: 'a',
    description: '',
    status: 'READY',
    metrics: { auc: version / 10 },
    params: {},
    tags: {},
    revision: 0,
    ...extra,
  });
  const data = 'a'.repeat(64);
  const rows: [VersionSummary, string[]][] = [
    [base(1, { lineage: { datasets: [{ uri: 's3://x', sha256: data }], code: { repo: 'r', commit: 'c1' } } }), []],
    [base(5, { lineage: { code: { repo: 'r', commit: 'c2' } } }), ['champion']],
    [base(9, { tags: { team: 'risk' } }), ['canary', 'shadow']],
  ];
  const match = (filter: string) => rows.filter(([v, a]) => compileExpression(parseFilterExpression(filter))('m', v, a)).map(([v]) => v.version);

  it('binds AND tighter than OR and honours parentheses', () => {
    expect(match("metrics.auc > 0.8 OR metrics.auc < 0.2 AND tags.team = 'risk'")).toEqual([9]);
    expect(match("(metrics.auc > 0.8 OR metrics.auc < 0.2) AND tags.team IS NULL")).toEqual([1]);
    expect(match("version = 1 or version = 5 OR (version = 9 AND alias = 'shadow')")).toEqual([1, 5, 9]);
    expect(match('')).toEqual([1, 5, 9]);
  });

  it('filters on lineage and alias presence', () => {
    expect(match(`lineage.dataset.sha256 = '${data}'`)).toEqual([1]);
    expect(match("lineage.code.commit IN ('c2', 'c3')")).toEqual([5]);
    expect(match('alias IS NOT NULL')).toEqual([5, 9]);
    expect(match('alias IS NULL')).toEqual([1]);
    expect(match("alias = 'canary'")).toEqual([9]);
    expect(match("alias != 'canary'")).toEqual([5]);
    expect(match("alias LIKE 'sh%'")).toEqual([9]);
  });

  it('reports unbalanced parentheses and stray tokens with their position', () => {
    expect(() => parseFilterExpression("(version = 1 OR version = 2")).toThrow(/position 28: expected "\)"/);
    expect(() => parseFilterExpression("version = 1 version = 2")).toThrow(/expected AND, OR or the end/);
    expect(() => parseFilterExpression('lineage.dataset.size = 3')).toThrow(/expected a field/);
  });
});

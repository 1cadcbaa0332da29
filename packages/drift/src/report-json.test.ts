import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { monitorReport, wideTable } from '../test/report-fixtures.js';
import { compare } from './compare.js';
import { driftReportToJSON } from './drift-report.js';
import { profile } from './profile.js';

const schema = JSON.parse(readFileSync(new URL('../schema/drift-report.v1.schema.json', import.meta.url), 'utf8')) as object;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function expectValid(json: unknown): void {
  const ok = validate(JSON.parse(JSON.stringify(json)));
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('JSON reports follow the shipped JSON Schema (mlops-drift-report/v1)', () => {
  it('the schema ships in the package and is exported', () => {
    expect(pkg.files).toContain('schema');
    expect(pkg.exports['./schema/drift-report.v1.schema.json']).toBe('./schema/drift-report.v1.schema.json');
  });

  it('compare() reports from tables and profiles, with corrections and problems', () => {
    const a = wideTable(1500, 10, 1);
    const b = wideTable(1500, 10, 2, new Set([0, 4]), 1);
    expectValid(driftReportToJSON(compare(a, b)));
    expectValid(driftReportToJSON(compare(profile(a), profile(b), { numericalMethod: 'ks', correction: 'holm' })));
    const withProblems = compare(tableFromArrays({ x: Float64Array.of(1, 2, 3), s: ['a', 'b', 'c'] }), tableFromArrays({ x: ['1', '2', '3'], s: ['a', 'a', 'b'] }));
    expect(withProblems.problems.map((p) => p.problem).sort()).toEqual(['insufficient_data', 'type_mismatch']);
    expectValid(driftReportToJSON(withProblems));
  });

  it('monitor reports with window, quality, distributions and totals', () => {
    const json = driftReportToJSON(monitorReport(12));
    expect(json.window).toMatchObject({ rows: 2000 });
    expect(json.quality?.problems.length).toBeGreaterThan(0);
    expectValid(json);
  });

  it('the schema rejects what it should', () => {
    const json = driftReportToJSON(compare(wideTable(100, 5, 1), wideTable(100, 5, 2)));
    expect(validate({ ...json, format: 'mlops-drift-report/v2' })).toBe(false);
    expect(validate({ ...json, columns: [{ ...json.columns[0], status: 'maybe' }] })).toBe(false);
  });
});

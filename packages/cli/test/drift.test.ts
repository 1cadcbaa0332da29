import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { seededRandom, writeCsvFile, writeIpcFile, writeParquetFile } from '@mlops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, mlops } from './run-mlops.js';

let dir: string;

function sample(seed: number, n: number, shift: number) {
  const rnd = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return tableFromArrays({
    user_age: Float64Array.from({ length: n }, () => 40 + 12 * normal() + shift),
    balance: Float64Array.from({ length: n }, () => 1000 + 300 * normal()),
    plan: Array.from({ length: n }, () => (rnd() < 0.7 ? 'basic' : 'pro')),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-drift-'));
  await writeCsvFile(path.join(dir, 'reference.csv'), sample(1, 800, 0));
  await writeParquetFile(path.join(dir, 'same.parquet'), sample(2, 800, 0));
  // user_age in months instead of years for the whole current window: obvious drift on one column of three.
  const shifted = sample(3, 800, 0);
  const months = tableFromArrays({ user_age: Float64Array.from(shifted.getChild('user_age')!.toArray() as Float64Array, (v) => v * 12), balance: shifted.getChild('balance')!.toArray() as Float64Array, plan: [...shifted.getChild('plan')!] as string[] });
  await writeIpcFile(path.join(dir, 'months.arrow'), months);
  await writeFile(path.join(dir, 'garbage.parquet'), 'this is not parquet');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) => mlops(args, { cwd: dir });

describe('mlops drift', () => {
  it('profiles CSV and Arrow IPC files', async () => {
    const r = await run(['drift', 'profile', 'reference.csv', '-o', 'ref.profile']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('profiled 800 rows, 3 columns (user_age, balance, plan) -> ref.profile');
    expect((await readFile(path.join(dir, 'ref.profile'))).subarray(0, 4).toString()).toBe('MLDP');
    const ipc = json<{ rows: number; columns: string[] }>(await run(['drift', 'profile', 'months.arrow', '--output', 'months.profile', '--json']));
    expect(ipc).toMatchObject({ rows: 800, columns: ['user_age', 'balance', 'plan'] });
  });

  it('no drift between two samples of one distribution (Parquet vs CSV): exit 0 even with --fail-on-drift', async () => {
    const r = await run(['drift', 'report', '--reference', 'reference.csv', '--current', 'same.parquet', '--fail-on-drift']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no dataset drift: 0 of 3 columns drifted');
  });

  it('user_age in months: that column drifts; --fail-on-drift exits 3 only past the dataset share; --html writes a page', async () => {
    const r = await run(['drift', 'report', '--reference', 'reference.csv', '--current', 'months.arrow', '--json', '--html', 'report.html']);
    expect(r.code).toBe(0);
    const report = json<{ format: string; columns: { column: string; drifted: boolean }[]; dataset: { drift: boolean } }>(r);
    expect(report.format).toBe('mlops-drift-report/v1');
    expect(report.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['user_age']);
    expect(report.dataset.drift).toBe(false); // 1 of 3 < 0.5
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('data-column="user_age" data-drifted="true"');
    expect(html).not.toMatch(/src="https?:|href="https?:/);
    const gate = await run(['drift', 'report', '--reference', 'reference.csv', '--current', 'months.arrow', '--columns', 'user_age', '--fail-on-drift']);
    expect(gate.code).toBe(3);
    expect(gate.stdout).toMatch(/user_age\s+\S+\s+\S+\s+\S+\s+\S+\s+DRIFT/);
    expect(gate.stdout).toContain('dataset drift: 1 of 1 columns drifted');
  });

  it('a saved profile works as the reference', async () => {
    await run(['drift', 'profile', 'reference.csv', '-o', 'ref2.profile']);
    const r = await run(['drift', 'report', '--reference', 'ref2.profile', '--current', 'months.arrow', '--drift-share', '0.3', '--fail-on-drift', '--json']);
    expect(r.code).toBe(3);
    expect(json(r)).toMatchObject({ dataset: { drift: true, driftedColumns: 1, comparedColumns: 3 } });
  });

  it('missing file, unreadable data, unknown format: one line, exit 2', async () => {
    const missing = await run(['drift', 'report', '--reference', 'nope.csv', '--current', 'same.parquet']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('mlops: Reference nope.csv: no such file.'.replace('nope.csv', path.join(dir, 'nope.csv')));
    const garbage = await run(['drift', 'profile', 'garbage.parquet', '-o', 'x.profile']);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    const notProfile = await run(['drift', 'report', '--reference', 'reference.csv', '--current', 'reference.csv.txt']);
    expect(notProfile.code).toBe(2);
    const noOut = await run(['drift', 'profile', 'reference.csv']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--output');
  });
});

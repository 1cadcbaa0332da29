import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTable, featureFrameSchema, writeParquetFile } from '@mlops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, mlops } from './run-mlops.js';
import { freePort, startMlops, waitForOk } from './servers.js';

const HOUR = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-cli-features-'));
  await mkdir(path.join(dir, 'data'));
  const schema = featureFrameSchema({ entityKeys: [{ name: 'user_id', arrowType: 'int64' }], features: ['user_age', 'support_calls'] });
  await writeParquetFile(
    path.join(dir, 'data', 'profile.parquet'),
    buildTable(schema, { user_id: [1n, 1n, 2n], event_timestamp: [t0, t0 + HOUR, t0], created_timestamp: [t0, t0 + HOUR, t0], user_age: [41, 42, 30], support_calls: [0, 3, 1] }),
  );
  await writeFile(
    path.join(dir, 'features.json'),
    JSON.stringify({
      entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
      views: [{ name: 'profile', entities: ['user'], source: { path: 'data/profile.parquet' }, ttlMs: 2 * HOUR, createdTimestampColumn: 'created_timestamp', features: ['user_age', 'support_calls'] }],
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mlops features', () => {
  it('apply checks the definitions and prints the catalog', async () => {
    const r = await mlops(['features', 'apply', 'features.json', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(json(r)).toEqual({ entities: [{ name: 'user', joinKeys: ['user_id'] }], views: [{ name: 'profile', entities: ['user'], features: ['user_age', 'support_calls'], ttlMs: 2 * HOUR }], services: [], online: 'memory' });
  });

  it('get reads the latest values online, with the TTL checked at the read time', async () => {
    const r = await mlops(['features', 'get', 'features.json', '--entity', 'user_id=1,2,3', '--at', new Date(t0 + 2.5 * HOUR).toISOString()], { cwd: dir });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(lines[0]).toEqual(['user_id', 'profile__user_age', 'profile__support_calls']);
    expect(lines.slice(1)).toEqual([
      ['1', '42', '3'],
      ['2', 'OUTSIDE_TTL', 'OUTSIDE_TTL'],
      ['3', 'NOT_FOUND', 'NOT_FOUND'],
    ]);
  });

  it('serve answers Feast JSON', async () => {
    // No TTL here: the server reads at the real time, long after these 2026-01-01 rows.
    await writeFile(path.join(dir, 'no-ttl.json'), JSON.stringify({ entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }], views: [{ name: 'profile', entities: ['user'], source: { path: 'data/profile.parquet' }, features: ['user_age'] }] }));
    const port = await freePort();
    const server = startMlops(['features', 'serve', 'no-ttl.json', '--port', String(port)], { cwd: dir });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, server);
      const res = await fetch(`http://127.0.0.1:${port}/get-online-features`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: ['profile:user_age'], entities: { user_id: [1] } }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { metadata: { feature_names: string[] }; results: { values: unknown[] }[] };
      expect(body.metadata.feature_names).toEqual(['user_id', 'user_age']);
      expect(body.results[1]!.values).toEqual([42]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('bad definitions: one line, exit 2', async () => {
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ entities: [], views: [{ name: 'v', entities: ['nobody'], source: { path: 'x.parquet' }, features: ['a'] }] }));
    const r = await mlops(['features', 'apply', 'bad.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await mlops(['features', 'get', 'features.json'], { cwd: dir });
    expect(missing.code).toBe(2);
  });
});

// mlops features over a TypeScript definitions file whose online store is a real redis-server:
// values materialized by one process are read by the next ones (get, serve).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTable, featureFrameSchema, writeParquetFile } from '@mlops/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '@mlops/test-services';
import { json, mlops } from './run-mlops.js';
import { freePort, startMlops, waitForOk } from './servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HOUR = 3_600_000;
// Rows of the last two hours, so the feature server (which reads at the real time) finds them within the TTL.
const t0 = Math.floor(Date.now() / 1000) * 1000 - 1.5 * HOUR;
let dir: string;
let redis: RedisTestServer;
let redisPort: number;

function definitionsTs(port: number): string {
  // Types and `satisfies` make this a file only a TypeScript loader reads.
  return `import { defineEntity, defineFeatureView, defineFeatureService } from '@mlops/features';
import type { FeatureView } from '@mlops/features';

const ttlMs: number = 2 * ${HOUR};
export const entities = [defineEntity({ name: 'user', joinKeys: ['user_id'], valueType: 'int64' })];
export const views: FeatureView[] = [
  defineFeatureView({ name: 'profile', entities: ['user'], source: { path: 'data/profile.parquet' }, ttlMs, createdTimestampColumn: 'created_timestamp', features: ['user_age', 'support_calls'] }),
];
export const services = [defineFeatureService({ name: 'churn_v1', features: ['profile:user_age'] })];
export const online = { type: 'redis', url: 'redis://127.0.0.1:${port}', keyPrefix: 'cli-test:' } satisfies { type: 'redis'; url: string; keyPrefix: string };
`;
}

beforeAll(async () => {
  // Inside the package (git ignores *.tmp.*), so `import '@mlops/features'` in the .ts file resolves as in a user's project.
  dir = await mkdtemp(path.join(here, 'features.tmp.'));
  await mkdir(path.join(dir, 'defs', 'data'), { recursive: true });
  const schema = featureFrameSchema({ entityKeys: [{ name: 'user_id', arrowType: 'int64' }], features: ['user_age', 'support_calls'] });
  await writeParquetFile(
    path.join(dir, 'defs', 'data', 'profile.parquet'),
    buildTable(schema, { user_id: [1n, 1n, 2n], event_timestamp: [t0, t0 + HOUR, t0], created_timestamp: [t0, t0 + HOUR, t0], user_age: [41, 42, 30], support_calls: [0, 3, 1] }),
  );
  redis = await startRedisServer();
  redisPort = redis.port;
  await writeFile(path.join(dir, 'defs', 'features.ts'), definitionsTs(redisPort));
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const redisKeys = () => spawnSync('redis-cli', ['-p', String(redisPort), '--scan', '--pattern', 'cli-test:*'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);

describe('mlops features with a features.ts and Redis', () => {
  it('apply reads the TypeScript definitions', async () => {
    const r = await mlops(['features', 'apply', 'defs/features.ts', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(json(r)).toEqual({ entities: [{ name: 'user', joinKeys: ['user_id'] }], views: [{ name: 'profile', entities: ['user'], features: ['user_age', 'support_calls'], ttlMs: 2 * HOUR }], services: ['churn_v1'], online: 'redis' });
  });

  it('materialize writes Redis (source paths relative to the definitions file); later processes read it with get and serve', async () => {
    expect(redisKeys()).toEqual([]);
    const m = await mlops(['features', 'materialize', 'defs/features.ts', '--json'], { cwd: dir });
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    expect(json<{ online: string }>(m).online).toBe('redis');
    // One hash per user (plus the store's {__meta} key).
    expect(redisKeys().filter((k) => !k.includes('__meta'))).toHaveLength(2);

    // A new process: nothing is materialized here, the values come from Redis. --at checks the TTL.
    const at = new Date(t0 + 2.5 * HOUR).toISOString();
    const g = await mlops(['features', 'get', path.join(dir, 'defs', 'features.ts'), '--entity', 'user_id=1,2,3', '--at', at], { cwd: here });
    expect(g.stderr).toBe('');
    expect(g.stdout.trim().split('\n').map((l) => l.split(/\s+/))).toEqual([
      ['user_id', 'profile__user_age', 'profile__support_calls'],
      ['1', '42', '3'],
      ['2', 'OUTSIDE_TTL', 'OUTSIDE_TTL'],
      ['3', 'NOT_FOUND', 'NOT_FOUND'],
    ]);
    const service = await mlops(['features', 'get', 'defs/features.ts', '--entity', 'user_id=2', '--features', 'churn_v1', '--json'], { cwd: dir });
    expect(json<{ featureNames: string[]; features: Record<string, { values: unknown[]; statuses: string[] }> }>(service)).toMatchObject({ featureNames: ['profile__user_age'], features: { profile__user_age: { values: [30], statuses: ['PRESENT'] } } });

    const port = await freePort();
    const server = startMlops(['features', 'serve', 'defs/features.ts', '--port', String(port)], { cwd: dir });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health`, server);
      const res = await fetch(`http://127.0.0.1:${port}/get-online-features`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: ['profile:user_age', 'profile:support_calls'], entities: { user_id: [1, 2, 3] } }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { metadata: { feature_names: string[] }; results: { values: unknown[]; statuses: string[] }[] };
      expect(body.metadata.feature_names).toEqual(['user_id', 'user_age', 'support_calls']);
      expect(body.results.slice(1)).toMatchObject([
        { values: [42, 30, null], statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'] },
        { values: [3, 1, null], statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'] },
      ]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('Redis down is exit 1 with one line; a module without views and a .ts that throws are exit 2 with one line', async () => {
    const closed = await freePort();
    await writeFile(path.join(dir, 'defs', 'down.ts'), definitionsTs(closed));
    const down = await mlops(['features', 'get', 'defs/down.ts', '--entity', 'user_id=1'], { cwd: dir });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain('Redis is unreachable');
    await writeFile(path.join(dir, 'defs', 'empty.ts'), 'export const entities: unknown[] = [];\n');
    const empty = await mlops(['features', 'apply', 'defs/empty.ts'], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toBe(`mlops: Definitions file ${path.join(dir, 'defs', 'empty.ts')}: expected "entities" and "views" arrays.`);
    await writeFile(path.join(dir, 'defs', 'bad.ts'), "import { defineFeatureView } from '@mlops/features';\nexport const entities = [];\nexport const views = [defineFeatureView({ name: 'v', entities: ['user'], source: { path: 'x.parquet', format: 'xlsx' as 'csv' }, features: ['a'] })];\n");
    const bad = await mlops(['features', 'apply', 'defs/bad.ts'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('source format must be parquet, ipc or csv');
  });
});

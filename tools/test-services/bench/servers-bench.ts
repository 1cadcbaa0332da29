/**
 * What the test servers cost on top of what they wrap, measured side by side in one run:
 *
 * - S3: PUT/GET of 1 MiB and 64 MiB objects with the raw AWS SDK through `startS3Server`
 *   (s3rver + the conditional-write proxy) vs the same s3rver child process addressed
 *   directly (no proxy). The ratio is the proxy's overhead.
 * - GCS: the same objects through `@google-cloud/storage` against `startGcsEmulator`, next
 *   to the S3 figures (there is no other GCS server to run here; the client's own
 *   JavaScript CRC32C dominates its large-object numbers).
 *
 * Run: npm run bench -w @mlops/test-services
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Storage } from '@google-cloud/storage';
import { startGcsEmulator, startS3Server } from '../src/index.js';
import { spawnS3rver } from '../src/s3-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MiB = 1024 * 1024;
const cases = [
  { label: '1 MiB', bytes: MiB, rounds: 60 },
  { label: '64 MiB', bytes: 64 * MiB, rounds: 5 },
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

type Target = { name: string; put(key: string, body: Buffer): Promise<void>; get(key: string): Promise<Buffer> };

function s3Target(name: string, endpoint: string): Target & { client: S3Client } {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    name,
    client,
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: body }));
    },
    async get(key) {
      const res = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    },
  };
}

async function main(): Promise<void> {
  const s3 = await startS3Server({ buckets: ['bench'] });
  const rawDir = await mkdtemp(path.join(os.tmpdir(), 'mlops-s3rver-bench-'));
  const raw = await spawnS3rver(rawDir, ['bench']);
  const gcs = await startGcsEmulator({ buckets: ['bench'] });
  const storage = new Storage({ apiEndpoint: gcs.host, projectId: gcs.projectId });
  const gcsBucket = storage.bucket('bench');

  const proxied = s3Target('s3 (startS3Server: proxy + s3rver)', s3.endpoint);
  const direct = s3Target('s3rver direct (no proxy)', `http://127.0.0.1:${raw.port}`);
  const gcsTarget: Target = {
    name: 'gcs (startGcsEmulator, resumable:false)',
    async put(key, body) {
      await gcsBucket.file(key).save(body, { resumable: false });
    },
    async get(key) {
      return (await gcsBucket.file(key).download())[0];
    },
  };
  const targets = [direct, proxied, gcsTarget];

  console.log(`# test-services bench, node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`);
  const results: Record<string, Record<string, { put: number; get: number; putMin: number; getMin: number }>> = {};
  for (const c of cases) {
    const body = randomBytes(c.bytes);
    const digest = createHash('sha256').update(body).digest('hex');
    const samples = new Map(targets.map((t) => [t.name, { put: [] as number[], get: [] as number[] }]));
    // Warm-up, then interleave targets round by round so background load hits all alike.
    for (const t of targets) {
      await t.put(`warm-${c.label}`, body);
      await t.get(`warm-${c.label}`);
    }
    for (let r = 0; r < c.rounds; r++) {
      for (const t of r % 2 ? [...targets].reverse() : targets) {
        const key = `obj-${c.label}-${r}`;
        const s = samples.get(t.name)!;
        s.put.push(await time(() => t.put(key, body)));
        let got: Buffer | undefined;
        s.get.push(await time(async () => {
          got = await t.get(key);
        }));
        if (createHash('sha256').update(got!).digest('hex') !== digest) throw new Error(`${t.name} returned different bytes`);
      }
    }
    results[c.label] = {};
    for (const t of targets) {
      const s = samples.get(t.name)!;
      results[c.label]![t.name] = { put: median(s.put), get: median(s.get), putMin: Math.min(...s.put), getMin: Math.min(...s.get) };
    }
  }

  for (const c of cases) {
    console.log(`\n## ${c.label} objects (median and best of ${c.rounds} rounds)`);
    console.log('| target | PUT ms (median) | PUT ms (best) | PUT MiB/s (median) | GET ms (median) | GET ms (best) | GET MiB/s (median) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const t of targets) {
      const r = results[c.label]![t.name]!;
      const mib = c.bytes / MiB;
      console.log(
        `| ${t.name} | ${r.put.toFixed(1)} | ${r.putMin.toFixed(1)} | ${(mib / (r.put / 1000)).toFixed(0)} | ` +
          `${r.get.toFixed(1)} | ${r.getMin.toFixed(1)} | ${(mib / (r.get / 1000)).toFixed(0)} |`,
      );
    }
    const p = results[c.label]![proxied.name]!;
    const d = results[c.label]![direct.name]!;
    console.log(
      `proxy / direct time ratio, median: PUT ${(p.put / d.put).toFixed(2)}x, GET ${(p.get / d.get).toFixed(2)}x; ` +
        `best: PUT ${(p.putMin / d.putMin).toFixed(2)}x, GET ${(p.getMin / d.getMin).toFixed(2)}x`,
    );
  }

  proxied.client.destroy();
  direct.client.destroy();
  await s3.stop();
  raw.child.kill('SIGTERM');
  await rm(rawDir, { recursive: true, force: true });
  await gcs.stop();
}

await main();

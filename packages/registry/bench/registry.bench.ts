// npm run bench -w @mlops/registry
// Measures the three targets of issue 4 side by side with the baseline a user would otherwise use:
//  1. getModelVersion('m@champion'): latency on the file store vs a raw store.get of the manifest,
//     and the HTTP requests it needs on the local S3 server (counted by SDK middleware).
//  2. searchModelVersions over N versions (default 10,000) vs the naive approach without an index
//     (list every manifest, read and filter them).
//  3. Registering a 256 MiB artifact vs a raw streamed put of the same bytes on the same store,
//     with peak RSS growth (streamed, so it should stay flat).
// Env: BENCH_VERSIONS (default 10000), BENCH_ARTIFACT_MIB (default 256), BENCH_S3=0 to skip S3,
// BENCH_ONLY=alias,search,register to run some parts, BENCH_RUNS (default 7) file-store registration rounds.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { S3Client } from '@aws-sdk/client-s3';
import { createFileStore, type ObjectStore } from '@mlops/storage';
import { createS3Store } from '@mlops/storage/s3';
import { startS3Server } from '@mlops/test-services';
import { createRegistry } from '../src/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10_000);
const ARTIFACT_MIB = Number(process.env.BENCH_ARTIFACT_MIB ?? 256);
const WITH_S3 = process.env.BENCH_S3 !== '0';
const ONLY = new Set((process.env.BENCH_ONLY ?? 'alias,search,register').split(','));
const enc = new TextEncoder();

function quantile(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const fmt = (ms: number) => `${ms < 1 ? ms.toFixed(3) : ms.toFixed(1)} ms`;

/** Unique pseudo-random bytes per run (so dedupe never short-circuits), generated in 1 MiB chunks. */
async function* payload(mib: number, runId: number): AsyncGenerator<Uint8Array> {
  const base = new Uint8Array(1 << 20);
  for (let i = 0; i < base.length; i++) base[i] = (i * 2654435761) >>> 24;
  for (let c = 0; c < mib; c++) {
    const chunk = new Uint8Array(base);
    new DataView(chunk.buffer).setFloat64(0, runId);
    new DataView(chunk.buffer).setUint32(8, c);
    yield chunk;
  }
}

/** Runs `fn` while sampling RSS; returns its duration and the peak RSS growth. */
async function withRss(fn: () => Promise<unknown>): Promise<{ ms: number; peakRssMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, peakRssMiB: (peak - base) / (1 << 20) };
}

async function benchAliasRead(root: string): Promise<void> {
  console.log('\n## 1. getModelVersion("m@champion")');
  const store = createFileStore({ root: path.join(root, 'alias') });
  const reg = createRegistry({ store });
  await reg.registerModelVersion({ name: 'm', artifacts: { 'model.onnx': enc.encode('weights') }, metrics: { auc: 0.9 }, params: { lr: 0.1 } });
  await reg.setAlias('m', 'champion', 1);
  const reader = createRegistry({ store: createFileStore({ root: path.join(root, 'alias') }) });
  await timeIt(200, () => reader.getModelVersion('m@champion'));
  const ours = await timeIt(2000, () => reader.getModelVersion('m@champion'));
  const raw = await timeIt(2000, () => store.get('models/m/versions/0000000001.json'));
  console.log(`file store: p50 ${fmt(quantile(ours, 0.5))}, p99 ${fmt(quantile(ours, 0.99))} (target p50 < 1 ms)`);
  console.log(`raw store.get of the manifest alone: p50 ${fmt(quantile(raw, 0.5))} -> ratio ${(quantile(ours, 0.5) / quantile(raw, 0.5)).toFixed(2)}x (2 reads vs 1)`);

  if (!WITH_S3) return;
  const server = await startS3Server({ buckets: ['bench'] });
  try {
    const client = new S3Client(server.clientConfig);
    const counts = new Map<string, number>();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName);
        counts.set(op, (counts.get(op) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const s3 = createS3Store({ bucket: 'bench', prefix: 'alias', client });
    const writer = createRegistry({ store: s3 });
    await writer.registerModelVersion({ name: 'm', artifacts: { 'model.onnx': enc.encode('weights') } });
    await writer.setAlias('m', 'champion', 1);
    const s3reader = createRegistry({ store: s3 });
    counts.clear();
    const lat = await timeIt(200, () => s3reader.getModelVersion('m@champion'));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `s3 server: ${total / 200} HTTP requests per call (${[...counts].map(([k, v]) => `${k} ${v / 200}`).join(', ')}); target 2. p50 ${fmt(quantile(lat, 0.5))}`,
    );
    client.destroy();
  } finally {
    await server.stop();
  }
}

async function benchSearch(root: string): Promise<void> {
  console.log(`\n## 2. searchModelVersions over ${VERSIONS} versions (file store)`);
  const dir = path.join(root, 'search');
  const reg = createRegistry({ store: createFileStore({ root: dir }) });
  const stages = ['dev', 'staging', 'prod'];
  const t0 = performance.now();
  for (let i = 1; i <= VERSIONS; i++) {
    await reg.registerModelVersion({
      name: 'fraud',
      artifacts: { 'model.onnx': enc.encode(`weights ${i % 10}`) },
      metrics: { auc: 0.5 + (i % 500) / 1000, f1: (i % 97) / 100 },
      params: { depth: i % 12, lr: (i % 5) / 100 },
      tags: { stage: stages[i % 3]!, owner: `team-${i % 7}` },
    });
  }
  const setupS = (performance.now() - t0) / 1000;
  console.log(`setup: registered ${VERSIONS} versions through the API in ${setupS.toFixed(1)} s (${((setupS * 1000) / VERSIONS).toFixed(1)} ms each)`);
  const filter = "name = 'fraud' AND metrics.auc >= 0.95 AND tags.stage = 'prod' AND params.depth IN (1, 2, 3)";
  const orderBy = 'metrics.auc DESC';
  const cold = createRegistry({ store: createFileStore({ root: dir }) });
  const tc = performance.now();
  const first = await cold.searchModelVersions({ filter, orderBy });
  const coldMs = performance.now() - tc;
  const warm = await timeIt(30, () => cold.searchModelVersions({ filter, orderBy }));
  const broad = await timeIt(10, () => cold.searchModelVersions({ filter: "tags.owner LIKE 'team-%'", orderBy: 'created_at DESC', limit: 100 }));
  console.log(`matches: ${first.versions.length}`);
  console.log(`cold (new registry: read index checkpoint + log tail): ${fmt(coldMs)}`);
  console.log(`warm: p50 ${fmt(quantile(warm, 0.5))}, max ${fmt(Math.max(...warm))} (target < 100 ms)`);
  console.log(`broad filter matching all ${VERSIONS}, top 100: p50 ${fmt(quantile(broad, 0.5))}`);

  // Naive baseline: no index, read every manifest (what a bucket registry without an index does).
  const store: ObjectStore = createFileStore({ root: dir });
  const tn = performance.now();
  let naiveMatches = 0;
  const keys: string[] = [];
  for await (const page of store.list({ prefix: 'models/fraud/versions/' })) keys.push(...page.objects.map((o) => o.key));
  const dec = new TextDecoder();
  for (let i = 0; i < keys.length; i += 64) {
    const batch = await Promise.all(keys.slice(i, i + 64).map((k) => store.get(k)));
    for (const o of batch) {
      const m = JSON.parse(dec.decode(o.body)) as { metrics: { auc: number }; tags: { stage: string }; params: { depth: number } };
      if (m.metrics.auc >= 0.95 && m.tags.stage === 'prod' && [1, 2, 3].includes(m.params.depth)) naiveMatches++;
    }
  }
  const naiveMs = performance.now() - tn;
  console.log(`naive (list + read all ${keys.length} manifests): ${fmt(naiveMs)}, ${naiveMatches} matches -> indexed warm search is ${(naiveMs / quantile(warm, 0.5)).toFixed(0)}x faster, cold ${(naiveMs / coldMs).toFixed(1)}x`);
  if (naiveMatches !== first.versions.length) throw new Error(`search mismatch: ${naiveMatches} vs ${first.versions.length}`);
}

/** Re-yields `source` while hashing it on the way (sha256 in the same pass, no read-ahead). */
async function* sha256Inline(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
  hash.digest('hex');
}

interface Sample {
  ms: number;
  cpuMs: number;
  peakRssMiB: number;
}

/** Runs `fn` measuring wall time, process CPU time (user + system, all threads) and peak RSS growth. */
async function sample(fn: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const res = await withRss(fn);
  const cpu = process.cpuUsage(cpu0);
  return { ...res, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function benchRegister(label: string, makeStore: () => ObjectStore, runs: number): Promise<void> {
  console.log(`\n## 3. registering a ${ARTIFACT_MIB} MiB artifact (${label})`);
  const store = makeStore();
  const reg = createRegistry({ store });
  // Every variant is the same store.put fed by the same kind of source (a generator of fresh 1 MiB
  // chunks); "raw + sha256" is the floor for any content-addressed write: the raw put plus hashing
  // the bytes in the same pass.
  const variants: Record<string, (r: number) => Promise<unknown>> = {
    raw: (r) => store.put(`raw/${r}.bin`, payload(ARTIFACT_MIB, Math.random())),
    'raw + sha256': (r) => store.put(`raw/${r}.hashed.bin`, sha256Inline(payload(ARTIFACT_MIB, Math.random()))),
    register: () => reg.registerModelVersion({ name: 'big', artifacts: { 'model.bin': payload(ARTIFACT_MIB, Math.random()) } }),
  };
  const names = Object.keys(variants);
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) {
    // Rotate the order so page-cache and disk state favour none of them.
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      samples.get(name)!.push(await sample(() => variants[name]!(r)));
    }
    await store.delete(`raw/${r}.bin`);
    await store.delete(`raw/${r}.hashed.bin`);
  }
  const mibps = (ms: number) => (ARTIFACT_MIB / (ms / 1000)).toFixed(0);
  const stats = (name: string) => {
    const s = samples.get(name)!;
    return {
      best: Math.min(...s.map((x) => x.ms)),
      median: quantile(s.map((x) => x.ms), 0.5),
      cpu: quantile(s.map((x) => x.cpuMs), 0.5),
      rss: Math.max(...s.map((x) => x.peakRssMiB)),
    };
  };
  const raw = stats('raw');
  for (const name of names) {
    const st = stats(name);
    console.log(
      `${name.padEnd(13)} best ${fmt(st.best)} (${mibps(st.best)} MiB/s), median ${fmt(st.median)} (${mibps(st.median)} MiB/s), ` +
        `CPU median ${fmt(st.cpu)}, peak RSS +${st.rss.toFixed(0)} MiB; vs raw: best ${((raw.best / st.best) * 100).toFixed(0)}%, median ${((raw.median / st.median) * 100).toFixed(0)}%`,
    );
    console.log(`  runs (ms): ${samples.get(name)!.map((x) => x.ms.toFixed(0)).join(', ')}; CPU (ms): ${samples.get(name)!.map((x) => x.cpuMs.toFixed(0)).join(', ')}`);
  }
  const hashed = stats('raw + sha256');
  const ours = stats('register');
  console.log(
    `throughput ratio registry/raw: median ${((raw.median / ours.median) * 100).toFixed(1)}%, best ${((raw.best / ours.best) * 100).toFixed(1)}% (target >= 90%); ` +
      `registry/(raw + sha256): median ${((hashed.median / ours.median) * 100).toFixed(1)}%, best ${((hashed.best / ours.best) * 100).toFixed(1)}%; runs ${runs}`,
  );
  // Adjacent runs in one round share the machine's momentary load, so their ratio is steadier.
  const rawRuns = samples.get('raw')!;
  const paired = samples.get('register')!.map((x, i) => rawRuns[i]!.ms / x.ms);
  console.log(`per-round paired ratio registry/raw: median ${(quantile(paired, 0.5) * 100).toFixed(1)}% (${paired.map((x) => (x * 100).toFixed(0)).join(', ')})`);
  await store.close();
}

const root = await mkdtemp(path.join(tmpdir(), 'registry-bench-'));
console.log(`# @mlops/registry benchmark, node ${process.version}, ${new Date().toISOString()}`);
try {
  if (ONLY.has('alias')) await benchAliasRead(root);
  if (ONLY.has('search')) await benchSearch(root);
  if (ONLY.has('register')) await benchRegister('file store', () => createFileStore({ root: path.join(root, 'big') }), Number(process.env.BENCH_RUNS ?? 7));
  if (WITH_S3 && ONLY.has('register')) {
    const server = await startS3Server({ buckets: ['big'] });
    try {
      await benchRegister('local S3 server', () => createS3Store({ bucket: 'big', prefix: 'bench', clientConfig: server.clientConfig }), 3);
    } finally {
      await server.stop();
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

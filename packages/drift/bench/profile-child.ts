// Runs in its own process so peak RSS reflects only the measured work.
//   profile-child.ts profile <file.arrows>            -> profile one IPC stream file
//   profile-child.ts compare <ref.arrows> <cur.arrows> -> profile both (one worker thread each), compare()
import { createReadStream, readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RecordBatchReader } from 'apache-arrow';
import { compare } from '../src/compare.js';
import { profileBatches } from '../src/profile.js';
import { deserializeProfile, serializeProfile } from '../src/serialize-profile.js';

async function profileFile(file: string): Promise<Uint8Array> {
  const reader = await RecordBatchReader.from(createReadStream(file, { highWaterMark: 1 << 22 }));
  const p = await profileBatches(reader);
  return serializeProfile(p);
}

if (!isMainThread) {
  const bytes = await profileFile(workerData as string);
  parentPort!.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
} else {
  const [mode, a, b] = process.argv.slice(2);
  void readFileSync;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  if (mode === 'profile') {
    const bytes = await profileFile(a!);
    const p = deserializeProfile(bytes);
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0, rssMiB: process.resourceUsage().maxRSS / 1024, rows: p.rowCount, columns: p.columns.size, bytes: bytes.length }));
  } else {
    const run = (file: string) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: file });
        w.once('message', (m: Uint8Array) => resolve(m));
        w.once('error', reject);
      });
    const [rb, cb] = await Promise.all([run(a!), run(b!)]);
    const report = compare(deserializeProfile(rb), deserializeProfile(cb));
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({
      cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0, rssMiB: process.resourceUsage().maxRSS / 1024,
      columns: report.comparedColumns, drifted: report.driftedColumns, methods: [...new Set(report.columns.map((x) => x.method))],
      statistics: report.columns.map((x) => x.statistic),
    }));
  }
}

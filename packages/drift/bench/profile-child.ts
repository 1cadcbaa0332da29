// Runs in its own process so peak RSS reflects only the measured work.
//   profile-child.ts profile <file.arrows> [out.bin]   -> profile one IPC stream file (optionally save it)
//   profile-child.ts compare <ref.arrows> <cur.arrows> -> profile both sides in parallel child
//                                                       processes (one core each), then compare()
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { peakRssMiB } from './common.js';
import { RecordBatchReader } from 'apache-arrow';
import { compare } from '../src/compare.js';
import { profileBatches } from '../src/profile.js';
import { deserializeProfile, serializeProfile } from '../src/serialize-profile.js';

async function profileFile(file: string): Promise<Uint8Array> {
  const reader = await RecordBatchReader.from(createReadStream(file, { highWaterMark: 1 << 22 }));
  return serializeProfile(await profileBatches(reader));
}

function runSelf(args: string[]): Promise<{ cpuMs: number; rssMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as { cpuMs: number; rssMiB: number }) : reject(new Error(`profile child exited ${code}`))));
  });
}

const [mode, a, b] = process.argv.slice(2);
const c0 = process.cpuUsage();
const w0 = performance.now();
if (mode === 'profile') {
  const bytes = await profileFile(a!);
  if (b) writeFileSync(b, bytes);
  const p = deserializeProfile(bytes);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0, rssMiB: peakRssMiB(), rows: p.rowCount, columns: p.columns.size, bytes: bytes.length }));
} else {
  const refOut = `${a}.profile`;
  const curOut = `${b}.profile`;
  const [rs, cs] = await Promise.all([runSelf(['profile', a!, refOut]), runSelf(['profile', b!, curOut])]);
  const c1 = process.cpuUsage();
  const report = compare(deserializeProfile(readFileSync(refOut)), deserializeProfile(readFileSync(curOut)));
  const compareCpu = process.cpuUsage(c1);
  rmSync(refOut);
  rmSync(curOut);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({
    cpuMs: rs.cpuMs + cs.cpuMs + (c.user + c.system) / 1000, compareMs: (compareCpu.user + compareCpu.system) / 1000, wallMs: performance.now() - w0,
    rssMiB: rs.rssMiB + cs.rssMiB + peakRssMiB(),
    columns: report.comparedColumns, drifted: report.driftedColumns, methods: [...new Set(report.columns.map((x) => x.method))],
  }));
}

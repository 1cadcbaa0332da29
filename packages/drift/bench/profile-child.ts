// Runs in its own process so peak RSS reflects only the measured work.
//   profile-child.ts profile <file.arrows> [out.bin or -] [reader] -> profile one IPC file (optionally save it)
//   profile-child.ts compare <ref.arrows> <cur.arrows> [reader] -> profile both sides in parallel child
//                                                                processes (one core each), then compare()
// reader: `ipc-file` (default: profileIpcFile, positioned reads, bounded memory) or `arrow`
// (RecordBatchReader over a read stream + profileBatches, which holds whole record batches).
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { peakRssMiB } from './common.js';
import { RecordBatchReader } from 'apache-arrow';
import { compare } from '../src/compare.js';
import { profileBatches } from '../src/profile.js';
import { profileIpcFile } from '../src/profile-ipc-file.js';
import { deserializeProfile, serializeProfile } from '../src/serialize-profile.js';

async function profileFile(file: string, reader: string): Promise<Uint8Array> {
  if (reader === 'arrow') return serializeProfile(await profileBatches(await RecordBatchReader.from(createReadStream(file, { highWaterMark: 1 << 22 }))));
  return serializeProfile(await profileIpcFile(file));
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

const [mode, a, b, readerArg] = process.argv.slice(2);
const reader = readerArg ?? 'ipc-file';
const c0 = process.cpuUsage();
const w0 = performance.now();
if (mode === 'profile') {
  const bytes = await profileFile(a!, reader);
  if (b && b !== '-') writeFileSync(b, bytes);
  const p = deserializeProfile(bytes);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - w0, rssMiB: peakRssMiB(), rows: p.rowCount, columns: p.columns.size, bytes: bytes.length }));
} else {
  const refOut = `${a}.profile`;
  const curOut = `${b}.profile`;
  const [rs, cs] = await Promise.all([runSelf(['profile', a!, refOut, reader]), runSelf(['profile', b!, curOut, reader])]);
  const c1 = process.cpuUsage();
  const report = compare(deserializeProfile(readFileSync(refOut)), deserializeProfile(readFileSync(curOut)));
  const compareCpu = process.cpuUsage(c1);
  rmSync(refOut);
  rmSync(curOut);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({
    cpuMs: rs.cpuMs + cs.cpuMs + (c.user + c.system) / 1000, compareMs: (compareCpu.user + compareCpu.system) / 1000, wallMs: performance.now() - w0,
    rssMiB: rs.rssMiB + cs.rssMiB + peakRssMiB(), rssParts: { reference: rs.rssMiB, current: cs.rssMiB, parent: peakRssMiB() },
    columns: report.comparedColumns, drifted: report.driftedColumns, methods: [...new Set(report.columns.map((x) => x.method))],
  }));
}

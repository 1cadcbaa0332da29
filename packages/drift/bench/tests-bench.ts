import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toSortedSample } from '../src/samples.js';
import { ksTestSorted } from '../src/ks-test.js';
import { wassersteinSorted } from '../src/cdf-distances.js';
import { psiSorted } from '../src/psi.js';
import { fmt, measure, normalGenerator, runPython } from './common.js';

interface PeerResult {
  cpu: { ks: number; wasserstein: number; psi: number };
  wall: { ks: number; wasserstein: number; psi: number };
  results: { ks: [number, number]; wasserstein: number; psi: number }[];
}

/** Benchmark 1: n reference + n current rows x c columns, KS + Wasserstein + PSI per column. */
export function runTestsBench(): void {
  const rows = Number(process.env.DRIFT_BENCH_ROWS ?? 1_000_000);
  const cols = Number(process.env.DRIFT_BENCH_COLUMNS ?? 20);
  const dir = path.join(tmpdir(), 'mlops-drift-bench');
  mkdirSync(dir, { recursive: true });
  const ref = new Float64Array(rows * cols);
  const cur = new Float64Array(rows * cols);
  const g = normalGenerator(42);
  for (let c = 0; c < cols; c++) {
    const shift = c % 4 === 0 ? 0.05 : 0;
    const scale = 1 + c / 10;
    for (let i = 0; i < rows; i++) ref[c * rows + i] = g() * scale + c;
    for (let i = 0; i < rows; i++) cur[c * rows + i] = (g() + shift) * scale + c;
  }
  const refPath = path.join(dir, 'ref.f64');
  const curPath = path.join(dir, 'cur.f64');
  writeFileSync(refPath, new Uint8Array(ref.buffer));
  writeFileSync(curPath, new Uint8Array(cur.buffer));

  console.log(`\n## 1. KS + Wasserstein + PSI, ${rows.toLocaleString()} + ${rows.toLocaleString()} rows x ${cols} columns`);
  const ours = measure(() => {
    const out: { ks: number; p: number; w: number; psi: number }[] = [];
    for (let c = 0; c < cols; c++) {
      // Sort once per column and side; every test is then a linear pass.
      const x = toSortedSample(ref.subarray(c * rows, (c + 1) * rows), 'reference');
      const y = toSortedSample(cur.subarray(c * rows, (c + 1) * rows), 'current');
      const ks = ksTestSorted(x, y);
      out.push({ ks: ks.statistic, p: ks.pValue, w: wassersteinSorted(x, y).statistic, psi: psiSorted(x, y).statistic });
    }
    return out;
  });
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scipy_peer.py');
  const w0 = performance.now();
  const peer = runPython(script, [refPath, curPath, String(cols), String(rows)]) as PeerResult;
  const peerWall = performance.now() - w0;
  let maxDiff = 0;
  peer.results.forEach((r, c) => {
    const o = ours.value[c]!;
    maxDiff = Math.max(maxDiff, Math.abs(o.ks - r.ks[0]) / Math.max(r.ks[0], 1e-300), Math.abs(o.w - r.wasserstein) / r.wasserstein, Math.abs(o.psi - r.psi) / Math.max(r.psi, 1e-300));
    if (r.ks[1] > 1e-300) maxDiff = Math.max(maxDiff, Math.abs(o.p - r.ks[1]) / r.ks[1]);
  });
  const peerCpu = (peer.cpu.ks + peer.cpu.wasserstein + peer.cpu.psi) * 1000;
  console.log(`scipy/numpy CPU: ks ${fmt(peer.cpu.ks * 1000)}, wasserstein ${fmt(peer.cpu.wasserstein * 1000)}, psi ${fmt(peer.cpu.psi * 1000)}; total ${fmt(peerCpu)} (${fmt(peerCpu / cols)}/column), process wall ${fmt(peerWall)}`);
  console.log(`@mlops/drift CPU: total ${fmt(ours.cpuMs)} (${fmt(ours.cpuMs / cols)}/column), wall ${fmt(ours.wallMs)}`);
  console.log(`ratio (ours / scipy, CPU time): ${(ours.cpuMs / peerCpu).toFixed(3)}x   (target <= 0.25x, stretch 0.1x)`);
  console.log(`max relative difference vs scipy over all statistics and p-values: ${maxDiff.toExponential(2)}`);
}

/**
 * Benchmarks of @mlops/gpu-scheduler, each beside a peer in the same run:
 *   throughput  100,000 queued jobs onto 1,000 heterogeneous nodes: ours vs a naive full-rescan
 *               scheduler (TypeScript) vs numpy vectorised best-fit (/usr/bin/python3)
 *   philly      the whole Philly trace (82,247 jobs) at 480/560/800 GPUs: FIFO, LAS (free
 *               preemption), LAS (preemption cost + starvation guard), SJF
 *   alibaba     Alibaba GPU v2023 fill: unallocated GPUs, best-fit vs spread vs FGD
 * Usage: npm run bench -w @mlops/gpu-scheduler [-- --only=throughput,philly,alibaba]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@mlops/contracts';
import {
  bestFitPlacement,
  createScheduler,
  fifoOrdering,
  fragmentationAwarePlacement,
  priorityOrdering,
  readAlibabaNodes,
  readAlibabaPods,
  readPhillyTrace,
  shortestJobFirstOrdering,
  simulate,
  simulateFill,
  spreadPlacement,
  tiresiasOrdering,
  type JobSpec,
  type NodeSpec,
  type SchedulerPolicy,
  type SimulateOptions,
} from '@mlops/gpu-scheduler';
import { NaiveScheduler, type NaiveJob } from './naive-scheduler.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = fileURLToPath(new URL('../traces/', import.meta.url));
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'throughput,philly,alibaba').split(',');

const cpuMsSince = (c: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------------------------------------
function throughput(): void {
  const rand = seededRandom(42);
  const types = [
    { model: 'A100', gpus: 8, share: 0.3 },
    { model: 'H100', gpus: 8, share: 0.2 },
    { model: 'L4', gpus: 4, share: 0.3 },
    { model: 'T4', gpus: 2, share: 0.2 },
  ];
  const nodes: NodeSpec[] = [];
  const nodeModels: number[] = [];
  for (let i = 0; i < 1000; i++) {
    let x = rand();
    let k = 0;
    while (k < types.length - 1 && x >= types[k]!.share) x -= types[k++]!.share;
    const t = types[k]!;
    nodes.push({ id: `node-${i}`, gpuModel: t.model, gpuCount: t.gpus, cpuMilli: 96_000, memoryMiB: 1_000_000, topologyDomain: `rack-${Math.floor(i / 16)}` });
    nodeModels.push(k);
  }
  const shapes = [
    { w: 1, g: 1, p: 0.6 },
    { w: 1, g: 2, p: 0.12 },
    { w: 1, g: 4, p: 0.12 },
    { w: 1, g: 8, p: 0.1 },
    { w: 2, g: 8, p: 0.04 },
    { w: 4, g: 8, p: 0.02 },
  ];
  const N = 100_000;
  const jobs: JobSpec[] = [];
  const naiveJobs: NaiveJob[] = [];
  for (let i = 0; i < N; i++) {
    let x = rand();
    let k = 0;
    while (k < shapes.length - 1 && x >= shapes[k]!.p) x -= shapes[k++]!.p;
    const s = shapes[k]!;
    // Half the jobs pin a model that has nodes big enough.
    let model = -1;
    if (rand() < 0.5) {
      const ok = types.map((t, idx) => (t.gpus >= s.g ? idx : -1)).filter((v) => v >= 0);
      model = ok[Math.floor(rand() * ok.length)]!;
    }
    const priority = Math.floor(rand() * 4);
    jobs.push({
      id: `j${i}`,
      queue: `team-${i % 8}`,
      priority,
      workers: s.w,
      gpusPerWorker: s.g,
      submitMs: i,
      ...(model >= 0 ? { gpuModels: [types[model]!.model] } : {}),
    });
    naiveJobs.push({ id: i, priority, submit: i, workers: s.w, gpus: s.g, model });
  }
  const totalGpus = nodes.reduce((a, n) => a + n.gpuCount, 0);

  const runOurs = (count: number) => {
    const s = createScheduler({ nodes, queues: Array.from({ length: 8 }, (_, i) => ({ id: `team-${i}` })), policy: { ordering: priorityOrdering(), placement: bestFitPlacement() }, clock: () => 0 });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < count; i++) s.submit(jobs[i]!, 0);
    const submitMs = performance.now() - t0;
    const submitCpuMs = cpuMsSince(c0);
    let completeCpuMs = 0;
    let schedMs = 0;
    let schedCpuMs = 0;
    let completeMs = 0;
    let placements = 0;
    let passes = 0;
    while (s.stats().pendingJobs > 0) {
      const a = performance.now();
      const c = process.cpuUsage();
      const ds = s.schedule(passes);
      schedMs += performance.now() - a;
      schedCpuMs += cpuMsSince(c);
      passes++;
      const bound = ds.filter((d) => d.type === 'bind');
      if (bound.length === 0) break;
      placements += bound.length;
      const b = performance.now();
      const cb = process.cpuUsage();
      for (const d of bound) s.complete(d.jobId, passes);
      completeMs += performance.now() - b;
      completeCpuMs += cpuMsSince(cb);
    }
    return { placements, passes, submitMs, submitCpuMs, schedMs, schedCpuMs, completeMs, completeCpuMs };
  };
  const runNaive = (count: number) => {
    const sched = new NaiveScheduler(nodes.map((n, i) => ({ model: nodeModels[i]!, free: n.gpuCount })));
    for (let i = 0; i < count; i++) sched.submit({ ...naiveJobs[i]! });
    let placements = 0;
    let ms = 0;
    let cpuMs = 0;
    while (sched.queue.length > 0) {
      const a = performance.now();
      const c = process.cpuUsage();
      const placed = sched.schedule();
      ms += performance.now() - a;
      cpuMs += cpuMsSince(c);
      if (placed.length === 0) break;
      placements += placed.length;
      for (const [j, ns] of placed) sched.release(j, ns);
    }
    return { placements, ms, cpuMs };
  };
  const runNumpy = (count: number): { placements: number; seconds: number; cpuSeconds: number } | undefined => {
    if (!existsSync('/usr/bin/python3')) return undefined;
    const input = JSON.stringify({
      nodeModels,
      nodeGpus: nodes.map((n) => n.gpuCount),
      jobs: naiveJobs.slice(0, count).map((j) => [j.id, j.priority, j.submit, j.workers, j.gpus, j.model]),
    });
    const r = spawnSync('/usr/bin/python3', [`${here}numpy_bestfit.py`], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) {
      console.log(`numpy peer failed: ${r.stderr}`);
      return undefined;
    }
    return JSON.parse(r.stdout) as { placements: number; seconds: number; cpuSeconds: number };
  };

  console.log(`\n## Placement throughput: ${fmt(N)} queued jobs onto ${nodes.length} heterogeneous nodes (${fmt(totalGpus)} GPUs)`);
  console.log('Each pass places what fits (priority order, best-fit, gangs all-or-nothing); then every placed job completes; repeat until the queue is empty.\n');
  runOurs(5000); // warm-up (JIT)
  // The machine is shared with other work: every contender keeps its best of three runs,
  // except the 100k naive run (about 30 s), which runs once.
  const bestOf = <T>(n: number, f: () => T, ms: (r: T) => number): T => {
    let b = f();
    for (let i = 1; i < n; i++) {
      const r = f();
      if (ms(r) < ms(b)) b = r;
    }
    return b;
  };
  const ours = bestOf(3, () => runOurs(N), (r) => r.schedCpuMs);
  const oursSmall = bestOf(3, () => runOurs(20_000), (r) => r.schedCpuMs);
  const naive = bestOf(3, () => runNaive(20_000), (r) => r.cpuMs);
  const naiveFull = runNaive(N);
  const numpy = bestOf(3, () => runNumpy(20_000), (r) => r?.cpuSeconds ?? Infinity);
  const rate = (p: number, ms: number): number => (p / ms) * 1000;
  console.log('| scheduler | jobs | placements | passes | schedule wall | placements/s (wall) | schedule CPU | placements/s (CPU) | vs naive, same jobs (CPU) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const row = (name: string, jobsN: number, placements: number, passes: string, wallMs: number, cpuMs: number, baseCpuRate: number | undefined): void =>
    console.log(
      `| ${name} | ${fmt(jobsN)} | ${fmt(placements)} | ${passes} | ${fmt(wallMs)} ms | ${fmt(rate(placements, wallMs))} | ${fmt(cpuMs)} ms | ${fmt(rate(placements, cpuMs))} | ${baseCpuRate === undefined ? '1.0x' : `${fmt(rate(placements, cpuMs) / baseCpuRate, 1)}x`} |`,
    );
  const naiveFullRate = rate(naiveFull.placements, naiveFull.cpuMs);
  const naiveRate = rate(naive.placements, naive.cpuMs);
  row('**@mlops/gpu-scheduler**', N, ours.placements, String(ours.passes), ours.schedMs, ours.schedCpuMs, naiveFullRate);
  row('naive full rescan (TS)', N, naiveFull.placements, '–', naiveFull.ms, naiveFull.cpuMs, undefined);
  row('@mlops/gpu-scheduler', 20_000, oursSmall.placements, String(oursSmall.passes), oursSmall.schedMs, oursSmall.schedCpuMs, naiveRate);
  row('naive full rescan (TS)', 20_000, naive.placements, '–', naive.ms, naive.cpuMs, undefined);
  if (numpy) row('numpy vectorised best-fit (Python)', 20_000, numpy.placements, '–', numpy.seconds * 1000, numpy.cpuSeconds * 1000, naiveRate);
  console.log(
    `\nOurs, 100k jobs: submit ${fmt(ours.submitCpuMs)} ms CPU (${fmt(ours.submitMs)} ms wall; validation, static never-fits check, bucketing), complete ${fmt(ours.completeCpuMs)} ms CPU (${fmt(ours.completeMs)} ms wall); end-to-end submit + schedule + complete: ${fmt(rate(ours.placements, ours.submitCpuMs + ours.schedCpuMs + ours.completeCpuMs))} placements/s of CPU, ${fmt(rate(ours.placements, ours.submitMs + ours.schedMs + ours.completeMs))}/s wall.`,
  );
  console.log('Context (published, not measured here): kube-scheduler ~180 pods/s with extended resources (scheduler_perf SchedulingWithExtendedResource); YuniKorn 833 pods/s; Kueue ~43 workloads/s.');
}

// ---------------------------------------------------------------------------------------------
function philly(): void {
  const path = `${dataDir}philly-jobs.csv.gz`;
  if (!existsSync(path)) {
    console.log(`\n(philly skipped: ${path} not found)`);
    return;
  }
  const t0 = performance.now();
  const trace = readPhillyTrace({ path });
  const readMs = performance.now() - t0;
  // GPU counts to replay on (PHILLY_GPUS=480,560,800 by default; 8-GPU nodes, racks of 4).
  const sizes = (process.env.PHILLY_GPUS ?? '480,560,800').split(',').map(Number);
  const queues = [...new Set(trace.map((j) => j.queue!))].map((id) => ({ id }));
  console.log(`\n## Philly trace: ${fmt(trace.length)} jobs, ${queues.length} virtual-cluster queues (read in ${fmt(readMs)} ms); load before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const policies: Array<[string, SchedulerPolicy, SimulateOptions['preemptionCost']]> = [
    ['FIFO', { ordering: fifoOrdering() }, false],
    ['LAS, free preemption', { ordering: tiresiasOrdering(), preemption: true }, false],
    ['LAS, 30 s + 30 s preemption cost, starvation guard x8', { ordering: tiresiasOrdering({ starvationFactor: 8 }), preemption: true }, undefined],
    ['SJF (exact estimates)', { ordering: shortestJobFirstOrdering() }, false],
  ];
  const h = (ms: number): string => fmt(ms / 3_600_000, 2);
  console.log('\n| GPUs | policy | avg JCT (h) | vs FIFO | p50 JCT (h) | p99 JCT (h) | avg queueing, total not running (h) | preemptions | mean GPU alloc | CPU time |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const gpus of sizes) {
    const nodeCount = Math.round(gpus / 8);
    const nodes: NodeSpec[] = Array.from({ length: nodeCount }, (_, i) => ({ id: `n${i}`, gpuModel: 'P100', gpuCount: 8, topologyDomain: `rack-${Math.floor(i / 4)}` }));
    let fifoMean = 0;
    for (const [name, policy, preemptionCost] of policies) {
      const c0 = process.cpuUsage();
      const r = simulate({ trace, cluster: { nodes, queues }, policy, usage: false, progressEvery: 1e9, ...(preemptionCost === undefined ? {} : { preemptionCost }) });
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000;
      if (name === 'FIFO') fifoMean = r.jctMs.mean;
      process.stderr.write(`  ${gpus} GPUs, ${name}: ${fmt(r.wallMs / 1000, 1)} s wall, ${fmt(cpuMs / 1000, 1)} s CPU, load ${loadavg()[0]!.toFixed(1)}\n`);
      console.log(
        `| ${gpus} | ${name} | ${h(r.jctMs.mean)} | **${fmt(r.jctMs.mean / fifoMean, 3)}** | ${h(r.jctMs.p50)} | ${h(r.jctMs.p99)} | ${h(r.queueingDelayMs.mean)} | ${fmt(r.preemptions)} | ${fmt(r.meanAllocationRate * 100, 1)}% | ${fmt(cpuMs / 1000, 1)} s |`,
      );
    }
  }
  console.log(`\nLoad after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}. Context (published, different trace): the Alibaba v2020 simulator demo reports average JCT SJF/FIFO = 5,988.6 / 7,918.5 = 0.756; Tiresias reports up to 5.5x lower average JCT than YARN-CS.`);
}

// ---------------------------------------------------------------------------------------------
function alibaba(): void {
  const nodesPath = `${dataDir}alibaba-gpu-v2023/openb_node_list_gpu_node.csv`;
  const podsPath = `${dataDir}alibaba-gpu-v2023/openb_pod_list_default.csv`;
  if (!existsSync(nodesPath) || !existsSync(podsPath)) {
    console.log('\n(alibaba skipped: trace not found)');
    return;
  }
  const nodes = readAlibabaNodes({ path: nodesPath });
  const pods = readAlibabaPods({ path: podsPath });
  const total = nodes.reduce((a, n) => a + n.gpuCount, 0);
  console.log(`\n## Alibaba GPU v2023: ${fmt(nodes.length)} nodes, ${fmt(total)} GPUs; pods sampled from ${fmt(pods.length)} (no departures), as in the FGD paper`);
  const seeds = [1, 2, 3];
  const policies = [bestFitPlacement(), spreadPlacement(), fragmentationAwarePlacement()];
  const curves = new Map<string, Map<number, { unalloc: number; frag: number }>>();
  const walls = new Map<string, number>();
  for (const p of policies) {
    const acc = new Map<number, { unalloc: number; frag: number }>();
    let wall = 0;
    for (const seed of seeds) {
      const r = simulateFill({ nodes, pods, placement: p, seed, maxArrivedRatio: 1.3, step: 0.05 });
      wall += r.wallMs;
      for (const pt of r.points) {
        const key = Math.round(pt.arrivedRatio * 100);
        const a = acc.get(key) ?? { unalloc: 0, frag: 0 };
        a.unalloc += pt.unallocatedGpus / seeds.length;
        a.frag += pt.fragmentedGpus / seeds.length;
        acc.set(key, a);
      }
    }
    curves.set(p.name, acc);
    walls.set(p.name, wall / seeds.length);
    process.stderr.write(`  ${p.name}: ${fmt(wall / seeds.length / 1000, 1)} s per run\n`);
  }
  const points = [70, 80, 90, 100, 110, 120, 130];
  console.log('\nUnallocated GPUs (mean of 3 seeds) as arrived GPU demand grows (% of cluster GPUs); lower is better:\n');
  console.log(`| arrived demand | ${policies.map((p) => p.name).join(' | ')} | FGD vs best-fit |`);
  console.log(`|---|${policies.map(() => '---|').join('')}---|`);
  for (const x of points) {
    const row = policies.map((p) => curves.get(p.name)!.get(x));
    if (row.some((v) => v === undefined)) continue;
    const bf = row[0]!.unalloc;
    const fgd = row[2]!.unalloc;
    console.log(`| ${x}% | ${row.map((v) => `${fmt(v!.unalloc, 1)} (frag ${fmt(v!.frag, 1)})`).join(' | ')} | ${fmt(((fgd - bf) / bf) * 100, 1)}% |`);
  }
  console.log(`\nWall time per fill run: ${policies.map((p) => `${p.name} ${fmt(walls.get(p.name)! / 1000, 2)} s`).join(', ')}.`);
  console.log('Context (published): FGD reports up to 49% fewer unallocated GPUs than the best baseline on this trace (ATC 2023).');
}

console.log(`# @mlops/gpu-scheduler benchmark — ${new Date().toISOString()} — node ${process.version}`);
if (only.includes('throughput')) throughput();
if (only.includes('philly')) philly();
if (only.includes('alibaba')) alibaba();

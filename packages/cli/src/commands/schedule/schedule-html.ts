import type { SimulationResult } from '@mlops/gpu-scheduler';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const h = (ms: number) => (ms / 3_600_000).toFixed(2);

/** A self-contained HTML page (no scripts, no external assets) for one simulation. */
export function renderScheduleHtml(result: SimulationResult, options: { title: string; trace: string; gpus: number }): string {
  const series = result.series;
  const w = 800;
  const ht = 160;
  const t0 = series[0]?.timeMs ?? 0;
  const t1 = series.at(-1)?.timeMs ?? 1;
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * w;
  const line = (f: (p: (typeof series)[number]) => number, max: number) => series.map((p, i) => `${i ? 'L' : 'M'}${x(p.timeMs).toFixed(1)},${(ht - (f(p) / Math.max(1e-9, max)) * ht).toFixed(1)}`).join('');
  const maxPending = Math.max(1, ...series.map((p) => p.pendingJobs));
  const queues = [...result.perQueue]
    .sort((a, b) => b.gpuHours - a.gpuHours)
    .map((q) => `<tr><td>${esc(q.queue)}</td><td class="num">${q.jobs}</td><td class="num">${q.completed}</td><td class="num">${h(q.jctMs.mean)}</td><td class="num">${h(q.queueingDelayMs.mean)}</td><td class="num">${q.finishTimeFairness.mean.toFixed(2)}</td><td class="num">${q.gpuHours.toFixed(1)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(options.title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px}.card b{display:block;font-size:18px}</style>
</head><body>
<h1>${esc(options.title)}</h1>
<p>Trace ${esc(options.trace)} · ${result.jobs} jobs · ${options.gpus} GPUs · policy ${esc(result.policy.ordering)} (placement ${esc(result.policy.placement)}, backfill ${esc(result.policy.backfill)}, preemption ${result.policy.preemption ? 'on' : 'off'})</p>
<div class="cards">
<div class="card">mean JCT<b>${h(result.jctMs.mean)} h</b></div>
<div class="card">p99 JCT<b>${h(result.jctMs.p99)} h</b></div>
<div class="card">mean queueing<b>${h(result.queueingDelayMs.mean)} h</b></div>
<div class="card">GPU allocation<b>${(result.meanAllocationRate * 100).toFixed(1)}%</b></div>
<div class="card">preemptions<b>${result.preemptions}</b></div>
<div class="card">completed<b>${result.completed} / ${result.jobs}</b></div>
</div>
<h2>Allocation (blue, 0-100%) and pending jobs (orange, 0-${maxPending})</h2>
<svg width="${w}" height="${ht}" viewBox="0 0 ${w} ${ht}" role="img" aria-label="allocation over time"><rect width="${w}" height="${ht}" fill="#fafafa"/><path d="${line((p) => p.allocationRate, 1)}" fill="none" stroke="#2b6cb0" stroke-width="1.5"/><path d="${line((p) => p.pendingJobs, maxPending)}" fill="none" stroke="#dd6b20" stroke-width="1"/></svg>
<h2>Queues</h2>
<table><thead><tr><th>queue</th><th>jobs</th><th>completed</th><th>mean JCT h</th><th>mean queueing h</th><th>fairness ρ</th><th>GPU-hours</th></tr></thead><tbody>${queues}</tbody></table>
</body></html>
`;
}

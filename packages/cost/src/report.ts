import type { PredictionCosts } from './prediction-costs.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { IDLE_GROUP, OTHER_GROUP, groupCosts, groupKey } from './aggregate-costs.js';
import type { AggregationWindow } from './aggregate-costs.js';
import type { BudgetStatus } from './budgets.js';
import { categoryAt, readCostTable } from './cost-table.js';
import { spotSavings } from './spot-savings.js';

/** Options for {@link renderCostReport} and {@link renderCostTable}. */
export interface CostReportOptions {
  /** Group key for the breakdown (a label such as `team`, or a dimension). Default `team`. */
  groupBy?: string;
  /** Report title. Default `Cost report`. */
  title?: string;
  /** Time bucket of the spend chart. Default: `day` when the range exceeds 2 days, else `hour`. */
  window?: Exclude<AggregationWindow, 'all'>;
  /** Groups shown by name; the rest are merged into `__other__`. Default 8. */
  top?: number;
  /** Budget statuses (from `evaluateBudgets`) to show as progress bars. */
  budgets?: readonly BudgetStatus[];
  /** Serving cost per model version and team (from `costOfPredictions`), shown as tables. */
  predictions?: PredictionCosts;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const IDLE_COLOR = '#d3d3d3';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function money(micros: number, currency: string): string {
  const v = micros / 1e6;
  const text = Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : v.toFixed(2);
  return `${text} ${currency}`;
}

interface Summary {
  currency: string;
  start: number;
  end: number;
  window: Exclude<AggregationWindow, 'all'>;
  groups: { name: string; micros: number }[];
  buckets: number[];
  series: Map<string, Float64Array>;
  total: number;
  idle: number;
  byResource: { kind: string; allocated: number; idle: number }[];
}

function summarize(costs: ArrowTableLike, options: CostReportOptions): Summary {
  const cols = readCostTable(costs);
  const groupBy = options.groupBy ?? (cols.labels.some((l) => l.key === 'team') ? 'team' : 'node');
  let start = Infinity;
  let end = -Infinity;
  let total = 0;
  let idle = 0;
  const res = new Map<string, { allocated: number; idle: number }>();
  for (let i = 0; i < cols.n; i++) {
    start = Math.min(start, cols.windowStart[i]!);
    end = Math.max(end, cols.windowEnd[i]!);
    const t = cols.totalMicros[i]!;
    total += t;
    const isIdle = categoryAt(cols.allocation, i) === 'idle';
    if (isIdle) idle += t;
    const kind = categoryAt(cols.resourceKind, i) ?? '?';
    const r = res.get(kind) ?? { allocated: 0, idle: 0 };
    if (isIdle) r.idle += t;
    else r.allocated += t;
    res.set(kind, r);
  }
  const window = options.window ?? (end - start > 2 * 86_400_000 ? 'day' : 'hour');
  const totals = groupCosts(cols, [groupBy], 'all');
  const ranked = Array.from({ length: totals.count }, (_, g) => ({ name: groupKey(totals, g, 0), micros: totals.totalMicros[g]! }))
    .filter((g) => g.name !== IDLE_GROUP)
    .sort((a, b) => b.micros - a.micros);
  const top = options.top ?? 8;
  const shown = ranked.slice(0, top);
  const rest = ranked.slice(top);
  if (rest.length) shown.push({ name: OTHER_GROUP, micros: rest.reduce((s, g) => s + g.micros, 0) });
  const idleTotal = totals.count ? Array.from({ length: totals.count }, (_, g) => g).filter((g) => groupKey(totals, g, 0) === IDLE_GROUP).reduce((s, g) => s + totals.totalMicros[g]!, 0) : 0;
  if (idleTotal) shown.push({ name: IDLE_GROUP, micros: idleTotal });
  const timed = groupCosts(cols, [groupBy], window);
  const buckets = [...new Set(Array.from(timed.windowStart.subarray(0, timed.count)))].sort((a, b) => a - b);
  const bucketIndex = new Map(buckets.map((b, k) => [b, k]));
  const names = new Set(shown.map((g) => g.name));
  const series = new Map<string, Float64Array>(shown.map((g) => [g.name, new Float64Array(buckets.length)]));
  for (let g = 0; g < timed.count; g++) {
    let name = groupKey(timed, g, 0);
    if (!names.has(name)) name = OTHER_GROUP;
    series.get(name)![bucketIndex.get(timed.windowStart[g]!)!]! += timed.totalMicros[g]!;
  }
  return {
    currency: cols.meta?.currency ?? 'USD',
    start,
    end,
    window,
    groups: shown,
    buckets,
    series,
    total,
    idle,
    byResource: [...res].map(([kind, v]) => ({ kind, ...v })),
  };
}

function stackedBars(s: Summary): string {
  const W = 880;
  const H = 300;
  const left = 70;
  const bottom = 40;
  const plotW = W - left - 20;
  const plotH = H - bottom - 20;
  const sums = s.buckets.map((_, k) => s.groups.reduce((acc, g) => acc + s.series.get(g.name)![k]!, 0));
  const max = Math.max(1, ...sums);
  const bw = plotW / Math.max(1, s.buckets.length);
  const parts: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const y = 20 + plotH - (plotH * t) / 4;
    parts.push(`<line x1="${left}" x2="${W - 20}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#555">${esc(money((max * t) / 4, ''))}</text>`);
  }
  s.buckets.forEach((b, k) => {
    let y = 20 + plotH;
    s.groups.forEach((g, gi) => {
      const v = s.series.get(g.name)![k]!;
      if (v <= 0) return;
      const h = (v / max) * plotH;
      y -= h;
      const color = g.name === IDLE_GROUP ? IDLE_COLOR : PALETTE[gi % PALETTE.length];
      parts.push(`<rect x="${(left + k * bw + bw * 0.1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${esc(g.name)} ${esc(new Date(b).toISOString())}: ${esc(money(v, s.currency))}</title></rect>`);
    });
    const every = Math.ceil(s.buckets.length / 12);
    if (k % every === 0) {
      const label = s.window === 'hour' ? new Date(b).toISOString().slice(5, 16).replace('T', ' ') : new Date(b).toISOString().slice(0, 10);
      parts.push(`<text x="${(left + k * bw + bw / 2).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle" font-size="10" fill="#555">${label}</text>`);
    }
  });
  const legend = s.groups
    .map((g, gi) => `<span class="key"><i style="background:${g.name === IDLE_GROUP ? IDLE_COLOR : PALETTE[gi % PALETTE.length]}"></i>${esc(g.name)} — ${esc(money(g.micros, s.currency))}</span>`)
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Spend by group over time">${parts.join('')}</svg><div class="legend">${legend}</div>`;
}

function hbar(label: string, parts: { value: number; color: string; title: string }[], total: number, note: string): string {
  const W = 520;
  let x = 0;
  const rects = parts
    .map((p) => {
      const w = total > 0 ? (p.value / total) * W : 0;
      const r = `<rect x="${x.toFixed(1)}" y="0" width="${Math.max(0, w).toFixed(1)}" height="18" fill="${p.color}"><title>${esc(p.title)}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  return `<div class="row"><span class="lbl">${esc(label)}</span><svg width="${W}" height="18" viewBox="0 0 ${W} 18"><rect width="${W}" height="18" fill="#f4f4f4"/>${rects}</svg><span class="note">${esc(note)}</span></div>`;
}

function predictionTables(p: PredictionCosts, currency: string): string {
  const num = (x: unknown, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
  const versions = p.byVersion
    .toArray()
    .map((r) => r as Record<string, unknown>)
    .map(
      (r) =>
        `<tr><td>${esc(String(r.model_name))}</td><td>${esc(String(r.model_version))}</td><td>${esc(String(r.team ?? ''))}</td><td class="num">${num(r.predictions, 0)}</td>` +
        `<td class="num">${num(r.mean_latency_ms, 1)}</td><td class="num">${esc(money(Number(r.cost_micros), currency))}</td><td class="num">${num(r.cost_per_1000, 4)}</td></tr>`,
    )
    .join('');
  const teams = p.byTeam
    .toArray()
    .map((r) => r as Record<string, unknown>)
    .map((r) => `<tr><td>${esc(String(r.team))}</td><td class="num">${num(r.predictions, 0)}</td><td class="num">${esc(money(Number(r.cost_micros), currency))}</td><td class="num">${num(r.cost_per_1000, 4)}</td></tr>`)
    .join('');
  return (
    `<table><thead><tr><th>model</th><th>version</th><th>team</th><th class="num">predictions</th><th class="num">mean latency ms</th><th class="num">cost</th><th class="num">per 1,000</th></tr></thead><tbody>${versions}</tbody></table>` +
    `<h2>Cost per 1,000 predictions by team</h2><table><thead><tr><th>team</th><th class="num">predictions</th><th class="num">cost</th><th class="num">per 1,000</th></tr></thead><tbody>${teams}</tbody></table>`
  );
}

function budgetBar(b: BudgetStatus, currency: string): string {
  const W = 520;
  const scale = Math.max(b.amount, b.forecast, b.spend) * 1.05;
  const sx = (v: number) => ((v / scale) * W).toFixed(1);
  const color = b.status === 'over' ? '#e15759' : b.status === 'at-risk' ? '#f28e2b' : '#59a14f';
  return (
    `<div class="row"><span class="lbl">${esc(b.name)}</span><svg width="${W}" height="22" viewBox="0 0 ${W} 22">` +
    `<rect width="${W}" height="22" fill="#f4f4f4"/><rect width="${sx(b.forecast)}" height="22" fill="${color}" opacity="0.3"><title>forecast ${esc(money(b.forecast * 1e6, currency))}</title></rect>` +
    `<rect width="${sx(b.spend)}" height="22" fill="${color}"><title>spent ${esc(money(b.spend * 1e6, currency))}</title></rect>` +
    `<line x1="${sx(b.amount)}" x2="${sx(b.amount)}" y1="0" y2="22" stroke="#222" stroke-width="2"/></svg>` +
    `<span class="note">${esc(b.status)} · spent ${esc(money(b.spend * 1e6, currency))} of ${esc(money(b.amount * 1e6, currency))}, forecast ${esc(money(b.forecast * 1e6, currency))}</span></div>`
  );
}

/**
 * A self-contained HTML cost report (no scripts, no external assets; charts are inline SVG):
 * totals, spend by group over time (stacked bars, idle in grey), allocated vs idle per resource,
 * spot savings, budgets, and a table of groups.
 */
export function renderCostReport(costs: ArrowTableLike, options: CostReportOptions = {}): string {
  const s = summarize(costs, options);
  const title = options.title ?? 'Cost report';
  const savings = spotSavings(costs);
  const saved = savings.reduce((acc, r) => acc + r.savingsMicros, 0);
  const spot = savings.reduce((acc, r) => acc + r.costMicros, 0);
  const resources = s.byResource
    .map((r) =>
      hbar(
        r.kind,
        [
          { value: r.allocated, color: PALETTE[0]!, title: `allocated ${money(r.allocated, s.currency)}` },
          { value: r.idle, color: IDLE_COLOR, title: `idle ${money(r.idle, s.currency)}` },
        ],
        r.allocated + r.idle,
        `${money(r.allocated + r.idle, s.currency)} · idle ${r.allocated + r.idle > 0 ? ((r.idle / (r.allocated + r.idle)) * 100).toFixed(1) : '0.0'}%`,
      ),
    )
    .join('');
  const spotHtml = spot
    ? hbar(
        'spot',
        [
          { value: spot, color: PALETTE[2]!, title: `paid ${money(spot, s.currency)}` },
          { value: saved, color: '#cde8c8', title: `saved ${money(saved, s.currency)}` },
        ],
        spot + saved,
        `paid ${money(spot, s.currency)}, on demand would be ${money(spot + saved, s.currency)}: saved ${money(saved, s.currency)}`,
      )
    : '<p class="muted">No spot usage in this period.</p>';
  const budgets = options.budgets?.length ? options.budgets.map((b) => budgetBar(b, s.currency)).join('') : '<p class="muted">No budgets given.</p>';
  const rows = s.groups
    .map((g) => `<tr><td>${esc(g.name)}</td><td class="num">${esc(money(g.micros, s.currency))}</td><td class="num">${s.total ? ((g.micros / s.total) * 100).toFixed(1) : '0.0'}%</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:960px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:#777}.cards{display:flex;gap:12px;margin:12px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px}.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;margin-top:4px}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.row{display:flex;align-items:center;gap:10px;margin:4px 0}.lbl{width:90px;font-weight:600}.note{font-size:12px;color:#555}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>${esc(title)}</h1>
<div class="muted">${esc(new Date(s.start).toISOString())} — ${esc(new Date(s.end).toISOString())} · ${esc(s.currency)}</div>
<div class="cards"><div class="card">Total<b>${esc(money(s.total, s.currency))}</b></div>
<div class="card">Idle<b>${s.total ? ((s.idle / s.total) * 100).toFixed(1) : '0.0'}%</b>${esc(money(s.idle, s.currency))}</div>
<div class="card">Spot savings<b>${esc(money(saved, s.currency))}</b></div></div>
<h2>Spend by ${esc(options.groupBy ?? 'group')} per ${esc(s.window)}</h2>
${stackedBars(s)}
<h2>Allocated and idle by resource</h2>
${resources}
<h2>Spot savings</h2>
${spotHtml}
<h2>Budgets</h2>
${budgets}
${options.predictions ? `<h2>Cost per 1,000 predictions by model version</h2>\n${predictionTables(options.predictions, s.currency)}` : ''}
<h2>Groups</h2>
<table><thead><tr><th>${esc(options.groupBy ?? 'group')}</th><th class="num">cost</th><th class="num">share</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}

/** A plain-text table of cost by group (for terminals): group, cost, share, and a bar. */
export function renderCostTable(costs: ArrowTableLike, options: Omit<CostReportOptions, 'budgets' | 'window'> = {}): string {
  const s = summarize(costs, { ...options, window: 'day' });
  const head = options.groupBy ?? 'group';
  const nameW = Math.max(head.length, ...s.groups.map((g) => g.name.length));
  const cost = s.groups.map((g) => money(g.micros, s.currency));
  const costW = Math.max(4, ...cost.map((c) => c.length));
  const lines = [`${head.padEnd(nameW)}  ${'cost'.padStart(costW)}   share`, `${'-'.repeat(nameW)}  ${'-'.repeat(costW)}  ------`];
  s.groups.forEach((g, k) => {
    const share = s.total ? g.micros / s.total : 0;
    lines.push(`${g.name.padEnd(nameW)}  ${cost[k]!.padStart(costW)}  ${(share * 100).toFixed(1).padStart(5)}%  ${'#'.repeat(Math.round(share * 30))}`);
  });
  lines.push(`${'total'.padEnd(nameW)}  ${money(s.total, s.currency).padStart(costW)}`);
  return `${lines.join('\n')}\n`;
}

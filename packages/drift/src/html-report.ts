import { InvalidArgumentError } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-like.js';
import { isArrowTableLike } from './arrow-like.js';
import type { ColumnDrift, DriftReport } from './compare.js';
import type { DataQualityProblem } from './data-quality.js';
import type { DriftMonitorReport } from './drift-monitor.js';
import type { Profile } from './profile.js';
import { isProfile, profile as profileTable } from './profile.js';
import type { ColumnDistribution } from './report-distributions.js';
import { distributionsOf } from './report-distributions.js';

/** Options for {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title and heading. Default "Drift report". */
  readonly title?: string;
  /**
   * For `compare()` reports (which carry no distributions): the reference and current data, as
   * tables or profiles, to draw each column's distributions. Monitor reports carry their own.
   */
  readonly reference?: ArrowTableLike | Profile;
  /** See `reference`. */
  readonly current?: ArrowTableLike | Profile;
}

const CHART_W = 320;
const CHART_H = 90;

function esc(v: unknown): string {
  return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
  return Number(v.toFixed(digits)).toString();
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

// One step-line path per series (a few hundred bytes), so 100 columns stay far below 300 KB.
function stepPath(shares: readonly number[], max: number): string {
  const w = CHART_W / shares.length;
  let d = `M0 ${CHART_H}`;
  shares.forEach((s, i) => {
    const y = Math.round(CHART_H - (s / max) * (CHART_H - 4));
    d += `V${y}H${Math.round((i + 1) * w)}`;
  });
  return `${d}V${CHART_H}`;
}

function chart(name: string, d: ColumnDistribution): string {
  const max = Math.max(1e-9, ...d.reference, ...d.current);
  const label = `Distribution of ${name}: reference (grey) vs current (blue)`;
  if (d.kind === 'numeric') {
    return `<svg class="chart" viewBox="0 0 ${CHART_W} ${CHART_H + 14}" width="${CHART_W}" height="${CHART_H + 14}" role="img" aria-label="${esc(label)}">` +
      `<path class="ref" d="${stepPath(d.reference, max)}"/><path class="cur" d="${stepPath(d.current, max)}"/>` +
      `<text x="0" y="${CHART_H + 12}">${esc(num(d.edges[0]))}</text><text x="${CHART_W}" y="${CHART_H + 12}" text-anchor="end">${esc(num(d.edges[d.edges.length - 1]))}</text></svg>`;
  }
  const n = d.categories.length;
  const rowH = 14;
  const h = n * rowH;
  const barW = CHART_W - 110;
  let body = '';
  d.categories.forEach((c, i) => {
    const y = i * rowH;
    const rw = Math.round((d.reference[i]! / max) * barW);
    const cw = Math.round((d.current[i]! / max) * barW);
    body += `<text x="104" y="${y + 10}" text-anchor="end">${esc(c.length > 16 ? `${c.slice(0, 15)}…` : c)}</text><rect class="ref" x="108" y="${y + 1}" width="${rw}" height="5"/><rect class="cur" x="108" y="${y + 7}" width="${cw}" height="5"/>`;
  });
  return `<svg class="chart" viewBox="0 0 ${CHART_W} ${h}" width="${CHART_W}" height="${h}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

function columnSection(c: ColumnDrift, d: ColumnDistribution | undefined, quality: readonly DataQualityProblem[]): string {
  const verdict = c.status === 'insufficient_data' ? 'insufficient data' : c.drifted ? 'drifted' : 'no drift';
  const cls = c.status === 'insufficient_data' ? 'insufficient' : c.drifted ? 'drifted' : 'ok';
  const rule = c.pValue !== null ? `p-value ${num(c.pValue)} ${c.drifted ? '<' : '≥'} ${num(c.threshold)}` : `statistic ${num(c.statistic)} ${c.drifted ? '≥' : '<'} ${num(c.threshold)}`;
  return `<section class="col ${cls}" id="col-${esc(c.column)}" data-column="${esc(c.column)}" data-drifted="${c.drifted}">` +
    `<h3>${esc(c.column)} <span class="badge">${verdict}</span></h3>` +
    `<dl><dt>method</dt><dd>${esc(c.method)} (${c.columnType})</dd><dt>statistic</dt><dd>${num(c.statistic)}${c.errorBound !== undefined ? ` ± ${num(c.errorBound)}` : ''}</dd>` +
    `<dt>threshold</dt><dd>${num(c.threshold)}</dd><dt>p-value</dt><dd>${num(c.pValue)}</dd><dt>rule</dt><dd>${rule}</dd>` +
    `<dt>values</dt><dd>${c.referenceSize} reference, ${c.currentSize} current${c.estimate ? ' (estimated from sketches)' : ''}</dd></dl>` +
    (d ? chart(c.column, d) : '') +
    (quality.length ? `<ul class="dq">${quality.map((p) => `<li class="${p.severity}">${esc(p.check)}: ${esc(p.message)}</li>`).join('')}</ul>` : '') +
    `</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24;max-width:1100px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:0 0 6px}
#summary{border:2px solid #2da44e;border-radius:6px;padding:12px 16px;background:#f6fff8}
#summary.drift{border-color:#cf222e;background:#fff6f6}.verdict{font-size:18px;font-weight:600}
table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.cols{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.col{border:1px solid #d0d7de;border-radius:6px;padding:10px}.col.drifted{border-color:#cf222e;border-width:2px}
.col.insufficient{border-style:dashed}.badge{font-size:12px;padding:1px 6px;border-radius:10px;background:#eaeef2}
.drifted .badge{background:#cf222e;color:#fff}dl{display:grid;grid-template-columns:auto 1fr;gap:0 8px;margin:0 0 6px;font-size:13px}
dt{color:#57606a}dd{margin:0}.chart{display:block;margin-top:4px}.chart text{font-size:10px;fill:#57606a}
.chart .ref{fill:#8c959f;stroke:#8c959f;fill-opacity:.35}.chart .cur{fill:none;stroke:#0969da;stroke-width:1.5}
.chart rect.cur{fill:#0969da}.error{color:#cf222e}.warning{color:#9a6700}.info{color:#57606a}ul.dq{margin:4px 0 0;padding-left:18px;font-size:12px}`;

/**
 * Renders a drift report (from `compare()` or a monitor) as one self-contained HTML page: the
 * dataset verdict, drifted columns and data-quality problems at the top, then one section per
 * column (drifted first) with the statistic, threshold, p-value and an inline SVG of the
 * reference vs current distribution. No scripts, fonts or external requests; readable without
 * JavaScript; about 2 KB per column.
 */
export function renderHtmlReport(report: DriftReport | DriftMonitorReport, options: HtmlReportOptions = {}): string {
  if (typeof report !== 'object' || report === null || !Array.isArray(report.columns)) throw new InvalidArgumentError('renderHtmlReport expects a drift report from compare() or a monitor.');
  const title = options.title ?? 'Drift report';
  const m = report as Partial<DriftMonitorReport>;
  let distributions: Readonly<Record<string, ColumnDistribution>> = m.distributions ?? {};
  if (!m.distributions && options.reference && options.current) {
    const toProfile = (v: ArrowTableLike | Profile): Profile => (isProfile(v) ? v : isArrowTableLike(v) ? profileTable(v) : (() => { throw new InvalidArgumentError('Expected options.reference and options.current to be Arrow tables or profiles.'); })());
    distributions = distributionsOf(toProfile(options.reference), toProfile(options.current), report.columns.map((c) => c.column));
  }
  const quality = m.quality?.problems ?? [];
  const order = (c: ColumnDrift): number => (c.drifted ? 0 : c.status === 'insufficient_data' ? 1 : 2);
  const columns = [...report.columns].sort((a, b) => order(a) - order(b));
  const drifted = columns.filter((c) => c.drifted);
  const insufficient = columns.filter((c) => c.status === 'insufficient_data');
  const counts = { error: 0, warning: 0, info: 0 };
  for (const p of quality) counts[p.severity]++;
  const w = m.window;
  const summary = `<section id="summary" class="${report.datasetDrift ? 'drift' : 'ok'}">` +
    `<div class="verdict">${report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}</div>` +
    `<p>${report.driftedColumns} of ${report.comparedColumns} compared columns drifted (${pct(report.driftedShare)}; dataset drift at ≥ ${pct(report.datasetDriftShare)})` +
    `${insufficient.length ? `; ${insufficient.length} without enough data` : ''}${report.estimate ? '; some statistics estimated from sketches' : ''}.</p>` +
    (w ? `<p>Window ${w.index} (${w.kind}${w.partial ? ', partial' : ''}): ${w.rows} rows, ${w.badRows} bad rows, ${esc(new Date(w.startMs).toISOString())} – ${esc(new Date(w.endMs).toISOString())}.</p>` : '') +
    `<p id="drifted-columns"><strong>Drifted columns:</strong> ${drifted.length ? drifted.map((c) => `<a href="#col-${esc(c.column)}">${esc(c.column)}</a>`).join(', ') : 'none'}</p>` +
    (m.quality ? `<p id="quality-summary"><strong>Data quality:</strong> ${counts.error} errors, ${counts.warning} warnings, ${counts.info} notes.</p>` : '') +
    `</section>`;
  const qualityTable = quality.length
    ? `<h2>Data-quality problems</h2><table id="quality"><tr><th>severity</th><th>column</th><th>check</th><th>value</th><th>threshold</th><th>details</th></tr>${quality
        .map((p) => `<tr class="${p.severity}"><td>${p.severity}</td><td>${esc(p.column)}</td><td>${esc(p.check)}</td><td>${num(p.value)}</td><td>${num(p.threshold)}</td><td>${esc(p.message)}</td></tr>`)
        .join('')}</table>`
    : '';
  const problems = report.problems.filter((p) => p.problem !== 'insufficient_data');
  const problemList = problems.length ? `<h2>Columns not compared</h2><ul id="problems">${problems.map((p) => `<li>${esc(p.column)}: ${esc(p.message)}</li>`).join('')}</ul>` : '';
  const byColumn = new Map<string, DataQualityProblem[]>();
  for (const p of quality) byColumn.set(p.column, [...(byColumn.get(p.column) ?? []), p]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${summary}${qualityTable}${problemList}` +
    `<h2>Columns</h2><div class="cols">${columns.map((c) => columnSection(c, distributions[c.column], byColumn.get(c.column) ?? [])).join('')}</div>` +
    `<p class="info">@mlops/drift report, format mlops-drift-report/v1. Grey: reference; blue: current.</p></body></html>\n`;
}

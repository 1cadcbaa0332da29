import type { DriftReport } from '@mlops/drift';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null) => (x === null ? '—' : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

/**
 * A self-contained HTML page for a drift report: no scripts, no external assets.
 * Used until @mlops/drift's own HTML report is available.
 */
export function renderDriftHtml(report: DriftReport, options: { title?: string; reference?: string; current?: string; generatedAt?: number } = {}): string {
  const title = options.title ?? 'Drift report';
  const rows = report.columns
    .map(
      (c) =>
        `<tr class="${c.drifted ? 'drift' : ''}"><td>${esc(c.column)}</td><td>${c.columnType}</td><td>${c.method}</td><td class="num">${num(c.statistic)}</td><td class="num">${num(c.pValue)}</td><td class="num">${num(c.threshold)}</td><td>${c.status === 'insufficient_data' ? 'insufficient data' : c.drifted ? '<b>drifted</b>' : 'ok'}</td><td class="num">${c.referenceSize}</td><td class="num">${c.currentSize}</td></tr>`,
    )
    .join('\n');
  const problems = report.problems.length ? `<h2>Not compared</h2><ul>${report.problems.map((p) => `<li>${esc(JSON.stringify(p))}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}tr.drift td{background:#fdecea}.verdict{font-size:18px;margin:8px 0}</style>
</head><body>
<h1>${esc(title)}</h1>
<p class="verdict">${report.datasetDrift ? '<b>Dataset drift detected</b>' : 'No dataset drift'}: ${report.driftedColumns} of ${report.comparedColumns} columns drifted (share ${report.driftedShare.toFixed(2)}, threshold ${report.datasetDriftShare})${report.estimate ? ' · estimated from sketches' : ''}</p>
${options.reference ? `<p>Reference: ${esc(options.reference)}<br>Current: ${esc(options.current ?? '')}</p>` : ''}
<table><thead><tr><th>column</th><th>type</th><th>method</th><th>statistic</th><th>p-value</th><th>threshold</th><th>verdict</th><th>reference n</th><th>current n</th></tr></thead><tbody>
${rows}
</tbody></table>
${problems}
${options.generatedAt !== undefined ? `<p style="color:#777">Generated ${new Date(options.generatedAt).toISOString()}</p>` : ''}
</body></html>
`;
}

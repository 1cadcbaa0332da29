import type { DriftReport } from '@mlops/drift';
import type { PlatformFlowResult } from './platform-flow.js';

function driftLines(title: string, report: DriftReport): string[] {
  const lines = [`${title}: dataset drift ${report.datasetDrift ? 'DETECTED' : 'not detected'} (${report.driftedColumns}/${report.comparedColumns} columns)`];
  for (const c of report.columns) {
    const value = c.pValue === null ? `stat ${c.statistic.toFixed(3)}` : `p ${c.pValue.toExponential(2)}`;
    lines.push(`    ${c.column.padEnd(10)} ${c.method.padEnd(18)} ${value.padEnd(14)} threshold ${c.threshold}  ${c.drifted ? 'drifted' : 'ok'}`);
  }
  return lines;
}

/** A short, readable summary of a {@link PlatformFlowResult}. */
export function formatSummary(r: PlatformFlowResult): string {
  const usd = (micros: number) => `$${(micros / 1e6).toFixed(2)}`;
  const partsMicros = r.gpu.teams.reduce((s, t) => s + t.costMicros, 0);
  return [
    '== registry',
    `  ${r.modelName}: versions ${r.registeredVersions.join(', ')}; champion history ${r.championHistory.join(' -> ')}; promotion ${r.promotion.promoted ? 'passed' : 'refused'} (${r.promotion.reasons.join('; ')})`,
    '== serving',
    `  reloads: ${r.reloads.map((e) => `${e.from ?? '(none)'} -> ${e.to}${e.ok ? '' : ' FAILED'}`).join(', ')}`,
    `  before promotion: ${r.before.requests} requests, ${r.before.rows} rows, versions ${JSON.stringify(r.before.versions)}, max |error| ${r.before.maxAbsError.toExponential(1)}`,
    `  during the swap:  ${r.during.requests} requests, ${r.during.failures} failed, versions ${JSON.stringify(r.during.versions)}, max |error| ${r.during.maxAbsError.toExponential(1)}`,
    `  after promotion:  ${r.after.requests} requests, ${r.after.rows} rows, versions ${JSON.stringify(r.after.versions)}, max |error| ${r.after.maxAbsError.toExponential(1)}`,
    '== prediction logs',
    `  ${r.logFiles} Arrow IPC files, rows per version ${JSON.stringify(r.logRows)}, all valid PredictionLog tables`,
    '== drift (reference = training data)',
    ...driftLines('  traffic before the promotion (unshifted)', r.driftUnshifted),
    ...driftLines('  traffic after the promotion (shifted)', r.driftShifted),
    '== drift, in-process monitor (per-version profiles vs. the reference profile stored with the model)',
    ...Object.entries(r.monitorDrift).map(([v, d]) => `  version ${v}: dataset drift ${d.datasetDrift ? 'DETECTED' : 'not detected'} (${d.driftedColumns}/${d.comparedColumns} columns, estimated from sketches: ${d.estimate})`),
    '== GPU jobs and cost per team',
    ...r.gpu.decisions.map((d) => `  ${d}`),
    ...r.gpu.teams.map((t) => `  ${t.team.padEnd(10)} ${usd(t.costMicros).padStart(10)}  ${t.gpuHours.toFixed(2).padStart(6)} GPU-h`),
    `  total ${usd(r.gpu.totalMicros)} = sum of teams ${usd(partsMicros)} = catalog price of the nodes ${usd(r.gpu.expectedNodeMicros)}`,
  ].join('\n');
}

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DriftMethod, Profile } from '@mlops/drift';
import type { Table } from 'apache-arrow';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { requireFile, readTableFile, tableFormatOf } from '../../cli/data-files.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { usageError } from '../../cli/usage-error.js';
import { formatTable, numberArg } from '../../cli/values.js';

function columnsArg(value: string | undefined): string[] | undefined {
  return value ? value.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
}

/** A data file (CSV, Parquet, Arrow IPC) or a saved profile (anything else is tried as one). */
async function loadSide(file: string, what: string): Promise<{ kind: 'table'; table: Table } | { kind: 'profile'; profile: Profile }> {
  if (tableFormatOf(file)) return { kind: 'table', table: await readTableFile(file, what) };
  await requireFile(file, what);
  const { deserializeProfile } = await import('@mlops/drift');
  return { kind: 'profile', profile: deserializeProfile(new Uint8Array(await readFile(file))) };
}

const profileCmd = leaf({
  meta: { name: 'profile', description: 'Profile a data file (CSV, Parquet, Arrow IPC) into a mergeable drift profile' },
  args: {
    data: { type: 'positional', description: 'Data file', required: true },
    output: { type: 'string', alias: 'o', description: 'Profile file to write', valueHint: 'file', required: true },
    columns: { type: 'string', description: 'Only these columns (comma-separated)', valueHint: 'a,b' },
  },
  async run(args, ctx) {
    const drift = await import('@mlops/drift');
    const file = path.resolve(ctx.cwd, args.data);
    const columns = columnsArg(args.columns);
    const options = columns ? { columns } : {};
    // Arrow IPC files are profiled with bounded memory; other formats are read whole.
    const p = tableFormatOf(file) === 'arrow' ? (await requireFile(file, 'Data file'), await drift.profileIpcFile(file, options)) : drift.profile(await readTableFile(file), options);
    const out = path.resolve(ctx.cwd, args.output);
    await writeFile(out, drift.serializeProfile(p));
    const cols = [...p.columns.keys()];
    if (ctx.json) return ctx.outJson({ profile: out, rows: p.rowCount, columns: cols });
    ctx.out(`profiled ${p.rowCount} rows, ${cols.length} columns (${cols.join(', ')}) -> ${args.output}`);
  },
});

const report = leaf({
  meta: { name: 'report', description: 'Compare current data with a reference (data or profile); --fail-on-drift exits 3 on dataset drift' },
  args: {
    reference: { type: 'string', description: 'Reference data file or profile', valueHint: 'file', required: true },
    current: { type: 'string', description: 'Current data file or profile', valueHint: 'file', required: true },
    html: { type: 'string', description: 'Also write an HTML report', valueHint: 'file' },
    'fail-on-drift': { type: 'boolean', description: 'Exit 3 when dataset drift is detected' },
    columns: { type: 'string', description: 'Only these columns (comma-separated)', valueHint: 'a,b' },
    method: { type: 'string', description: 'Method for numerical columns: ks, psi, wasserstein, jensen_shannon, ... (default: chosen per column as Evidently does)', valueHint: 'name' },
    threshold: { type: 'string', description: 'Threshold for every column (p-value for tests, distance otherwise)', valueHint: 'x' },
    'drift-share': { type: 'string', description: 'Dataset drift when at least this share of columns drifted (default 0.5)', valueHint: '0..1' },
  },
  async run(args, ctx) {
    const drift = await import('@mlops/drift');
    const ref = await loadSide(path.resolve(ctx.cwd, args.reference), 'Reference');
    const cur = await loadSide(path.resolve(ctx.cwd, args.current), 'Current');
    const threshold = numberArg(args.threshold, '--threshold');
    const share = numberArg(args['drift-share'], '--drift-share');
    if (share !== undefined && (share <= 0 || share > 1)) throw usageError(`--drift-share: expected a share in (0, 1], found ${share}.`);
    if (args.method && !(args.method in drift.DEFAULT_THRESHOLDS)) throw usageError(`--method: expected one of ${Object.keys(drift.DEFAULT_THRESHOLDS).join(', ')}, found "${args.method}".`);
    const columns = columnsArg(args.columns);
    const result = drift.compare(ref.kind === 'table' ? ref.table : ref.profile, cur.kind === 'table' ? cur.table : cur.profile, {
      ...(columns ? { columns } : {}),
      ...(args.method ? { numericalMethod: args.method as DriftMethod } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
      ...(share !== undefined ? { datasetDriftShare: share } : {}),
    });
    if (args.html) {
      const sides = { reference: ref.kind === 'table' ? ref.table : ref.profile, current: cur.kind === 'table' ? cur.table : cur.profile };
      await writeFile(path.resolve(ctx.cwd, args.html), drift.renderHtmlReport(result, { title: `Drift: ${path.basename(args.current)} vs ${path.basename(args.reference)}`, ...sides }));
    }
    if (ctx.json) ctx.outJson({ ...drift.driftReportToJSON(result), ...(args.html ? { html: path.resolve(ctx.cwd, args.html) } : {}) });
    else {
      ctx.out(
        formatTable(
          ['COLUMN', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFT'],
          result.columns.map((c) => [c.column, c.method, c.statistic.toPrecision(4), c.pValue === null ? '-' : c.pValue.toPrecision(3), String(c.threshold), c.status === 'insufficient_data' ? 'n/a' : c.drifted ? 'DRIFT' : 'ok']),
        ),
      );
      for (const p of result.problems) ctx.out(`not compared: ${JSON.stringify(p)}`);
      ctx.out(`${result.datasetDrift ? 'dataset drift' : 'no dataset drift'}: ${result.driftedColumns} of ${result.comparedColumns} columns drifted${args.html ? `; report: ${args.html}` : ''}`);
    }
    return args['fail-on-drift'] && result.datasetDrift ? ExitCode.ConditionMet : ExitCode.Ok;
  },
});

/** The `mlops drift ...` commands. */
export const driftCommands: Record<string, MlopsCommand> = { profile: profileCmd, report };

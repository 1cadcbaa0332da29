import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AssetSpec, Budget, PriceCatalog } from '@mlops/cost';
import type { Table } from 'apache-arrow';
import { leaf } from '../../cli/command.js';
import type { MlopsCommand } from '../../cli/command.js';
import { readTableFile, requireFile, tableFormatOf } from '../../cli/data-files.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { usageError } from '../../cli/usage-error.js';
import { allValues, formatTable } from '../../cli/values.js';

/** Node price entirely on its GPUs: usage that records only GPUs (traces) leaves no CPU/memory share idle. */
export const GPU_ONLY = { weights: { gpu: 1, cpu: 0, memory: 0 }, id: 'gpu-only' } as const;

/** `--prices catalog.csv` (SkyPilot layout) or the sample catalog shipped with @mlops/cost. */
async function priceCatalog(file: string | undefined, cwd: string): Promise<PriceCatalog> {
  const cost = await import('@mlops/cost');
  if (!file) return cost.samplePriceCatalog();
  const full = path.resolve(cwd, file);
  await requireFile(full, 'Price catalog');
  return cost.loadPriceCatalog(await readFile(full, 'utf8'), { source: file });
}

/** `--budget ads=500` (rows of group `ads`) or `--budget total=2000` (every row); amounts per --budget-period. */
function budgets(values: readonly string[], groupBy: string, period: 'day' | 'week' | 'month'): Budget[] {
  return values.map((v) => {
    const at = v.lastIndexOf('=');
    const name = at > 0 ? v.slice(0, at) : '';
    const amount = Number(v.slice(at + 1));
    if (!name || !Number.isFinite(amount) || amount <= 0) throw usageError(`--budget "${v}": expected <${groupBy}>=<amount> (or total=<amount>), e.g. --budget ads=500.`);
    return { name, amount, period, ...(name === 'total' ? {} : { filter: { [groupBy]: name } }) };
  });
}

async function assetsFrom(file: string | undefined, cwd: string): Promise<AssetSpec[] | undefined> {
  if (!file) return undefined;
  const full = path.resolve(cwd, file);
  await requireFile(full, 'Assets file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(full, 'utf8'));
  } catch (error) {
    throw usageError(`Assets file ${file}: not JSON (${(error as Error).message}); write it with mlops cost import-focus -o assets.json.`, error);
  }
  const assets = (parsed as { assets?: unknown }).assets ?? parsed;
  if (!Array.isArray(assets)) throw usageError(`Assets file ${file}: expected an array of assets (or { "assets": [...] }).`);
  return assets as AssetSpec[];
}

const report = leaf({
  meta: { name: 'report', description: 'Price a UsageRecord table (Arrow, Parquet, CSV) and break the cost down; exit 3 when a budget is exceeded' },
  args: {
    usage: { type: 'positional', description: 'UsageRecord file (.arrow, .parquet, .csv), e.g. from mlops schedule simulate --usage', required: true },
    'group-by': { type: 'string', description: 'Label or dimension to group by', default: 'team', valueHint: 'key' },
    prices: { type: 'string', description: 'Price catalog CSV in the SkyPilot layout (default: the sample catalog in @mlops/cost)', valueHint: 'file' },
    assets: { type: 'string', description: 'Nodes and their lifetimes as JSON (from mlops cost import-focus -o)', valueHint: 'file' },
    window: { type: 'enum', options: ['hour', 'day'], description: 'Attribution window', default: 'hour' },
    split: { type: 'enum', options: ['aws-split', 'opencost', 'gpu'], description: 'How a node price splits over GPU, CPU and memory (gpu: all on GPUs, for GPU-only usage such as traces)', default: 'aws-split' },
    html: { type: 'string', description: 'Write the HTML cost report', valueHint: 'file' },
    focus: { type: 'string', description: 'Write a FinOps FOCUS export (.csv or .parquet)', valueHint: 'file' },
    budget: { type: 'string', description: '<group>=<amount> or total=<amount>; repeatable', valueHint: 'name=amount' },
    'budget-period': { type: 'enum', options: ['day', 'week', 'month'], description: 'Period of --budget amounts', default: 'month' },
  },
  async run(args, ctx, raw) {
    const cost = await import('@mlops/cost');
    const usage = await readTableFile(path.resolve(ctx.cwd, args.usage), 'Usage file');
    const prices = await priceCatalog(args.prices, ctx.cwd);
    const assets = await assetsFrom(args.assets, ctx.cwd);
    const method = args.split === 'gpu' ? GPU_ONLY : (args.split as 'aws-split' | 'opencost');
    const costs = cost.attributeCosts({ usage, prices, method, window: args.window as 'hour' | 'day', ...(assets ? { assets } : {}) });
    return finishReport(costs, { ...args, budgets: budgets(allValues(raw, 'budget'), args['group-by'], args['budget-period'] as 'day' | 'week' | 'month') }, ctx);
  },
});

/** Prints, writes and gates a cost table: shared by `cost report` and the demo. */
export async function finishReport(
  costs: Table,
  args: { 'group-by': string; html?: string | undefined; focus?: string | undefined; budgets: Budget[] },
  ctx: { cwd: string; json: boolean; out(s: string): void; outJson(v: unknown): void },
): Promise<number> {
  const cost = await import('@mlops/cost');
  const groupBy = args['group-by'];
  const contracts = await import('@mlops/contracts');
  const byGroup = cost.aggregateCosts(costs, { groupBy: [groupBy] });
  const names = contracts.toStringArray(byGroup.getChild(groupBy)!, groupBy);
  const micros = contracts.readFloat64Column(byGroup, 'total_micros');
  const groups = names.map((name, i) => ({ [groupBy]: name ?? cost.NONE_GROUP, costUsd: micros[i]! / 1e6 })).sort((a, b) => b.costUsd - a.costUsd);
  const total = groups.reduce((s, g) => s + g.costUsd, 0);
  const idle = groups.filter((g) => g[groupBy] === cost.IDLE_GROUP).reduce((s, g) => s + g.costUsd, 0);
  const savings = cost.spotSavings(costs);
  const spot = { paidUsd: savings.reduce((s, r) => s + r.costMicros, 0) / 1e6, savedUsd: savings.reduce((s, r) => s + r.savingsMicros, 0) / 1e6 };
  const end = Math.max(...Array.from(contracts.readEpochMillisColumn(costs, 'window_end')));
  // Budgets are judged at the last instant the costs cover (window_end is exclusive: it already belongs to the next period).
  const evaluated = args.budgets.length ? cost.evaluateBudgets(costs, args.budgets, { now: end - 1 }) : { budgets: [], alerts: [] };
  if (args.html) await writeFile(path.resolve(ctx.cwd, args.html), cost.renderCostReport(costs, { groupBy, budgets: evaluated.budgets, title: `Cost by ${groupBy}` }));
  if (args.focus) {
    const focus = cost.toFocus(costs);
    const out = path.resolve(ctx.cwd, args.focus);
    const format = tableFormatOf(out);
    if (format === 'csv') await writeFile(out, cost.writeFocusCsv(focus));
    else if (format === 'parquet') await writeFile(out, await cost.writeFocusParquet(focus));
    else throw usageError(`--focus ${args.focus}: expected a .csv or .parquet file name.`);
  }
  const over = evaluated.budgets.filter((b) => b.status === 'over');
  if (ctx.json) {
    ctx.outJson({ totalUsd: total, idleUsd: idle, idleShare: total ? idle / total : 0, groupBy, groups, spot, budgets: evaluated.budgets.map((b) => ({ name: b.name, amount: b.amount, spend: b.spend, forecast: b.forecast, status: b.status })), alerts: evaluated.alerts, ...(args.html ? { html: path.resolve(ctx.cwd, args.html) } : {}), ...(args.focus ? { focus: path.resolve(ctx.cwd, args.focus) } : {}) });
  } else {
    ctx.out(cost.renderCostTable(costs, { groupBy }));
    ctx.out(`total $${total.toFixed(2)}; idle $${idle.toFixed(2)} (${total ? ((idle / total) * 100).toFixed(1) : '0.0'}%); spot paid $${spot.paidUsd.toFixed(2)}, saved $${spot.savedUsd.toFixed(2)} vs on-demand`);
    if (evaluated.budgets.length) ctx.out(formatTable(['BUDGET', 'AMOUNT', 'SPEND', 'FORECAST', 'STATUS'], evaluated.budgets.map((b) => [b.name, b.amount.toFixed(2), b.spend.toFixed(2), b.forecast.toFixed(2), b.status])));
    for (const a of evaluated.alerts) ctx.out(`alert ${a.kind}: ${a.message}`);
    if (args.html) ctx.out(`report: ${args.html}`);
    if (args.focus) ctx.out(`FOCUS export: ${args.focus}`);
  }
  return over.length ? ExitCode.ConditionMet : ExitCode.Ok;
}

const importFocus = leaf({
  meta: { name: 'import-focus', description: 'Read a FOCUS export (a cloud bill) as node assets for mlops cost report --assets' },
  args: {
    focus: { type: 'positional', description: 'FOCUS file (.csv or .parquet)', required: true },
    output: { type: 'string', alias: 'o', description: 'Write the assets as JSON', valueHint: 'file' },
  },
  async run(args, ctx) {
    const cost = await import('@mlops/cost');
    const table = await readTableFile(path.resolve(ctx.cwd, args.focus), 'FOCUS file');
    const result = cost.fromFocus(table);
    if (args.output) await writeFile(path.resolve(ctx.cwd, args.output), `${JSON.stringify({ currency: result.currency, assets: result.assets }, null, 2)}\n`);
    if (ctx.json) return ctx.outJson({ currency: result.currency, assets: result.assets.length, skipped: result.skipped, skippedByReason: result.skippedByReason, ...(args.output ? { output: path.resolve(ctx.cwd, args.output) } : {}) });
    ctx.out(`${result.assets.length} assets (${result.currency}), ${result.skipped} rows skipped${result.skipped ? ` (${JSON.stringify(result.skippedByReason)})` : ''}${args.output ? ` -> ${args.output}` : ''}`);
  },
});

const fromPrometheusCmd = leaf({
  meta: { name: 'from-prometheus', description: 'Read GPU/CPU/memory requests and usage from Prometheus (kube-state-metrics, cAdvisor, DCGM) into a UsageRecord file' },
  args: {
    url: { type: 'string', description: 'Prometheus base URL, e.g. http://prometheus:9090', valueHint: 'url', required: true },
    start: { type: 'string', description: 'From (ISO time or epoch ms)', valueHint: 'time', required: true },
    end: { type: 'string', description: 'To (default now)', valueHint: 'time' },
    step: { type: 'string', description: 'Resolution, e.g. 5m (default 5m)', default: '5m', valueHint: 'duration' },
    output: { type: 'string', alias: 'o', description: 'UsageRecord file to write (.arrow, .parquet, .csv)', valueHint: 'file', required: true },
  },
  async run(args, ctx) {
    const cost = await import('@mlops/cost');
    const time = (v: string, name: string) => {
      const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(ms)) throw usageError(`${name}: expected an ISO time or epoch milliseconds, found "${v}".`);
      return ms;
    };
    const out = path.resolve(ctx.cwd, args.output);
    if (!tableFormatOf(out)) throw usageError(`--output ${args.output}: expected a .arrow, .parquet or .csv file name.`);
    let stats = { queries: 0, series: 0, points: 0 };
    const usage = await cost.fromPrometheus({ url: args.url, start: time(args.start, '--start'), end: args.end ? time(args.end, '--end') : Date.now(), step: args.step, onStats: (s) => (stats = s) });
    const { writeTableFile } = await import('../../cli/data-files.js');
    await writeTableFile(out, usage);
    if (ctx.json) return ctx.outJson({ output: out, rows: usage.numRows, ...stats });
    ctx.out(`${usage.numRows} usage rows from ${stats.series} series (${stats.queries} queries) -> ${args.output}`);
  },
});

/** The `mlops cost ...` commands. */
export const costCommands: Record<string, MlopsCommand> = { report, 'import-focus': importFocus, 'from-prometheus': fromPrometheusCmd };

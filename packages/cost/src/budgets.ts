import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { linearRegression } from 'simple-statistics';
import type { ArrowTableLike } from './arrow-columns.js';
import { toEpochMs } from './assets.js';
import type { TimeInput } from './assets.js';
import { COST_DIMENSIONS, bucketOf, findKeyColumn } from './aggregate-costs.js';
import { readCostTable } from './cost-table.js';
import type { CostColumns } from './cost-table.js';
import { CostErrorCode } from './error-codes.js';

const DAY = 86_400_000;

/** A spending limit for a group over a calendar period (UTC). */
export interface Budget {
  /** Name used in statuses and alerts. */
  name: string;
  /** Limit per period, in the cost table's currency. */
  amount: number;
  /** Budget period. Default `month`. */
  period?: 'day' | 'week' | 'month';
  /** Rows counted: label key (`team` or `label_team`) or dimension (`node`, `pricing_model`...) -> allowed values. Omit to count everything. */
  filter?: Record<string, string | readonly string[]>;
  /** Currency of `amount`; must match the costs. Default: the costs' currency. */
  currency?: string;
  /** Burn-rate alert when the last full day's spend exceeds this multiple of the planned daily rate (amount / days in period). Default 2. */
  burnRateMultiple?: number;
  /** Status `at-risk` when the forecast reaches this fraction of the amount. Default 1. */
  atRiskRatio?: number;
  /**
   * Share of the period that must have passed before a run-rate forecast may make the budget
   * `at-risk` (and raise `forecast-over`), when the costs do not cover the previous period.
   * Default 0.2 (about 1.4 days of a week, 6 days of a month). Spend over the amount is `over` at once.
   */
  minElapsedShare?: number;
}

/** Options for {@link evaluateBudgets}. */
export interface EvaluateBudgetsOptions {
  /** The evaluation time; the period containing it is evaluated. */
  now: TimeInput;
}

/** Where one budget stands. */
export interface BudgetStatus {
  /** Budget name. */
  name: string;
  /** Current period start (epoch ms). */
  periodStart: number;
  /** Current period end (epoch ms, exclusive). */
  periodEnd: number;
  /** Limit for the period. */
  amount: number;
  /** Spend from period start to `now`. */
  spend: number;
  /** Spend in integer micros. */
  spendMicros: number;
  /**
   * Forecast of spend at period end: spend so far plus the rest of the period at a daily rate.
   * The rate is the least-squares line through the completed days (the mean so far before two
   * full days); when the costs cover the whole previous period, it is blended with that period's
   * daily mean, weighted by the elapsed share: `share x run rate + (1 - share) x previous rate`.
   */
  forecast: number;
  /** How the forecast was made: `blended` with the previous period, `run-rate`, or `too-early` (run rate, too little of the period elapsed to alert on it). */
  forecastBasis: 'blended' | 'run-rate' | 'too-early';
  /** Share of the period elapsed at `now` (0..1). */
  elapsedShare: number;
  /** `over` (spend >= amount), `at-risk` (forecast >= atRiskRatio x amount, unless `forecastBasis` is `too-early`) or `ok`. */
  status: 'ok' | 'at-risk' | 'over';
  /** amount / days in the period. */
  plannedDailyRate: number;
  /** Spend of the last full day before `now` (NaN when none). */
  lastDaySpend: number;
  /** Daily spend since period start (the last entry may be a partial day). */
  daily: { day: number; spend: number }[];
}

/** A budget alert. */
export interface BudgetAlert {
  /** Budget name. */
  budget: string;
  /** What tripped. */
  kind: 'over' | 'forecast-over' | 'burn-rate';
  /** Human-readable message. */
  message: string;
}

function filterMask(cols: CostColumns, filter: Budget['filter'], budget: string): Uint8Array {
  const mask = new Uint8Array(cols.n).fill(1);
  for (const [key, want] of Object.entries(filter ?? {})) {
    const values = new Set(typeof want === 'string' ? [want] : want);
    const cats = findKeyColumn(cols, key)?.cats;
    if (!cats) {
      throw new InvalidArgumentError(
        `Budget "${budget}" filters on "${key}", which is neither a dimension (${COST_DIMENSIONS.join(', ')}) nor a label of these costs (${cols.labels.map((l) => l.key).join(', ') || 'none'}).`,
      );
    }
    const ok = cats.values.map((v) => values.has(v));
    for (let i = 0; i < cols.n; i++) {
      const c = cats.codes[i]!;
      if (c < 0 || !ok[c]) mask[i] = 0;
    }
  }
  return mask;
}

/**
 * Evaluates budgets at `now`: spend to date in the period containing `now`, a linear forecast to
 * period end (least-squares line through the completed days' spend, via simple-statistics, plus
 * the spend so far), a status, and alerts for budgets over, forecast over, or burning faster than
 * `burnRateMultiple` x the planned daily rate.
 *
 * @throws MlopsError `CURRENCY_MISMATCH` when a budget's currency differs from the costs';
 *   `INVALID_ARGUMENT` for a non-positive amount or an unknown filter key.
 */
export function evaluateBudgets(costs: ArrowTableLike, budgets: readonly Budget[], options: EvaluateBudgetsOptions): { budgets: BudgetStatus[]; alerts: BudgetAlert[] } {
  const cols = readCostTable(costs);
  const now = toEpochMs(options.now, 'options.now');
  const currency = cols.meta?.currency ?? 'USD';
  const statuses: BudgetStatus[] = [];
  const alerts: BudgetAlert[] = [];
  for (const b of budgets) {
    if (!(Number.isFinite(b.amount) && b.amount > 0)) throw new InvalidArgumentError(`Budget "${b.name}" needs an amount > 0, found ${b.amount}.`);
    if (b.currency && b.currency !== currency) {
      throw new MlopsError(CostErrorCode.CurrencyMismatch, `Budget "${b.name}" is in ${b.currency}, but the costs are in ${currency}. Convert the amount or the prices first.`, {
        details: { budget: b.name, budgetCurrency: b.currency, costCurrency: currency },
      });
    }
    const period = b.period ?? 'month';
    const [ps, pe] = bucketOf(now, period, [now, now]);
    const days = Math.round((pe - ps) / DAY);
    const elapsedDays = Math.ceil((now - ps) / DAY);
    const daily = new Float64Array(Math.max(elapsedDays, 1));
    const mask = filterMask(cols, b.filter, b.name);
    let spendMicros = 0;
    for (let i = 0; i < cols.n; i++) {
      if (!mask[i]) continue;
      const ws = cols.windowStart[i]!;
      if (ws < ps || ws >= now) continue;
      // A window straddling `now` counts in proportion to the part before `now`.
      const we = cols.windowEnd[i]!;
      const frac = we > now ? (now - ws) / (we - ws) : 1;
      const m = Math.round(cols.totalMicros[i]! * frac);
      spendMicros += m;
      daily[Math.floor((ws - ps) / DAY)]! += m;
    }
    const spend = spendMicros / 1e6;
    const fullDays = Math.floor((now - ps) / DAY);
    const points: [number, number][] = [];
    for (let d = 0; d < fullDays; d++) points.push([d, daily[d]! / 1e6]);
    let rate: (d: number) => number;
    if (points.length >= 2) {
      const { m, b: intercept } = linearRegression(points);
      rate = (d) => Math.max(0, m * d + intercept);
    } else {
      const elapsed = (now - ps) / DAY;
      const mean = elapsed > 0 ? spend / elapsed : 0;
      rate = () => mean;
    }
    // The forecast integrates the daily rate from now to period end (the current day counts its remaining part).
    // Previous period: blend its daily mean in when the costs cover all of it.
    const elapsedShare = Math.min(1, Math.max(0, (now - ps) / (pe - ps)));
    const [pps] = bucketOf(ps - 1, period, [ps - 1, ps - 1]);
    let basis: BudgetStatus['forecastBasis'] = elapsedShare < (b.minElapsedShare ?? 0.2) ? 'too-early' : 'run-rate';
    if (cols.meta && cols.meta.start <= pps) {
      let prevMicros = 0;
      for (let i = 0; i < cols.n; i++) {
        const ws = cols.windowStart[i]!;
        if (mask[i] && ws >= pps && ws < ps) prevMicros += cols.totalMicros[i]!;
      }
      const prevDaily = prevMicros / 1e6 / ((ps - pps) / DAY);
      const own = rate;
      rate = (d) => elapsedShare * own(d) + (1 - elapsedShare) * prevDaily;
      basis = 'blended';
    }
    let forecast = spend;
    for (let t = (now - ps) / DAY; t < days - 1e-12; ) {
      const next = Math.min(Math.floor(t) + 1, days);
      forecast += rate(Math.floor(t)) * (next - t);
      t = next;
    }
    const planned = b.amount / days;
    const lastDaySpend = fullDays > 0 ? daily[fullDays - 1]! / 1e6 : NaN;
    const status: BudgetStatus['status'] = spend >= b.amount ? 'over' : basis !== 'too-early' && forecast >= (b.atRiskRatio ?? 1) * b.amount ? 'at-risk' : 'ok';
    statuses.push({
      name: b.name,
      periodStart: ps,
      periodEnd: pe,
      amount: b.amount,
      spend,
      spendMicros,
      forecast,
      forecastBasis: basis,
      elapsedShare,
      status,
      plannedDailyRate: planned,
      lastDaySpend,
      daily: Array.from(daily, (v, d) => ({ day: ps + d * DAY, spend: v / 1e6 })),
    });
    const money = (x: number) => `${x.toFixed(2)} ${currency}`;
    if (status === 'over') alerts.push({ budget: b.name, kind: 'over', message: `${b.name}: spent ${money(spend)} of ${money(b.amount)} (${((spend / b.amount) * 100).toFixed(0)}%) by ${new Date(now).toISOString()}.` });
    else if (status === 'at-risk') alerts.push({ budget: b.name, kind: 'forecast-over', message: `${b.name}: forecast ${money(forecast)} by ${new Date(pe).toISOString().slice(0, 10)} exceeds ${money(b.amount * (b.atRiskRatio ?? 1))}.` });
    const multiple = b.burnRateMultiple ?? 2;
    if (lastDaySpend > multiple * planned) {
      alerts.push({
        budget: b.name,
        kind: 'burn-rate',
        message: `${b.name}: yesterday's spend ${money(lastDaySpend)} is ${(lastDaySpend / planned).toFixed(1)}x the planned daily rate ${money(planned)} (alert at ${multiple}x).`,
      });
    }
  }
  return { budgets: statuses, alerts };
}

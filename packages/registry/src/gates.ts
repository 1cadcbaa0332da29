import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ModelVersion } from './types.js';

/** What a promotion gate answers: pass or fail, and why (the reasons go to the event log). */
export interface GateDecision {
  /** Whether the candidate may be promoted. */
  passed: boolean;
  /** Human-readable reasons, recorded in the event log. */
  reasons: string[];
}

/**
 * A promotion gate: decides whether `candidate` may replace `incumbent` (undefined when the target
 * alias is not set yet). Returning a bare boolean is allowed; reasons are then generic.
 */
export type PromotionGate = (
  candidate: ModelVersion,
  incumbent: ModelVersion | undefined,
) => GateDecision | boolean | Promise<GateDecision | boolean>;

/** Options of {@link metricGate}. */
export interface MetricGateOptions {
  /** The metric compared, e.g. `auc`. */
  metric: string;
  /** How much better the candidate must be than the incumbent (default 0: at least as good). */
  minImprovement?: number;
  /** `true` (default) when higher is better (AUC, accuracy); `false` for losses and errors. */
  higherIsBetter?: boolean;
  /** Lowest (or, when lower is better, highest) acceptable absolute value, checked even without an incumbent. */
  threshold?: number;
}

/**
 * A gate comparing one metric: the candidate passes when it beats the incumbent by at least
 * `minImprovement` (e.g. AUC at least the champion's + 0.01) and meets `threshold`.
 */
export function metricGate(options: MetricGateOptions): PromotionGate {
  if (!options || typeof options.metric !== 'string' || options.metric.length === 0) {
    throw new InvalidArgumentError('metricGate needs { metric: "<metric name>" }, e.g. metricGate({ metric: "auc", minImprovement: 0.01 }).');
  }
  const { metric, minImprovement = 0, higherIsBetter = true, threshold } = options;
  return (candidate, incumbent) => {
    const reasons: string[] = [];
    const value = candidate.metrics[metric];
    if (value === undefined) return { passed: false, reasons: [`candidate v${candidate.version} has no metric "${metric}"`] };
    let passed = true;
    if (threshold !== undefined) {
      const ok = higherIsBetter ? value >= threshold : value <= threshold;
      reasons.push(`${metric} ${value} ${ok ? 'meets' : 'misses'} the threshold ${higherIsBetter ? '>=' : '<='} ${threshold}`);
      passed &&= ok;
    }
    if (incumbent) {
      const base = incumbent.metrics[metric];
      if (base === undefined) reasons.push(`incumbent v${incumbent.version} has no metric "${metric}"; no comparison made`);
      else {
        const required = higherIsBetter ? base + minImprovement : base - minImprovement;
        const ok = higherIsBetter ? value >= required - 1e-12 : value <= required + 1e-12;
        reasons.push(
          `${metric} ${value} vs incumbent v${incumbent.version} ${base}: needs ${higherIsBetter ? '>=' : '<='} ${Number(required.toPrecision(12))} -> ${ok ? 'pass' : 'fail'}`,
        );
        passed &&= ok;
      }
    } else reasons.push('no incumbent: nothing to compare against');
    return { passed, reasons };
  };
}

import { InvalidArgumentError } from '@mlops/contracts';
import type { DriftReport } from './compare.js';
import type { DriftMonitorReport } from './drift-monitor.js';

/** A webhook: the trigger POSTs a JSON {@link RetrainEvent} to `url`. */
export interface RetrainWebhook {
  /** http(s) URL. */
  readonly url: string;
  /** Extra request headers (e.g. an authorization token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request timeout; default 10 000 ms. */
  readonly timeoutMs?: number;
}

/** Options for {@link createRetrainTrigger}. */
export interface RetrainTriggerOptions {
  /** When to fire: drifted share >= `driftShare` (default: the report's dataset verdict) for `consecutiveWindows` windows in a row (default 1). */
  readonly when?: { readonly driftShare?: number; readonly consecutiveWindows?: number };
  /** No firing within this many ms after the last firing, even for a new episode. Default 0. */
  readonly cooldownMs?: number;
  /** A callback (may be async) or an HTTP webhook. */
  readonly action: ((event: RetrainEvent) => unknown) | RetrainWebhook;
  /** Receives action and webhook failures (they are also recorded). */
  readonly onError?: (error: unknown) => void;
  /** Milliseconds since the epoch; inject for tests. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Why and when the trigger fired: the callback argument and the webhook's JSON body. */
export interface RetrainEvent {
  /** Format marker. */
  readonly format: 'mlops-retrain-event/v1';
  /** Clock time of firing (ms). */
  readonly atMs: number;
  /** Why, in words. */
  readonly reason: string;
  /** Windows in a row that met the condition. */
  readonly consecutiveWindows: number;
  /** The condition. */
  readonly when: { readonly driftShare: number | null; readonly consecutiveWindows: number };
  /** Summary of the report that completed the episode. */
  readonly report: {
    readonly driftedShare: number;
    readonly driftedColumns: readonly string[];
    readonly comparedColumns: number;
    readonly datasetDrift: boolean;
    readonly window?: DriftMonitorReport['window'];
    readonly qualityProblems?: number;
  };
}

/** What the trigger decided for one report. */
export interface RetrainDecision {
  /** Clock time (ms). */
  readonly atMs: number;
  /** `fired`, `suppressed_cooldown` (condition met but inside the cooldown), `in_episode` (already fired for this episode), `counting` (condition met, not enough windows yet), or `reset`. */
  readonly outcome: 'fired' | 'suppressed_cooldown' | 'in_episode' | 'counting' | 'reset';
  /** Why. */
  readonly reason: string;
  /** Set when the action failed. */
  error?: string;
}

/** A retraining trigger fed by drift reports. */
export interface RetrainTrigger {
  /** Feed one report (pass it as a monitor's `onReport`); resolves when a fired action finished. Never rejects. */
  onReport(report: DriftReport): Promise<void>;
  /** Every decision so far (the most recent 1000). */
  readonly history: readonly RetrainDecision[];
  /** Events that fired. */
  readonly fired: readonly RetrainEvent[];
}

/**
 * Creates a retraining trigger: it fires `action` once per drift episode (a run of consecutive
 * windows meeting `when`), never inside `cooldownMs` of the last firing, and records why it
 * fired or did not. `action` is a callback or a webhook that receives a JSON {@link RetrainEvent}.
 */
export function createRetrainTrigger(options: RetrainTriggerOptions): RetrainTrigger {
  const share = options.when?.driftShare;
  if (share !== undefined && (typeof share !== 'number' || !(share >= 0 && share <= 1))) throw new InvalidArgumentError(`Expected when.driftShare to be in [0, 1], found ${String(share)}.`);
  const needed = options.when?.consecutiveWindows ?? 1;
  if (!Number.isInteger(needed) || needed < 1) throw new InvalidArgumentError(`Expected when.consecutiveWindows to be a positive integer, found ${String(needed)}.`);
  const cooldownMs = options.cooldownMs ?? 0;
  if (typeof cooldownMs !== 'number' || !(cooldownMs >= 0)) throw new InvalidArgumentError(`Expected cooldownMs to be a number >= 0, found ${String(cooldownMs)}.`);
  const action = options.action;
  if (typeof action !== 'function') {
    if (typeof action !== 'object' || action === null || typeof action.url !== 'string' || !/^https?:\/\//.test(action.url)) {
      throw new InvalidArgumentError(`Expected action to be a function or { url: 'http(s)://...' }, found ${JSON.stringify(action)}.`);
    }
  }
  const clock = options.clock ?? Date.now;
  const history: RetrainDecision[] = [];
  const fired: RetrainEvent[] = [];
  let run = 0;
  let firedThisEpisode = false;
  let lastFiredAt = -Infinity;
  const decide = (d: RetrainDecision): RetrainDecision => {
    history.push(d);
    if (history.length > 1000) history.shift();
    return d;
  };
  const run_action = async (event: RetrainEvent): Promise<void> => {
    if (typeof action === 'function') {
      await action(event);
      return;
    }
    const res = await fetch(action.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...action.headers },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(action.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`Retrain webhook ${action.url} answered ${res.status} ${res.statusText}; expected 2xx.`);
    await res.arrayBuffer();
  };
  return {
    history,
    fired,
    async onReport(report) {
      const now = clock();
      const met = share === undefined ? report.datasetDrift : report.comparedColumns > 0 && report.driftedShare >= share;
      const cond = share === undefined ? 'dataset drift' : `drifted share >= ${share}`;
      if (!met) {
        if (run > 0 || firedThisEpisode) decide({ atMs: now, outcome: 'reset', reason: `${cond} not met (drifted share ${report.driftedShare.toFixed(3)}); the episode ended.` });
        run = 0;
        firedThisEpisode = false;
        return;
      }
      run++;
      if (firedThisEpisode) {
        decide({ atMs: now, outcome: 'in_episode', reason: `${cond} for ${run} windows; already fired for this episode.` });
        return;
      }
      if (run < needed) {
        decide({ atMs: now, outcome: 'counting', reason: `${cond} for ${run} of ${needed} windows.` });
        return;
      }
      if (now - lastFiredAt < cooldownMs) {
        decide({ atMs: now, outcome: 'suppressed_cooldown', reason: `${cond} for ${run} windows, but the last firing was ${now - lastFiredAt} ms ago (cooldown ${cooldownMs} ms).` });
        return;
      }
      firedThisEpisode = true;
      lastFiredAt = now;
      const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
      const reason = `${share === undefined ? 'Dataset drift' : `Drifted share ${report.driftedShare.toFixed(3)} >= ${share}`} for ${run} consecutive window${run > 1 ? 's' : ''}; drifted: ${drifted.join(', ') || 'none'}.`;
      const mr = report as Partial<DriftMonitorReport>;
      const event: RetrainEvent = {
        format: 'mlops-retrain-event/v1', atMs: now, reason, consecutiveWindows: run, when: { driftShare: share ?? null, consecutiveWindows: needed },
        report: {
          driftedShare: report.driftedShare, driftedColumns: drifted, comparedColumns: report.comparedColumns, datasetDrift: report.datasetDrift,
          ...(mr.window ? { window: mr.window } : {}), ...(mr.quality ? { qualityProblems: mr.quality.problems.length } : {}),
        },
      };
      fired.push(event);
      const d = decide({ atMs: now, outcome: 'fired', reason });
      try {
        await run_action(event);
      } catch (e) {
        d.error = e instanceof Error ? e.message : String(e);
        try {
          options.onError?.(e);
        } catch {
          // ignore: the trigger never throws into the monitor
        }
      }
    },
  };
}

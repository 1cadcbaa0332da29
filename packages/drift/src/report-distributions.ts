import type { SketchCdf } from './kll-sketch.js';
import { kllCdf } from './kll-sketch.js';
import type { ColumnProfile, Profile } from './profile.js';
import { sharesFromCdf } from './sketch-estimates.js';

/** Reference vs current distribution of one column, as shares, for charts in reports. */
export type ColumnDistribution =
  | {
      /** Histogram over equal-width bins spanning both sides' range. */
      readonly kind: 'numeric';
      /** bins + 1 bin boundaries, ascending. */
      readonly edges: readonly number[];
      /** Share of reference values per bin. */
      readonly reference: readonly number[];
      /** Share of current values per bin. */
      readonly current: readonly number[];
    }
  | {
      /** Category bars: the most frequent categories of either side, then `__other__`. */
      readonly kind: 'categorical';
      /** Category labels. */
      readonly categories: readonly string[];
      /** Share of reference values per category. */
      readonly reference: readonly number[];
      /** Share of current values per category. */
      readonly current: readonly number[];
    };

const BINS = 20;
const MAX_CATEGORIES = 12;

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function numericDistribution(a: SketchCdf, b: SketchCdf | null, lo: number, hi: number): ColumnDistribution {
  const width = hi > lo ? (hi - lo) / BINS : 1;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => lo + i * width);
  const interior = edges.slice(1, -1);
  const shares = (c: SketchCdf | null): number[] => (c && c.total > 0 ? sharesFromCdf(c, interior).map(round) : new Array<number>(BINS).fill(0));
  return { kind: 'numeric', edges: edges.map((e) => Number(e.toPrecision(8))), reference: shares(a), current: shares(b) };
}

function categoricalDistribution(a: Map<string, number>, b: Map<string, number>, aTotal: number, bTotal: number): ColumnDistribution {
  const score = new Map<string, number>();
  for (const [k, v] of a) score.set(k, Math.max(score.get(k) ?? 0, v / Math.max(aTotal, 1)));
  for (const [k, v] of b) score.set(k, Math.max(score.get(k) ?? 0, v / Math.max(bTotal, 1)));
  const top = [...score.entries()].sort((x, y) => y[1] - x[1]).slice(0, MAX_CATEGORIES).map(([k]) => k);
  const shares = (m: Map<string, number>, total: number): number[] => {
    const s = top.map((k) => (total > 0 ? (m.get(k) ?? 0) / total : 0));
    const rest = total > 0 ? Math.max(0, 1 - s.reduce((x, y) => x + y, 0)) : 0;
    return [...s, rest].map(round);
  };
  return { kind: 'categorical', categories: [...top, '__other__'], reference: shares(a, aTotal), current: shares(b, bTotal) };
}

/**
 * Distributions of every column the two profiles share, for report charts. `cache` keeps the
 * reference's sketch CDFs between calls (a monitor reuses one reference for every window).
 */
export function distributionsOf(reference: Profile, current: Profile, columns: readonly string[], cache?: Map<string, SketchCdf>): Record<string, ColumnDistribution> {
  const out: Record<string, ColumnDistribution> = {};
  for (const name of columns) {
    const a: ColumnProfile | undefined = reference.columns.get(name);
    const b: ColumnProfile | undefined = current.columns.get(name);
    if (!a || !b) continue;
    if (a.kind === 'numeric' && b.kind === 'numeric') {
      if (a.count === 0) continue;
      let ca = cache?.get(name);
      if (!ca) {
        ca = kllCdf(a.sketch);
        cache?.set(name, ca);
      }
      const lo = Math.min(a.min!, b.count ? b.min! : a.min!);
      const hi = Math.max(a.max!, b.count ? b.max! : a.max!);
      out[name] = numericDistribution(ca, b.count ? kllCdf(b.sketch) : null, lo, hi);
    } else if (a.kind === 'categorical' && b.kind === 'categorical') {
      out[name] = categoricalDistribution(a.counts, b.counts, a.count, b.count);
    }
  }
  return out;
}

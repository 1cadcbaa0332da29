// A minimal Prometheus text-format (0.0.4) registry: labelled counters, gauges and histograms.

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',');
}

function fmt(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

interface Metric {
  render(out: string[]): void;
}

/** Serialised label sets, cached: hot paths pass the same few label sets again and again. */
export class LabelCache {
  private readonly cache = new Map<string, string>();
  key(...parts: string[]): string {
    const id = parts.join('\u0000');
    let k = this.cache.get(id);
    if (k === undefined) {
      const labels: Labels = {};
      for (let i = 0; i + 1 < parts.length; i += 2) labels[parts[i]!] = parts[i + 1]!;
      k = labelKey(labels);
      if (this.cache.size < 10_000) this.cache.set(id, k);
    }
    return k;
  }
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels, by = 1): void {
    this.incKey(labelKey(labels), by);
  }
  /** Increment by a key from {@link LabelCache}. */
  incKey(k: string, by = 1): void {
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** Set from a source that is itself monotonic (busy time, a logger's row count). */
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  /** Drop a series (its source went away: a version was unloaded). */
  clear(): void {
    this.values.clear();
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${fmt(v)}`);
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number | (() => number)>();
  constructor(readonly name: string, readonly help: string) {}
  set(labels: Labels, value: number | (() => number)): void {
    this.values.set(labelKey(labels), value);
  }
  delete(labels: Labels): void {
    this.values.delete(labelKey(labels));
  }
  clear(): void {
    this.values.clear();
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`);
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${fmt(typeof v === 'function' ? v() : v)}`);
  }
}

interface HistogramSeries {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    this.observeKey(labelKey(labels), value);
  }
  /** Observe under a key from {@link LabelCache}. */
  observeKey(k: string, value: number): void {
    let s = this.series.get(k);
    if (!s) {
      s = { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    // Buckets are few (<= 20): a linear scan beats a binary search here.
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }
  /** Count of observations for a label set (for tests and summaries). */
  count(labels: Labels): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [k, s] of this.series) {
      const prefix = k ? `${k},` : '';
      let cum = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cum += s.counts[i]!;
        out.push(`${this.name}_bucket{${prefix}le="${fmt(this.buckets[i]!)}"} ${cum}`);
      }
      out.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
  }
}

/** Latency buckets in seconds, 50 us .. 10 s. */
export const LATENCY_BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class MetricRegistry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    const m = new Counter(name, help);
    this.metrics.push(m);
    return m;
  }
  gauge(name: string, help: string): Gauge {
    const m = new Gauge(name, help);
    this.metrics.push(m);
    return m;
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const m = new Histogram(name, help, buckets);
    this.metrics.push(m);
    return m;
  }
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}

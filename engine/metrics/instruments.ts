/**
 * Counters and histograms for the hot path. prom-client's own `inc` and `observe` build and hash
 * a key from their label object on every call (some 300 ns for a counter and 1 µs for a histogram
 * on the bench machine, and every attempt updates four). Here a caller resolves a series once, by
 * its label values, keeps it, and then adds to plain numbers: a few nanoseconds. The registry
 * reads them only when scraped, through the `get()` shape prom-client's own metrics give it, so
 * the exposition (HELP, TYPE, label escaping, number format) is still prom-client's.
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string | number>>;

/** One sample as prom-client's registry reads it; `metricName` for a histogram's _bucket, _sum, _count. */
interface Sample {
  readonly value: number;
  readonly labels: Labels;
  readonly metricName?: string;
}

export class CounterSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i += 1;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A metric with one series per combination of label values, made on first use. */
abstract class Family<S> {
  private readonly series = new Map<string, { readonly labels: Labels; readonly series: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series of these label values, in the order of `labelNames`. Keep it: this lookup is the slow part. */
  with(...values: readonly string[]): S {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? '']));
      this.series.set(key, (entry = { labels, series: this.create() }));
    }
    return entry.series;
  }

  /** Every series with its labels. */
  entries(): Iterable<{ readonly labels: Labels; readonly series: S }> {
    return this.series.values();
  }

  /** Called by `registry.resetMetrics()`: the values are the engine's running totals, which a
   * scraper's reset must not change (a counter only resets when the process restarts). */
  reset(): void {}

  protected abstract create(): S;
}

export class CounterFamily extends Family<CounterSeries> {
  readonly type = 'counter';

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  /** What prom-client's registry reads when it is scraped. */
  async get() {
    const values: Sample[] = [...this.entries()].map(({ labels, series }) => ({ labels, value: series.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' as const };
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  /** What prom-client's registry reads: cumulative buckets, +Inf, sum and count per series. */
  async get() {
    const values: Sample[] = [];
    for (const { labels, series } of this.entries()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' as const };
  }
}

/**
 * Adds a family to `registry`. The registry reads a metric only through `name`, `type`, `get()`
 * and `reset()`, which a family has; its TypeScript type names prom-client's classes alone.
 */
export function register<F extends CounterFamily | HistogramFamily>(registry: Registry, family: F): F {
  registry.registerMetric(family as unknown as Metric);
  return family;
}

// Measurement helpers for load runs: latency percentiles, and per-second time series of
// counts and latencies that become the run's chart. Pure.

/** p50/p95/p99/max of a latency sample, in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Percentiles by nearest rank; an empty sample is all zeros.
 * Example: `percentiles([1, 2, 3, 4])` → `{ p50: 2, p95: 4, p99: 4, max: 4 }`.
 */
export function percentiles(sample: readonly number[]): Percentiles {
  if (sample.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

/** Counters and latency samples bucketed per second since `startMs`. */
export class TimeSeries {
  readonly #counts = new Map<string, number[]>();
  readonly #latencies = new Map<string, number[][]>();

  constructor(private readonly startMs: number) {}

  #second(atMs: number): number {
    return Math.max(0, Math.floor((atMs - this.startMs) / 1000));
  }

  /** Counts one occurrence of `name` at `atMs`. */
  count(name: string, atMs: number, n = 1): void {
    const series = this.#counts.get(name) ?? [];
    const s = this.#second(atMs);
    series[s] = (series[s] ?? 0) + n;
    this.#counts.set(name, series);
  }

  /** Records a latency of `name` observed at `atMs`. */
  latency(name: string, atMs: number, ms: number): void {
    const series = this.#latencies.get(name) ?? [];
    const s = this.#second(atMs);
    (series[s] ??= []).push(ms);
    this.#latencies.set(name, series);
  }

  /** Per-second counts of `name`, zero-filled to `seconds`. */
  counts(name: string, seconds: number): number[] {
    const series = this.#counts.get(name) ?? [];
    return Array.from({ length: seconds }, (_, i) => series[i] ?? 0);
  }

  /** Per-second p50 and p99 of `name`. */
  latencyBands(name: string, seconds: number): { p50: number[]; p99: number[] } {
    const series = this.#latencies.get(name) ?? [];
    const bands = Array.from({ length: seconds }, (_, i) => percentiles(series[i] ?? []));
    return { p50: bands.map((b) => b.p50), p99: bands.map((b) => b.p99) };
  }
}

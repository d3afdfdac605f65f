/** One printed figure of a benchmark, with the baseline it is compared against in the same run. */
export interface BenchRow {
  suite: string;
  metric: string;
  value: number;
  unit: string;
  /** The in-run reference this figure is judged against (e.g. raw database ceiling). */
  baseline?: { metric: string; value: number; unit: string };
  /** The target from the issue, in words, and whether this run met it. */
  goal?: string;
  met?: boolean;
}

export interface BenchOptions {
  /** Small sizes for a CI smoke run: proves the benchmark works, not how fast it is. */
  quick: boolean;
  /** postgres:// URL of a server database the suite may create scratch databases on. */
  postgresUrl: string;
}

export type BenchSuite = (opts: BenchOptions) => Promise<BenchRow[]>;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

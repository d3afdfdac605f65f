import type { Database, Sql } from '../db/index.ts';
import { computeCommissions, type EngineSettings } from './engine/run.ts';

export interface PeriodMoney {
  currency: string;
  amount: string;
  entries: number;
}

export interface PeriodView {
  period: string;
  status: 'open' | 'closed';
  /** Whether the month has ended (in the broker time zone): only an ended month should be closed. */
  ended: boolean;
  closed_at: string | null;
  closed_by: string | null;
  /** Net commission in the ledger dated in the month, per currency. */
  ledger: PeriodMoney[];
  payout_runs: number;
}

/** YYYY-MM, n months before the month of a business date. */
function monthsBack(today: string, n: number): string {
  const d = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 - n, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The current month and the `months - 1` before it, newest first, each open or closed, with the
 * commission its ledger holds and how many payout runs it has (a month closed ahead of time is
 * listed too).
 */
export async function listPeriods(db: Database | Sql, today: string, months: number): Promise<PeriodView[]> {
  const oldest = monthsBack(today, months - 1);
  const current = today.slice(0, 7);
  const closed = await db.query<{ period: string; closed_at: string; closed_by: string | null }>(
    'SELECT period, closed_at, closed_by FROM commission_periods WHERE period >= $1 ORDER BY period DESC',
    [oldest],
  );
  const ledger = await db.query<{ period: string; currency: string; amount: string; entries: number }>(
    `SELECT to_char(fact_date, 'YYYY-MM') AS period, currency::text AS currency, sum(amount)::text AS amount, count(*)::int AS entries
     FROM ledger_entries WHERE fact_date >= $1::date GROUP BY 1, 2 ORDER BY 1, 2`,
    [`${oldest}-01`],
  );
  const runs = await db.query<{ period: string; runs: number }>('SELECT period, count(*)::int AS runs FROM payout_runs WHERE period >= $1 GROUP BY period', [oldest]);
  const periods = new Set<string>(closed.map((c) => c.period));
  for (let i = 0; i < months; i++) periods.add(monthsBack(today, i));
  return [...periods]
    .sort()
    .reverse()
    .map((period) => {
      const c = closed.find((x) => x.period === period);
      return {
        period,
        status: c ? 'closed' : 'open',
        ended: period < current,
        closed_at: c?.closed_at ?? null,
        closed_by: c?.closed_by ?? null,
        ledger: ledger.filter((l) => l.period === period).map(({ currency, amount, entries }) => ({ currency, amount, entries })),
        payout_runs: runs.find((r) => r.period === period)?.runs ?? 0,
      };
    });
}

export interface ClosePreview {
  period: string;
  status: 'open' | 'closed';
  facts: number;
  /** Ledger entries closing would append (tier adjustments, revenue share, corrections). */
  entries_written: number;
  reversed: number;
  held_released: number;
  /** What those entries add up to, per kind and currency. */
  settles: (PeriodMoney & { kind: string })[];
}

/** Thrown to roll the preview's transaction back while carrying its answer out. */
class RolledBack extends Error {
  readonly preview: ClosePreview;
  constructor(preview: ClosePreview) {
    super('preview rolled back');
    this.preview = preview;
  }
}

/**
 * What closing a month would write, by doing exactly what the close does (mark the month closed,
 * recompute it) inside a transaction that is then rolled back: nothing is kept, the answer is the
 * close's own.
 */
export async function previewClose(db: Database, settings: EngineSettings, period: string, now: string): Promise<ClosePreview> {
  try {
    await db.transaction(async (tx) => {
      const [already] = await tx.query('SELECT 1 FROM commission_periods WHERE period = $1', [period]);
      await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ($1, 'preview') ON CONFLICT (period) DO NOTHING`, [period]);
      const summary = await computeCommissions(tx, settings, { from: `${period}-01`, to: `${period}-01`, trigger: `close-preview:${period}`, now });
      const settles = summary.run_id
        ? await tx.query<PeriodMoney & { kind: string }>(
            `SELECT kind, currency::text AS currency, sum(amount)::text AS amount, count(*)::int AS entries
             FROM ledger_entries WHERE run_id = $1 GROUP BY kind, currency ORDER BY kind, currency`,
            [summary.run_id],
          )
        : [];
      throw new RolledBack({
        period,
        status: already ? 'closed' : 'open',
        facts: summary.facts,
        entries_written: summary.entries_written,
        reversed: summary.reversed,
        held_released: summary.held_released,
        settles,
      });
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.preview;
    throw err;
  }
  throw new Error('previewClose: the transaction did not roll back');
}

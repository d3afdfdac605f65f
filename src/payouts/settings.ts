import { Dec } from '../shared/decimal.ts';

export type PeriodKind = 'monthly' | 'weekly' | 'daily';

/** Payout rules read from the environment by loadConfig (docs/payouts.md). */
export interface PayoutSettings {
  /** Which period strings payout runs accept (OPENIB_PAYOUT_PERIOD): YYYY-MM, YYYY-Www or YYYY-MM-DD. */
  period: PeriodKind;
  /** Days after an entry's fact date before it may be paid (OPENIB_PAYOUT_HOLD_DAYS); clawbacks ignore it. */
  holdDays: number;
  /** Smallest amount paid per currency (OPENIB_PAYOUT_MINIMUMS, e.g. USD:50,EUR:50); below it the amount carries. */
  minimums: Record<string, string>;
  /** Largest difference reconciliation still calls a match (OPENIB_RECONCILIATION_TOLERANCE). */
  reconciliationTolerance: string;
}

function decimal(name: string, raw: string): string {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error(`${name} must be a non-negative decimal such as 0.01, got "${raw}"`);
  return new Dec(raw).toFixed();
}

export function loadPayoutSettings(env: NodeJS.ProcessEnv): PayoutSettings {
  const period = (env.OPENIB_PAYOUT_PERIOD || 'monthly').toLowerCase();
  if (period !== 'monthly' && period !== 'weekly' && period !== 'daily')
    throw new Error(`OPENIB_PAYOUT_PERIOD must be monthly, weekly or daily, got "${period}"`);
  const holdRaw = env.OPENIB_PAYOUT_HOLD_DAYS || '0';
  if (!/^\d{1,4}$/.test(holdRaw)) throw new Error(`OPENIB_PAYOUT_HOLD_DAYS must be a whole number of days, got "${holdRaw}"`);
  const minimums: Record<string, string> = {};
  for (const part of (env.OPENIB_PAYOUT_MINIMUMS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]{3}):(.+)$/.exec(part);
    if (!m) throw new Error(`OPENIB_PAYOUT_MINIMUMS must look like USD:50,EUR:50, got "${part}"`);
    minimums[m[1].toUpperCase()] = decimal('OPENIB_PAYOUT_MINIMUMS', m[2]);
  }
  return {
    period,
    holdDays: Number(holdRaw),
    minimums,
    reconciliationTolerance: decimal('OPENIB_RECONCILIATION_TOLERANCE', env.OPENIB_RECONCILIATION_TOLERANCE || '0.01'),
  };
}

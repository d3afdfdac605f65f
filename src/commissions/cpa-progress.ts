import type { Sql } from '../db/index.ts';
import { kycState } from '../ingest/kyc.ts';
import { businessDate } from '../shared/dates.ts';
import { CPA_CUSTOMER_COLUMNS, type CpaCustomerRow, cpaFactsOf } from './engine/cpa.ts';
import { PlansAt } from './engine/plans-at.ts';
import { cpaStatus, type CpaProgress } from './maths/cpa.ts';
import { findRule } from './plan-schema.ts';

export type CpaProgressStatus = 'pending' | 'qualified' | 'expired' | 'not_eligible';

export interface CpaProgressRow extends CpaProgress {
  customer_id: string;
  signup_date: string;
  status: CpaProgressStatus;
  reason: string | null;
  /** The CPA the plan pays for this customer (its country's amount when the plan has one). */
  cpa_amount: string;
  currency: string;
  qualified_at: string | null;
  plan_id: string;
  /** The ledger's CPA entry for this customer and partner, when one was written: its status. */
  ledger_status: string | null;
}

interface Settings {
  brokerTimeZone: string;
  kycApproved: string[];
  kycRejected: string[];
}

/**
 * Where each of a partner's direct clients stands against the CPA of the partner's plan: the first
 * deposit, lots and KYC against the plan's minimums, the days left in the qualification window,
 * and whether the CPA is qualified (and in the ledger). Clients who signed up more than `lookbackDays`
 * ago are left out: their window closed long ago. Computed with the engine's own CPA maths.
 */
export async function cpaProgressReport(
  db: Sql,
  settings: Settings,
  partnerId: string,
  q: { now: Date; status?: CpaProgressStatus; page: number; perPage: number; lookbackDays?: number },
) {
  const now = q.now.toISOString();
  const since = new Date(q.now.getTime() - (q.lookbackDays ?? 366) * 86_400_000).toISOString();
  const rows = await db.query<CpaCustomerRow & { ledger_status: string | null }>(
    `SELECT ${CPA_CUSTOMER_COLUMNS},
       (SELECT coalesce(s.status, e.initial_status) FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
        WHERE e.customer_id = c.customer_id AND e.partner_id = $1 AND e.kind = 'cpa' ORDER BY e.id DESC LIMIT 1) AS ledger_status
     FROM customers c
     WHERE c.customer_id IN (SELECT a.customer_id FROM attributions a
                             WHERE a.partner_id = $1 AND a.superseded_at IS NULL AND a.effective_from <= $2::timestamptz
                               AND (a.effective_to IS NULL OR a.effective_to > $2::timestamptz))
       AND c.signup_date >= $3::timestamptz
     ORDER BY c.signup_date DESC, c.customer_id`,
    [partnerId, now, since],
  );
  const plans = await PlansAt.load(db, [partnerId]);
  const out: CpaProgressRow[] = [];
  for (const c of rows) {
    const inForce = plans.at(partnerId, businessDate(c.signup_date, settings.brokerTimeZone));
    const rule = inForce ? findRule(inForce.plan, 'cpa') : undefined;
    if (!inForce || !rule) continue;
    const result = cpaStatus(rule, cpaFactsOf(c, kycState(c.kyc_status_id, settings)), now);
    out.push({
      customer_id: c.customer_id,
      signup_date: c.signup_date,
      status: result.status,
      reason: result.status === 'not_eligible' ? result.reason : null,
      cpa_amount: result.status === 'qualified' ? result.amount : result.status === 'not_eligible' ? '0' : result.cpa_amount,
      currency: inForce.plan.currency,
      qualified_at: result.status === 'qualified' ? result.qualified_at : null,
      plan_id: inForce.plan_id,
      ledger_status: c.ledger_status,
      ...result.progress,
    });
  }
  const filtered = q.status ? out.filter((r) => r.status === q.status) : out;
  const counts = { pending: 0, qualified: 0, expired: 0, not_eligible: 0 } satisfies Record<CpaProgressStatus, number>;
  for (const r of out) counts[r.status]++;
  const start = (q.page - 1) * q.perPage;
  return {
    partner_id: partnerId,
    as_of: now,
    counts,
    data: filtered.slice(start, start + q.perPage),
    meta: { total: filtered.length, page: q.page, per_page: q.perPage },
  };
}

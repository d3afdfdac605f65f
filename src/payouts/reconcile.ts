import type { Sql } from '../db/index.ts';
import { Dec } from '../shared/decimal.ts';

export type MatchStatus = 'matched' | 'differs' | 'only_in_openib' | 'only_at_broker';

export interface ReconciliationRow {
  partner_id: string | null;
  date: string;
  currency: string;
  customer_id: string | null;
  openib_amount: string | null;
  broker_amount: string | null;
  difference: string;
  status: MatchStatus;
}

export interface ReconcileInput {
  from: string;
  to: string;
  perCustomer: boolean;
  tolerance: string;
  timeZone: string;
}

/**
 * Compares, per partner, business day and currency (and customer on demand), the net of OpenIB's
 * ledger entries (every status but pending: a reversed entry and its reversal net to zero) with the
 * broker's approved ib_rebate transactions. A rebate belongs to the partner that owned the
 * transaction's customer at the end of the rebate's business day — the rule the commission engine
 * credits activity by — or, for a customer never attributed, the partner whose affiliate_id the
 * customer carries.
 */
export async function reconcile(db: Sql, input: ReconcileInput): Promise<ReconciliationRow[]> {
  const rows = await db.query<{ partner_id: string | null; date: string; currency: string; customer_id: string; openib: string | null; broker: string | null }>(
    `WITH ledger AS (
       SELECT e.partner_id, e.fact_date AS day, e.currency::text AS currency, CASE WHEN $4 THEN coalesce(e.customer_id, '') ELSE '' END AS customer_id,
              sum(e.amount) AS amount
       FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
       WHERE coalesce(s.status, e.initial_status) <> 'pending' AND e.fact_date BETWEEN $1::date AND $2::date
       GROUP BY 1, 2, 3, 4),
     rebates AS (
       SELECT t.*, (t.transaction_date AT TIME ZONE $3)::date AS day FROM transactions t
       WHERE t.transaction_type = 'ib_rebate' AND t.status = 'approved'
         AND t.transaction_date >= ($1::date::timestamp AT TIME ZONE $3) AND t.transaction_date < (($2::date + 1)::timestamp AT TIME ZONE $3)),
     broker AS (
       SELECT coalesce(o.partner_id, pa.partner_id) AS partner_id, r.day, r.currency::text AS currency,
              CASE WHEN $4 THEN r.customer_id ELSE '' END AS customer_id, sum(r.amount) AS amount
       FROM rebates r JOIN customers c ON c.customer_id = r.customer_id
       LEFT JOIN LATERAL (
         SELECT a.partner_id FROM attributions a
         WHERE a.customer_id = r.customer_id AND a.superseded_at IS NULL
           AND a.effective_from < ((r.day + 1)::timestamp AT TIME ZONE $3)
           AND (a.effective_to IS NULL OR a.effective_to >= ((r.day + 1)::timestamp AT TIME ZONE $3))
         ORDER BY a.effective_from DESC LIMIT 1) o ON true
       LEFT JOIN partners pa ON pa.affiliate_id = c.affiliate_id
       GROUP BY 1, 2, 3, 4)
     SELECT coalesce(l.partner_id, b.partner_id) AS partner_id, coalesce(l.day, b.day)::text AS date, coalesce(l.currency, b.currency) AS currency,
            coalesce(l.customer_id, b.customer_id) AS customer_id, l.amount AS openib, b.amount AS broker
     FROM ledger l FULL OUTER JOIN broker b
       ON b.partner_id = l.partner_id AND b.day = l.day AND b.currency = l.currency AND b.customer_id = l.customer_id
     ORDER BY 2, 1 NULLS LAST, 3, 4`,
    [input.from, input.to, input.timeZone, input.perCustomer],
  );
  const tolerance = new Dec(input.tolerance);
  return rows.map((r) => {
    const openib = r.openib === null ? null : new Dec(r.openib);
    const broker = r.broker === null ? null : new Dec(r.broker);
    const difference = (openib ?? new Dec(0)).minus(broker ?? 0);
    const status: MatchStatus = !broker ? 'only_in_openib' : !openib ? 'only_at_broker' : difference.abs().lessThanOrEqualTo(tolerance) ? 'matched' : 'differs';
    return {
      partner_id: r.partner_id,
      date: r.date,
      currency: r.currency,
      customer_id: input.perCustomer ? r.customer_id || null : null,
      openib_amount: openib?.toFixed() ?? null,
      broker_amount: broker?.toFixed() ?? null,
      difference: difference.toFixed(),
      status,
    };
  });
}

export const RECONCILIATION_COLUMNS = ['partner_id', 'date', 'currency', 'customer_id', 'openib_amount', 'broker_amount', 'difference', 'status'] as const;

export function summarise(rows: ReconciliationRow[]): Record<MatchStatus, number> {
  const out: Record<MatchStatus, number> = { matched: 0, differs: 0, only_in_openib: 0, only_at_broker: 0 };
  for (const r of rows) out[r.status] += 1;
  return out;
}

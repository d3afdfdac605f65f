import type { Sql } from '../db/index.ts';
import { openCustomerPii } from '../ingest/customer-pii.ts';
import { SUBTREE } from './kpis.ts';
import { REPORT_CURRENCY } from './reports.ts';

export interface CustomerQuery {
  from: string;
  to: string;
  page: number;
  perPage: number;
  /** The caller's own partner when it is a partner token: other partners' clients come back masked. */
  viewer?: string;
}

/** Masks PII for uplines: "j***@example.com", "J." */
export const maskEmail = (email: string | null) => (email ? email.replace(/^(.)[^@]*(@.*)?$/, (_, first, domain) => `${first}***${domain ?? ''}`) : null);
export const maskName = (name: string | null) => (name ? `${name.trim().charAt(0)}.` : null);

/**
 * The subtree's clients who signed up in [from, to] (current owner), newest first, with their
 * lifetime figures and the commission the subtree earned on them. Lifetime money in USD.
 */
export async function customersReport(db: Sql, partnerId: string, q: CustomerQuery) {
  const params = [partnerId, q.from, q.to, q.perPage, (q.page - 1) * q.perPage, `${q.to}T00:00:00Z`];
  const [{ total }] = await db.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM report_customers r WHERE r.partner_id IN ${SUBTREE('$1')}
       AND r.signup_date >= $2::date AND r.signup_date < $3::date + 1`,
    params.slice(0, 3),
  );
  const rows = await db.query<Record<string, any>>(
    `SELECT r.customer_id, r.partner_id, c.first_name, c.last_name, c.email, c.pseudonym, c.country_code, r.kyc_status_id, r.channel, r.campaign_id,
            r.signup_date, r.ftd_at, round(r.ftd_amount, 2) AS ftd_amount, round(r.deposits, 2) AS deposits, round(r.withdrawals, 2) AS withdrawals,
            round(r.deposits - r.withdrawals, 2) AS net_deposits, trim_scale(r.lots) AS lots, trim_scale(r.notional) AS notional, r.last_activity::text AS last_activity,
            CASE WHEN r.last_activity >= $6::date - 30 THEN 'active' WHEN r.ftd_at IS NOT NULL THEN 'funded' ELSE 'registered' END AS status,
            (SELECT round(coalesce(sum(CASE WHEN e.currency = 'USD' THEN e.amount ELSE e.amount * fx_rate(e.fact_date, e.currency, 'USD') END), 0), 2)
             FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
             WHERE e.customer_id = r.customer_id AND e.partner_id IN ${SUBTREE('$1')} AND coalesce(s.status, e.initial_status, 'pending') <> 'reversed') AS commission
     FROM report_customers r JOIN customers c USING (customer_id)
     WHERE r.partner_id IN ${SUBTREE('$1')} AND r.signup_date >= $2::date AND r.signup_date < $3::date + 1
     ORDER BY r.signup_date DESC, r.customer_id LIMIT $4 OFFSET $5`,
    params,
  );
  const data = rows.map((r) => {
    const masked = q.viewer !== undefined && r.partner_id !== q.viewer;
    // Personal data are sealed at rest and opened only here, for the page being answered.
    openCustomerPii(r);
    const name = [r.first_name, r.last_name].filter(Boolean).join(' ') || (r.pseudonym as string | null);
    return {
      customer_id: r.customer_id as string,
      partner_id: r.partner_id as string,
      name: masked ? maskName(name) : name,
      email: masked ? maskEmail(r.email) : (r.email as string | null),
      pii_masked: masked,
      country: r.country_code as string | null,
      status: r.status as 'registered' | 'funded' | 'active',
      kyc_status: r.kyc_status_id as string | null,
      channel: r.channel as string,
      campaign_id: r.campaign_id as string | null,
      signup_date: r.signup_date as string,
      ftd_at: r.ftd_at as string | null,
      ftd_amount: r.ftd_amount as string | null,
      deposits: r.deposits as string,
      withdrawals: r.withdrawals as string,
      net_deposits: r.net_deposits as string,
      lots: r.lots as string,
      notional: r.notional as string,
      commission: r.commission as string,
      last_activity: r.last_activity as string | null,
    };
  });
  return { partner_id: partnerId, from: q.from, to: q.to, currency: REPORT_CURRENCY, data, meta: { total, page: q.page, per_page: q.perPage } };
}

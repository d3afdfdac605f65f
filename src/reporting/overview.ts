import { Dec } from '../shared/decimal.ts';
import type { Sql } from '../db/index.ts';
import { kpiColumns, METRICS, type Metric, MONEY_METRICS, periodParams, pick, ROLLUP } from './kpis.ts';
import { REPORT_CURRENCY } from './reports.ts';

const USD = `CASE WHEN e.currency = 'USD' THEN e.amount ELSE e.amount * fx_rate(e.fact_date, e.currency, 'USD') END`;

/**
 * The broker's view over [from, to]: totals and the conversion funnel, the top partners by a metric,
 * and, for the customers who signed up in the period, their lifetime value and the commission paid
 * on them (acquisition cost) per acquisition channel and campaign.
 */
export async function overviewReport(db: Sql, from: string, to: string, sortBy: Metric, limit: number) {
  // Per partner over the period (whole months and edge days), once; the totals and the top partners from it.
  const perPartner = `SELECT r.partner_id, ${METRICS.map((m) => `sum(r.${m}) AS ${m}`).join(', ')} FROM ${ROLLUP('own', 'true', 1)} r GROUP BY r.partner_id`;
  const rank = (MONEY_METRICS as readonly string[]).includes(sortBy) ? `round(r.${sortBy}, 2)` : `r.${sortBy}`;
  const rows = await db.query<Record<string, unknown>>(
    `WITH per AS MATERIALIZED (${perPartner}),
     top AS (SELECT r.* FROM per r ORDER BY ${rank} DESC, r.partner_id LIMIT $7)
     SELECT 0 AS part, NULL::text AS partner_id, NULL::text AS name, ${kpiColumns()} FROM per r
     UNION ALL
     SELECT 1, r.partner_id, p.name, ${kpiColumns()} FROM top r JOIN partners p USING (partner_id) GROUP BY r.partner_id, p.name
     ORDER BY part, ${sortBy} DESC, partner_id`,
    [...periodParams(from, to), limit],
  );
  const [totals, ...top] = rows;
  const channels = await db.query<Record<string, any>>(
    `WITH cohort AS (
       SELECT * FROM report_customers WHERE signup_date >= $1::date AND signup_date < $2::date + 1),
     cost AS (
       SELECT e.customer_id, sum(${USD}) AS amount FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
       WHERE e.customer_id IN (SELECT customer_id FROM cohort) AND coalesce(s.status, e.initial_status, 'pending') <> 'reversed' GROUP BY e.customer_id)
     SELECT c.channel, c.campaign_id, count(*)::int AS customers, count(c.ftd_at)::int AS ftd_count,
            round(coalesce(sum(c.ftd_amount), 0), 2) AS ftd_amount, round(sum(c.deposits), 2) AS deposits, round(sum(c.deposits - c.withdrawals), 2) AS net_deposits,
            trim_scale(sum(c.lots)) AS lots, round(coalesce(sum(k.amount), 0), 2) AS commission
     FROM cohort c LEFT JOIN cost k USING (customer_id) GROUP BY c.channel, c.campaign_id ORDER BY sum(c.deposits - c.withdrawals) DESC, c.channel, c.campaign_id`,
    [from, to],
  );
  const per = (a: string, n: number) => (n === 0 ? null : new Dec(a).div(n).toFixed(2));
  return {
    from, to, currency: REPORT_CURRENCY,
    totals: pick(totals, ''),
    funnel: {
      clicks: totals.clicks as number, registrations: totals.registrations as number, ftd_count: totals.ftd_count as number,
      registration_rate: ratio(totals.registrations as number, totals.clicks as number), ftd_rate: ratio(totals.ftd_count as number, totals.registrations as number),
    },
    top_partners: top.map((r) => ({ partner_id: r.partner_id as string, name: r.name as string, ...pick(r, '') })),
    channels: channels.map((c) => ({
      channel: c.channel as string, campaign_id: c.campaign_id as string | null, customers: c.customers as number, ftd_count: c.ftd_count as number,
      ftd_amount: c.ftd_amount as string, deposits: c.deposits as string, net_deposits: c.net_deposits as string, lots: c.lots as string,
      commission: c.commission as string,
      value_per_customer: per(c.net_deposits, c.customers), cost_per_ftd: per(c.commission, c.ftd_count),
    })),
  };
}

const ratio = (n: number, d: number) => (d === 0 ? null : ((n / d) * 100).toFixed(2));

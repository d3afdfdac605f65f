import type { Sql } from '../db/index.ts';
import { SUBTREE } from './kpis.ts';
import { REPORT_CURRENCY } from './reports.ts';

const rate = (n: number, d: number) => (d === 0 ? null : ((n / d) * 100).toFixed(2));

/** Clicks → registrations → first deposits per link and campaign of the subtree over [from, to]. */
export async function linksReport(db: Sql, partnerId: string, from: string, to: string) {
  const rows = await db.query<Record<string, any>>(
    `SELECT r.partner_id, r.link_id, r.campaign_id, l.code, l.label,
            sum(r.clicks)::int AS clicks, sum(r.registrations)::int AS registrations, sum(r.ftd_count)::int AS ftd_count, round(sum(r.ftd_amount), 2) AS ftd_amount
     FROM report_link_daily r LEFT JOIN links l ON l.link_id = r.link_id
     WHERE r.partner_id IN ${SUBTREE('$1')} AND r.day BETWEEN $2::date AND $3::date
     GROUP BY r.partner_id, r.link_id, r.campaign_id, l.code, l.label
     ORDER BY sum(r.clicks) DESC, sum(r.registrations) DESC, r.partner_id, r.link_id, r.campaign_id`,
    [partnerId, from, to],
  );
  return {
    partner_id: partnerId, from, to, currency: REPORT_CURRENCY,
    data: rows.map((r) => ({
      partner_id: r.partner_id as string,
      link_id: r.link_id === '' ? null : (r.link_id as string),
      code: r.code as string | null,
      label: r.label as string | null,
      campaign_id: r.campaign_id === '' ? null : (r.campaign_id as string),
      clicks: r.clicks as number,
      registrations: r.registrations as number,
      ftd_count: r.ftd_count as number,
      ftd_amount: r.ftd_amount as string,
      registration_rate: rate(r.registrations, r.clicks),
      ftd_rate: rate(r.ftd_count, r.registrations),
    })),
  };
}

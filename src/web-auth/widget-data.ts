import QRCode from 'qrcode';
import type { Sql } from '../db/index.ts';
import { inviteLinkOf } from '../partners/links/links.ts';
import { requirePartner } from '../partners/partners.ts';
import { change, kpisOf, METRICS, type Metric } from '../reporting/kpis.ts';
import { addDays } from '../reporting/period.ts';
import { REPORT_CURRENCY, timeseriesReport } from '../reporting/reports.ts';
import { businessDate } from '../shared/dates.ts';

/** The KPIs the widget shows, in order. */
export const WIDGET_KPIS: readonly Metric[] = ['registrations', 'ftd_count', 'deposits', 'net_deposits', 'lots', 'commission_approved'];
export const SERIES_METRIC: Metric = 'net_deposits';

const lastDayOfMonth = (monthStart: string) => addDays(`${nextMonth(monthStart)}`, -1);
function nextMonth(monthStart: string): string {
  const [y, m] = monthStart.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
function previousMonth(monthStart: string): string {
  const [y, m] = monthStart.split('-').map(Number);
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}

/**
 * This month so far against the same days of the month before, for the partner with its subtree,
 * in the broker's time zone; a 30-day daily series; the partner's invite link as URL and QR code.
 */
export async function widgetData(db: Sql, partnerId: string, now: Date, opts: { timeZone: string; linkBaseUrl: string }) {
  const partner = await requirePartner(db, partnerId);
  const today = businessDate(now.toISOString(), opts.timeZone);
  const from = `${today.slice(0, 8)}01`;
  const prevFrom = previousMonth(from);
  const sameDay = addDays(prevFrom, Number(today.slice(8, 10)) - 1);
  const prevTo = sameDay < from ? sameDay : lastDayOfMonth(prevFrom);
  const [current, previous] = [await kpisOf(db, partnerId, from, today), await kpisOf(db, partnerId, prevFrom, prevTo)];
  const kpis = Object.fromEntries(
    METRICS.map((m) => [m, { value: current.subtree[m], ...change(current.subtree[m], previous.subtree[m]) }]),
  );
  const series = await timeseriesReport(db, partnerId, SERIES_METRIC, 'day', addDays(today, -29), today, 'subtree');
  const link = await inviteLinkOf(db, partnerId);
  let inviteLink = null;
  if (link) {
    const url = `${opts.linkBaseUrl}/l/${link.code}`;
    inviteLink = { code: link.code, url, qr_svg: await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, width: 160 }) };
  }
  return {
    partner: { id: partner.partner_id, name: partner.name, status: partner.status },
    currency: REPORT_CURRENCY,
    time_zone: opts.timeZone,
    period: { from, to: today },
    previous_period: { from: prevFrom, to: prevTo },
    highlights: [...WIDGET_KPIS] as string[],
    kpis,
    invite_link: inviteLink,
    series: { metric: SERIES_METRIC, points: series.points.map((p) => ({ date: p.bucket, value: String(p.value) })) },
  };
}

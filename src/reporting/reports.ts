import type { Sql } from '../db/index.ts';
import { change, COUNT_METRICS, kpiColumns, kpisOf, METRICS, type Metric, metricSum, pick, SUBTREE } from './kpis.ts';
import { previousPeriod } from './period.ts';

export const REPORT_CURRENCY = 'USD';

/** KPIs of a partner (own and with its subtree) over a period, beside the period before it. */
export async function summaryReport(db: Sql, partnerId: string, from: string, to: string) {
  const prev = previousPeriod(from, to);
  const [current, previous] = [await kpisOf(db, partnerId, from, to), await kpisOf(db, partnerId, prev.from, prev.to)];
  const changes = Object.fromEntries(METRICS.map((m) => [m, change(current.subtree[m], previous.subtree[m])])) as Record<Metric, ReturnType<typeof change>>;
  return { partner_id: partnerId, currency: REPORT_CURRENCY, from, to, own: current.own, subtree: current.subtree, previous: { ...prev, own: previous.own, subtree: previous.subtree }, change: changes };
}

export type Interval = 'day' | 'week' | 'month';

/** One metric per day, ISO week (starting Monday) or month over the partner's subtree, with empty buckets as 0. */
export async function timeseriesReport(db: Sql, partnerId: string, metric: Metric, interval: Interval, from: string, to: string, scope: 'own' | 'subtree') {
  const who = scope === 'own' ? 'r.partner_id = $1' : `r.partner_id IN ${SUBTREE('$1')}`;
  const rows = await db.query<{ bucket: string; value: string | number }>(
    `WITH b AS (
       SELECT DISTINCT date_trunc($4, d)::date AS bucket FROM generate_series($2::date, $3::date, interval '1 day') AS d),
     v AS (
       SELECT date_trunc($4, r.day)::date AS bucket, ${metricSum(metric)} AS value
       FROM report_partner_daily r WHERE ${who} AND r.day BETWEEN $2::date AND $3::date GROUP BY 1)
     SELECT b.bucket::text AS bucket, coalesce(v.value, 0) AS value FROM b LEFT JOIN v USING (bucket) ORDER BY b.bucket`,
    [partnerId, from, to, interval],
  );
  const integer = (COUNT_METRICS as readonly string[]).includes(metric);
  return {
    partner_id: partnerId, metric, interval, scope, from, to, currency: REPORT_CURRENCY,
    points: rows.map((r) => ({ bucket: r.bucket, value: integer ? Number(r.value) : String(r.value) })),
  };
}

/** Every partner of the subtree (self first, by depth) with its own numbers and its subtree's. */
export async function subtreeReport(db: Sql, partnerId: string, from: string, to: string) {
  const rows = await db.query<Record<string, unknown>>(
    `WITH members AS (
       SELECT t.descendant_id AS partner_id, t.depth FROM partner_tree t WHERE t.ancestor_id = $1),
     totals AS (
       SELECT r.partner_id, ${METRICS.map((m) => `sum(r.${m}) AS ${m}`).join(', ')}
       FROM report_partner_daily r JOIN members m USING (partner_id) WHERE r.day BETWEEN $2::date AND $3::date GROUP BY r.partner_id)
     SELECT m.partner_id, p.name, p.parent_id, m.depth, o.*, s.*
     FROM members m JOIN partners p ON p.partner_id = m.partner_id
     CROSS JOIN LATERAL (SELECT ${kpiColumns('o_')} FROM totals r WHERE r.partner_id = m.partner_id) o
     CROSS JOIN LATERAL (SELECT ${kpiColumns('s_')} FROM totals r JOIN partner_tree d ON d.descendant_id = r.partner_id WHERE d.ancestor_id = m.partner_id) s
     ORDER BY m.depth, p.seq`,
    [partnerId, from, to],
  );
  return {
    partner_id: partnerId, from, to, currency: REPORT_CURRENCY,
    data: rows.map((r) => ({ partner_id: r.partner_id as string, name: r.name as string, parent_id: r.parent_id as string | null, depth: r.depth as number, own: pick(r, 'o_'), subtree: pick(r, 's_') })),
  };
}

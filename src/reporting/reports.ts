import type { Sql } from '../db/index.ts';
import { change, COUNT_METRICS, kpiColumns, kpisOf, METRICS, type Metric, metricSum, periodParams, pick, ROLLUP, ZERO_KPIS } from './kpis.ts';
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
  const table = scope === 'own' ? 'report_partner_daily' : 'report_subtree_daily';
  const rows = await db.query<{ bucket: string; value: string | number }>(
    `WITH b AS (
       SELECT DISTINCT date_trunc($4, d)::date AS bucket FROM generate_series($2::date, $3::date, interval '1 day') AS d),
     v AS (
       SELECT date_trunc($4, r.day)::date AS bucket, ${metricSum(metric)} AS value
       FROM ${table} r WHERE r.partner_id = $1 AND r.day BETWEEN $2::date AND $3::date GROUP BY 1)
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
  const members = 'r.partner_id IN (SELECT partner_id FROM members)';
  const rows = await db.query<Record<string, unknown>>(
    `WITH members AS MATERIALIZED (
       SELECT t.descendant_id AS partner_id, t.depth FROM partner_tree t WHERE t.ancestor_id = $1),
     own AS (SELECT r.partner_id AS own_id, ${kpiColumns('o_')} FROM ${ROLLUP('own', members, 2)} r GROUP BY r.partner_id),
     sub AS (SELECT r.partner_id AS sub_id, ${kpiColumns('s_')} FROM ${ROLLUP('subtree', members, 2)} r GROUP BY r.partner_id)
     SELECT m.partner_id, p.name, p.parent_id, m.depth, o.*, s.*
     FROM members m JOIN partners p ON p.partner_id = m.partner_id
     LEFT JOIN own o ON o.own_id = m.partner_id LEFT JOIN sub s ON s.sub_id = m.partner_id
     ORDER BY m.depth, p.seq`,
    [partnerId, ...periodParams(from, to)],
  );
  return {
    partner_id: partnerId, from, to, currency: REPORT_CURRENCY,
    data: rows.map((r) => ({
      partner_id: r.partner_id as string, name: r.name as string, parent_id: r.parent_id as string | null, depth: r.depth as number,
      own: r.own_id === null ? ZERO_KPIS : pick(r, 'o_'), subtree: r.sub_id === null ? ZERO_KPIS : pick(r, 's_'),
    })),
  };
}

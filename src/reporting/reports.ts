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

export type SubtreeSort = 'tree' | `own.${Metric}` | `subtree.${Metric}`;

export interface SubtreeQuery {
  from: string;
  to: string;
  /** Only partners at most this many levels below (0: the partner alone, 1: with its direct sub-IBs). */
  maxDepth?: number;
  /** tree: self first, then by depth and creation; `own.<metric>` / `subtree.<metric>`: largest first. */
  sort: SubtreeSort;
  /** Rows of one page; undefined: every row (the CSV export). */
  page?: { page: number; perPage: number };
}

/**
 * The partner and partners below it, each with its own numbers and its subtree's. In tree order a
 * page of partners is chosen first and only their rollups are read; sorted by a KPI, every member's
 * KPIs are computed in SQL and only the page leaves the database.
 */
export async function subtreeReport(db: Sql, partnerId: string, q: SubtreeQuery) {
  const params: unknown[] = [partnerId, ...periodParams(q.from, q.to), q.maxDepth ?? null];
  const depthFilter = 'AND ($8::int IS NULL OR t.depth <= $8::int)';
  const byTree = q.sort === 'tree';
  let window = '';
  if (q.page) {
    params.push(q.page.perPage, (q.page.page - 1) * q.page.perPage);
    window = 'LIMIT $9 OFFSET $10';
  }
  const [kind, metric] = byTree ? [] : (q.sort.split('.') as ['own' | 'subtree', Metric]);
  const order = byTree ? 'm.depth, m.seq' : `coalesce(${kind === 'own' ? 'o.o_' : 's.s_'}${metric}, 0) DESC, m.depth, m.seq`;
  const members = 'r.partner_id IN (SELECT partner_id FROM members)';
  const rows = await db.query<Record<string, unknown>>(
    `WITH members AS MATERIALIZED (
       SELECT t.descendant_id AS partner_id, t.depth, p.seq, p.name, p.parent_id
       FROM partner_tree t JOIN partners p ON p.partner_id = t.descendant_id
       WHERE t.ancestor_id = $1 ${depthFilter}
       ${byTree ? `ORDER BY t.depth, p.seq ${window}` : ''}),
     own AS (SELECT r.partner_id AS own_id, ${kpiColumns('o_')} FROM ${ROLLUP('own', members, 2)} r GROUP BY r.partner_id),
     sub AS (SELECT r.partner_id AS sub_id, ${kpiColumns('s_')} FROM ${ROLLUP('subtree', members, 2)} r GROUP BY r.partner_id)
     SELECT m.partner_id, m.name, m.parent_id, m.depth, (SELECT count(*)::int FROM partners c WHERE c.parent_id = m.partner_id) AS children, o.*, s.*
     FROM members m LEFT JOIN own o ON o.own_id = m.partner_id LEFT JOIN sub s ON s.sub_id = m.partner_id
     ORDER BY ${order} ${byTree ? '' : window}`,
    params,
  );
  const data = rows.map((r) => ({
    partner_id: r.partner_id as string, name: r.name as string, parent_id: r.parent_id as string | null, depth: r.depth as number, children: r.children as number,
    own: r.own_id === null ? ZERO_KPIS : pick(r, 'o_'), subtree: r.sub_id === null ? ZERO_KPIS : pick(r, 's_'),
  }));
  let total = data.length;
  if (q.page && (q.page.page > 1 || data.length === q.page.perPage)) {
    [{ total }] = await db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM partner_tree t WHERE t.ancestor_id = $1 AND ($2::int IS NULL OR t.depth <= $2::int)`,
      [partnerId, q.maxDepth ?? null],
    );
  }
  return {
    partner_id: partnerId, from: q.from, to: q.to, currency: REPORT_CURRENCY, sort: q.sort, data,
    meta: { total, page: q.page?.page ?? 1, per_page: q.page?.perPage ?? total },
  };
}

import { Dec } from '../shared/decimal.ts';
import type { Sql } from '../db/index.ts';

/** The KPIs of report_partner_daily: counts are integers, money (USD) and lots decimal strings. */
export const COUNT_METRICS = ['clicks', 'registrations', 'ftd_count'] as const;
export const MONEY_METRICS = [
  'ftd_amount', 'deposits', 'withdrawals', 'net_deposits',
  'commission_pending', 'commission_approved', 'commission_paid', 'commission_reversed',
] as const;
export const VOLUME_METRICS = ['lots', 'notional'] as const;
export const METRICS = [...COUNT_METRICS, ...MONEY_METRICS, ...VOLUME_METRICS] as const;
export type Metric = (typeof METRICS)[number];
export type Kpis = Record<Metric, string | number>;

/** The SQL expression that sums a metric over rollup rows r (optionally filtered) as its API type. */
export function metricSum(metric: Metric, filter = ''): string {
  const f = filter ? ` FILTER (WHERE ${filter})` : '';
  if ((COUNT_METRICS as readonly string[]).includes(metric)) return `coalesce(sum(r.${metric})${f}, 0)::int`;
  if ((MONEY_METRICS as readonly string[]).includes(metric)) return `round(coalesce(sum(r.${metric})${f}, 0), 2)`;
  return `trim_scale(coalesce(sum(r.${metric})${f}, 0))`;
}

export const kpiColumns = (prefix = '', filter = '') => METRICS.map((m) => `${metricSum(m, filter)} AS ${prefix}${m}`).join(', ');

/** The partner and every partner below it in the current tree (one index range of the closure table). */
export const SUBTREE = (param: string) => `(SELECT descendant_id FROM partner_tree WHERE ancestor_id = ${param})`;

export const pick = (row: Record<string, unknown>, prefix: string): Kpis =>
  Object.fromEntries(METRICS.map((m) => [m, row[`${prefix}${m}`] as string | number])) as Kpis;

/** The KPIs of a partner without a single fact in a period. */
export const ZERO_KPIS = Object.fromEntries(
  METRICS.map((m) => [m, (COUNT_METRICS as readonly string[]).includes(m) ? 0 : (MONEY_METRICS as readonly string[]).includes(m) ? '0.00' : '0']),
) as Kpis;

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const monthStart = (date: string) => `${date.slice(0, 7)}-01`;
const nextMonth = (month: string) => {
  const d = new Date(`${month}T00:00:00Z`);
  return iso(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
};
const NONE = ['infinity', '-infinity'];

/**
 * [from, to] as the six date parameters of ROLLUP: the whole calendar months inside it (read from the
 * monthly rollups) and the days before and after them (from the daily ones). Empty parts are
 * ('infinity', '-infinity'), which no BETWEEN matches.
 */
export function periodParams(from: string, to: string): string[] {
  const first = from === monthStart(from) ? from : nextMonth(monthStart(from));
  const end = nextMonth(monthStart(to)) === iso(Date.parse(`${to}T00:00:00Z`) + DAY) ? nextMonth(monthStart(to)) : monthStart(to);
  if (first >= end) return [...NONE, from, to, ...NONE];
  const lastMonth = iso(Date.parse(`${end}T00:00:00Z`) - DAY).slice(0, 8) + '01';
  return [first, lastMonth, from, iso(Date.parse(`${first}T00:00:00Z`) - DAY), end, to];
}

/**
 * The rollup rows of a kind (own: report_partner_*, subtree: report_subtree_*) over a period given as
 * the six parameters from $p on (periodParams), for the partners the condition `who` on r selects.
 * Every KPI column of report_partner_daily is there, under its name, beside r.partner_id.
 */
export const ROLLUP = (kind: 'own' | 'subtree', who: string, p: number) => {
  const t = kind === 'own' ? 'partner' : 'subtree';
  const cols = METRICS.map((m) => `r.${m}`).join(', ');
  return `(SELECT r.partner_id, ${cols} FROM report_${t}_monthly r WHERE ${who} AND r.month BETWEEN $${p}::date AND $${p + 1}::date
    UNION ALL SELECT r.partner_id, ${cols} FROM report_${t}_daily r
    WHERE ${who} AND (r.day BETWEEN $${p + 2}::date AND $${p + 3}::date OR r.day BETWEEN $${p + 4}::date AND $${p + 5}::date))`;
};

/** A partner's own and subtree KPIs over [from, to]: a few rows of the own and subtree rollups. */
export async function kpisOf(db: Sql, partnerId: string, from: string, to: string): Promise<{ own: Kpis; subtree: Kpis }> {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT * FROM (SELECT ${kpiColumns('own_')} FROM ${ROLLUP('own', 'r.partner_id = $1', 2)} r) o,
                   (SELECT ${kpiColumns('sub_')} FROM ${ROLLUP('subtree', 'r.partner_id = $1', 2)} r) s`,
    [partnerId, ...periodParams(from, to)],
  );
  return { own: pick(row, 'own_'), subtree: pick(row, 'sub_') };
}

/** Change from a previous value: the difference and the percentage (null when the previous is 0). */
export function change(current: string | number, previous: string | number): { previous: string | number; delta: string; percent: string | null } {
  const c = new Dec(current);
  const p = new Dec(previous);
  return { previous, delta: c.minus(p).toString(), percent: p.isZero() ? null : c.minus(p).div(p.abs()).times(100).toFixed(1) };
}

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

/** A partner's own and subtree KPIs over [from, to] in one pass over the rollup. */
export async function kpisOf(db: Sql, partnerId: string, from: string, to: string): Promise<{ own: Kpis; subtree: Kpis }> {
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT ${kpiColumns('own_', 'r.partner_id = $1')}, ${kpiColumns('sub_')}
     FROM report_partner_daily r WHERE r.partner_id IN ${SUBTREE('$1')} AND r.day BETWEEN $2::date AND $3::date`,
    [partnerId, from, to],
  );
  return { own: pick(row, 'own_'), subtree: pick(row, 'sub_') };
}

/** Change from a previous value: the difference and the percentage (null when the previous is 0). */
export function change(current: string | number, previous: string | number): { previous: string | number; delta: string; percent: string | null } {
  const c = new Dec(current);
  const p = new Dec(previous);
  return { previous, delta: c.minus(p).toString(), percent: p.isZero() ? null : c.minus(p).div(p.abs()).times(100).toFixed(1) };
}

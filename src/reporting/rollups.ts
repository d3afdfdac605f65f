import type { Database, Sql } from '../db/index.ts';
import { OUTBOX_HORIZON } from '../events/outbox.ts';
import {
  BUILD_ALL_SUBTREES_AND_MONTHS, DELETE_DAILY_FROM_SUBTREES, DELETE_ZERO_SUBTREE_ROWS, deleteKeys, insertPartnerRollups, RECOMPUTE_MONTHS, RECOMPUTE_SUBTREE_MONTHS, RECOMPUTE_SUBTREES, UPSERT_CUSTOMERS,
} from './rollup-sql.ts';

/** A partner and the business days of its rollups to derive again from the facts. */
export interface RollupKey {
  partnerId: string;
  /** YYYY-MM-DD, or '-infinity' / 'infinity'. */
  from: string;
  to: string;
}

const KEYED_TABLES = ['report_partner_instrument_daily', 'report_link_daily'];
const ALL_TABLES = 'report_partner_daily, report_partner_instrument_daily, report_link_daily, report_customers, report_subtree_daily, report_partner_monthly, report_subtree_monthly';
export const REPORT_CHANNEL = 'openib_reports';

/**
 * Replaces the partner rollups of the keys with what the facts say now (delete, then one insert).
 * The change of every own daily row goes to the subtree rows of the partner's ancestors (old rows
 * subtracted, new ones added, rows at 0 dropped), then the touched months are summed again.
 */
export async function recomputeKeys(tx: Sql, keys: RollupKey[], timeZone: string): Promise<{ daily: number }> {
  if (!keys.length) return { daily: 0 };
  const params = [keys.map((k) => k.partnerId), keys.map((k) => k.from), keys.map((k) => k.to)];
  await tx.query(DELETE_DAILY_FROM_SUBTREES, params);
  for (const table of KEYED_TABLES) await tx.query(deleteKeys(table), params);
  const [first, last] = span(keys);
  const narrow = first !== '-infinity' && last !== 'infinity' && Date.parse(last) - Date.parse(first) <= NARROW_DAYS * 86_400_000;
  const [written] = await tx.query<{ daily: number }>(insertPartnerRollups(true, narrow), [...params, timeZone, first, last]);
  await tx.query(DELETE_ZERO_SUBTREE_ROWS, params);
  for (const sql of RECOMPUTE_MONTHS) await tx.query(sql, params);
  return { daily: written.daily };
}

const earliest = (a: string, b: string) => (a === '-infinity' || (b !== '-infinity' && a < b) ? a : b);
const latest = (a: string, b: string) => (a === 'infinity' || (b !== 'infinity' && a > b) ? a : b);
/** Up to this many days, a round reads the span's transactions and signups by date first. */
const NARROW_DAYS = 31;
/** The first and last day over all keys. */
const span = (keys: RollupKey[]) => [keys.map((k) => k.from).reduce(earliest), keys.map((k) => k.to).reduce(latest)];

/**
 * Recomputes every subtree row of the partners and their ancestors from the own rows over the current
 * closure table: after a tree move, for the old and the new parent's chains.
 */
export async function recomputeSubtrees(tx: Sql, partnerIds: string[]): Promise<string[]> {
  if (!partnerIds.length) return [];
  const rows = await tx.query<{ ancestor_id: string }>('SELECT DISTINCT ancestor_id FROM partner_tree WHERE descendant_id = ANY($1::text[])', [partnerIds]);
  const ids = rows.map((r) => r.ancestor_id);
  for (const sql of [...RECOMPUTE_SUBTREES, ...RECOMPUTE_SUBTREE_MONTHS]) await tx.query(sql, [ids]);
  return ids;
}

/** Recomputes the per-customer report rows: the listed customers, or every customer when ids is null. */
export async function recomputeCustomers(tx: Sql, ids: string[] | null, timeZone: string): Promise<void> {
  if (ids && !ids.length) return;
  await tx.query(UPSERT_CUSTOMERS, [ids, timeZone]);
}

/**
 * Tells every API process which partners' numbers changed (delivered when the transaction commits).
 * NOTIFY payloads are limited to 8000 bytes: long lists are split, and "*" stands for everyone.
 */
export async function notifyChanged(tx: Sql, partnerIds: string[]): Promise<void> {
  if (!partnerIds.length) return;
  if (partnerIds.length > 2000) {
    await tx.query('SELECT pg_notify($1, $2)', [REPORT_CHANNEL, '*']);
    return;
  }
  let chunk: string[] = [];
  let size = 0;
  const flush = async () => {
    if (chunk.length) await tx.query('SELECT pg_notify($1, $2)', [REPORT_CHANNEL, chunk.join(',')]);
    chunk = [];
    size = 0;
  };
  for (const id of partnerIds) {
    if (size + id.length + 1 > 7000) await flush();
    chunk.push(id);
    size += id.length + 1;
  }
  await flush();
}

/**
 * Rebuilds every rollup from the facts in one transaction, then moves the worker's outbox position
 * past every event the rebuild already saw (events of transactions still open are read again: harmless).
 */
export async function rebuildRollups(db: Database, timeZone: string): Promise<{ partners: number; daily: number; customers: number; seconds: number }> {
  const started = Date.now();
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM report_event_position WHERE id = 1 FOR UPDATE');
    await tx.query(`TRUNCATE ${ALL_TABLES}`);
    // Fresh bulk loads have no planner statistics yet; the rebuild reads every fact table.
    await tx.query('ANALYZE customers, transactions, trading_activity, attributions, clicks, ledger_entries, partners, partner_tree');
    const partners = await tx.query<{ partner_id: string }>('SELECT partner_id FROM partners ORDER BY partner_id');
    const keys = partners.map((p) => ({ partnerId: p.partner_id, from: '-infinity', to: 'infinity' }));
    // Every partner at once: the own rows, then the subtree and monthly rows in one scan each
    // (the worker's per-key arithmetic would only repeat that work key by key).
    const params = [keys.map((k) => k.partnerId), keys.map((k) => k.from), keys.map((k) => k.to), timeZone, '-infinity', 'infinity'];
    const [{ daily }] = await tx.query<{ daily: number }>(insertPartnerRollups(false), params);
    for (const sql of BUILD_ALL_SUBTREES_AND_MONTHS) await tx.query(sql);
    await recomputeCustomers(tx, null, timeZone);
    const [{ n }] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM report_customers');
    await tx.query(
      `UPDATE report_event_position p SET last_txid = e.txid, last_event_id = e.id, updated_at = now()
       FROM (SELECT txid, id FROM events WHERE txid < ${OUTBOX_HORIZON} ORDER BY txid DESC, id DESC LIMIT 1) e
       WHERE p.id = 1 AND (e.txid, e.id) > (p.last_txid, p.last_event_id)`,
    );
    await notifyChanged(tx, ['*']);
    return { partners: partners.length, daily, customers: n, seconds: (Date.now() - started) / 1000 };
  });
}

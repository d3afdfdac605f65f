import type { Sql } from '../db/index.ts';
import { validationFailed } from '../shared/errors.ts';
import { type BatchResult, type Outcome, summarise } from './batch.ts';
import type { ActivityRecord } from './specs.ts';

export const activityKey = (r: Pick<ActivityRecord, 'date' | 'customer_id' | 'instrument' | 'currency'>) =>
  `${r.date}|${r.customer_id}|${r.instrument}|${r.currency}`;

/*
 * One statement does the whole batch, so it is atomic on its own and costs one round trip: it finds
 * customers that do not exist (then writes nothing), upserts the rows that differ from what is
 * stored, and appends one activity.upserted event summarising what changed.
 */
const UPSERT_ACTIVITY = `
WITH input AS (
  SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[])
    AS t(date, customer_id, instrument, currency, lots_traded, volume_usd, spread_cost, commission, pnl)
), missing AS (
  SELECT DISTINCT i.customer_id FROM input i WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = i.customer_id)
), written AS (
  INSERT INTO trading_activity AS a (date, customer_id, instrument, currency, lots_traded, volume_usd, spread_cost, commission, pnl)
  SELECT * FROM input WHERE NOT EXISTS (SELECT 1 FROM missing)
  ON CONFLICT (date, customer_id, instrument, currency) DO UPDATE SET
    lots_traded = EXCLUDED.lots_traded, volume_usd = EXCLUDED.volume_usd, spread_cost = EXCLUDED.spread_cost,
    commission = EXCLUDED.commission, pnl = EXCLUDED.pnl, updated_at = now()
  WHERE (a.lots_traded, a.volume_usd, a.spread_cost, a.commission, a.pnl)
    IS DISTINCT FROM (EXCLUDED.lots_traded, EXCLUDED.volume_usd, EXCLUDED.spread_cost, EXCLUDED.commission, EXCLUDED.pnl)
  RETURNING date, customer_id, instrument, currency, (xmax = 0) AS inserted
), event AS (
  INSERT INTO events (type, subject_type, subject_id, data)
  SELECT 'activity.upserted', 'activity_batch', min(date)::text || '..' || max(date)::text,
         jsonb_build_object('rows', count(*), 'created', count(*) FILTER (WHERE inserted),
                            'date_from', min(date), 'date_to', max(date),
                            'customer_ids', to_jsonb(array_agg(DISTINCT customer_id)))
  FROM written HAVING count(*) > 0
  RETURNING id
), notified AS (
  SELECT pg_notify('openib_events', '1') FROM event
)
SELECT 'written' AS kind, date::text AS date, customer_id, instrument, currency, inserted FROM written
UNION ALL SELECT 'missing', NULL, customer_id, NULL, NULL, NULL FROM missing
UNION ALL SELECT 'notified', NULL, NULL, NULL, NULL, NULL FROM notified`;

interface ResultRow {
  kind: 'written' | 'missing' | 'notified';
  date: string;
  customer_id: string;
  instrument: string;
  currency: string;
  inserted: boolean;
}

/**
 * Upserts daily activity. The record for a (date, customer, instrument, currency) replaces the
 * stored one whole; a record equal to the stored one changes nothing. Every customer must exist.
 */
export async function upsertActivity(sql: Sql, records: ActivityRecord[]): Promise<BatchResult> {
  const col = <K extends keyof ActivityRecord>(k: K) => records.map((r) => r[k] ?? null);
  const rows = await sql.query<ResultRow>(UPSERT_ACTIVITY, [
    col('date'),
    col('customer_id'),
    col('instrument'),
    col('currency'),
    col('lots_traded'),
    col('volume_usd'),
    col('spread_cost'),
    col('commission'),
    col('pnl'),
  ]);
  const missing = new Set(rows.filter((r) => r.kind === 'missing').map((r) => r.customer_id));
  if (missing.size) {
    throw validationFailed(
      records.flatMap((r, index) =>
        missing.has(r.customer_id) ? [{ index, field: 'customer_id', reason: `no customer "${r.customer_id}" exists; send the customer first` }] : [],
      ),
    );
  }
  const outcomes = new Map<string, Outcome>(
    rows.filter((r) => r.kind === 'written').map((r) => [activityKey(r), r.inserted ? 'created' : 'updated']),
  );
  return summarise(records.map(activityKey), (key) => outcomes.get(key) ?? 'unchanged');
}

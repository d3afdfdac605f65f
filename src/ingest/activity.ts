import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { type FieldIssue, validationFailed } from '../shared/errors.ts';
import { type BatchResult, type Outcome, summarise } from './batch.ts';
import { existingCustomerIds } from './customers.ts';
import type { ActivityRecord } from './specs.ts';

export const activityKey = (r: Pick<ActivityRecord, 'date' | 'customer_id' | 'instrument' | 'currency'>) =>
  `${r.date}|${r.customer_id}|${r.instrument}|${r.currency}`;

/**
 * Upserts daily activity in the caller's transaction. The record for a (date, customer, instrument,
 * currency) replaces the stored one whole; a record equal to the stored one changes nothing.
 * One activity.upserted event summarises the rows a batch actually changed.
 */
export async function upsertActivity(tx: Sql, records: ActivityRecord[]): Promise<BatchResult> {
  const customers = await existingCustomerIds(tx, records.map((r) => r.customer_id));
  const issues: FieldIssue[] = [];
  records.forEach((r, index) => {
    if (!customers.has(r.customer_id))
      issues.push({ index, field: 'customer_id', reason: `no customer "${r.customer_id}" exists; send the customer first` });
  });
  if (issues.length) throw validationFailed(issues);

  const col = <K extends keyof ActivityRecord>(k: K) => records.map((r) => r[k] ?? null);
  const rows = await tx.query<{ date: string; customer_id: string; instrument: string; currency: string; inserted: boolean }>(
    `INSERT INTO trading_activity AS a (date, customer_id, instrument, currency, lots_traded, volume_usd, spread_cost, commission, pnl)
     SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[])
     ON CONFLICT (date, customer_id, instrument, currency) DO UPDATE SET
       lots_traded = EXCLUDED.lots_traded, volume_usd = EXCLUDED.volume_usd, spread_cost = EXCLUDED.spread_cost,
       commission = EXCLUDED.commission, pnl = EXCLUDED.pnl, updated_at = now()
     WHERE (a.lots_traded, a.volume_usd, a.spread_cost, a.commission, a.pnl)
       IS DISTINCT FROM (EXCLUDED.lots_traded, EXCLUDED.volume_usd, EXCLUDED.spread_cost, EXCLUDED.commission, EXCLUDED.pnl)
     RETURNING date, customer_id, instrument, currency, (xmax = 0) AS inserted`,
    [
      col('date'),
      col('customer_id'),
      col('instrument'),
      col('currency'),
      col('lots_traded'),
      col('volume_usd'),
      col('spread_cost'),
      col('commission'),
      col('pnl'),
    ],
  );
  const outcomes = new Map<string, Outcome>(rows.map((r) => [activityKey(r), r.inserted ? 'created' : 'updated']));
  if (rows.length) {
    const dates = rows.map((r) => r.date).sort();
    await appendEvents(tx, [
      {
        type: 'activity.upserted',
        subjectType: 'activity_batch',
        subjectId: `${dates[0]}..${dates[dates.length - 1]}`,
        data: {
          rows: rows.length,
          created: rows.filter((r) => r.inserted).length,
          date_from: dates[0],
          date_to: dates[dates.length - 1],
          customer_ids: [...new Set(rows.map((r) => r.customer_id))],
        },
      },
    ]);
  }
  return summarise(records.map(activityKey), (key) => outcomes.get(key) ?? 'unchanged');
}

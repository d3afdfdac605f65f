import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import type { FieldSpec } from '../ingest/fields.ts';
import type { BatchResult, Outcome } from '../ingest/batch.ts';
import { summarise } from '../ingest/batch.ts';

export const FX_FIELDS: readonly FieldSpec[] = [
  { name: 'date', kind: 'date', required: true, description: 'Day the rate applies to (YYYY-MM-DD).', example: '2026-03-02' },
  { name: 'base', kind: 'currency', required: true, description: 'Currency converted from.', example: 'EUR' },
  { name: 'quote', kind: 'currency', required: true, description: 'Currency converted to.', example: 'USD' },
  { name: 'rate', kind: 'decimal', nonNegative: true, required: true, description: 'Units of quote per one unit of base.', example: '1.0842' },
  { name: 'source', kind: 'text', description: 'Where the rate came from (e.g. ECB, the broker\'s EOD feed).' },
];

export interface FxRateRecord {
  date: string;
  base: string;
  quote: string;
  rate: string;
  source?: string;
}

export const fxKey = (r: FxRateRecord) => `${r.date}|${r.base}|${r.quote}`;

export function checkFxRate(r: FxRateRecord, index: number) {
  const issues = [];
  if (r.base === r.quote) issues.push({ index, field: 'quote', reason: 'must differ from base' });
  if (/^0(\.0*)?$/.test(r.rate)) issues.push({ index, field: 'rate', reason: 'must be greater than zero' });
  return issues;
}

/** Upserts daily rates; a changed rate for a past day is a correction the commission engine picks up. */
export async function upsertFxRates(tx: Sql, records: FxRateRecord[]): Promise<BatchResult> {
  const rows = await tx.query<{ date: string; base: string; quote: string; inserted: boolean }>(
    `INSERT INTO fx_rates AS f (date, base, quote, rate, source)
     SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::numeric[], $5::text[])
     ON CONFLICT (date, base, quote) DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source, updated_at = now()
     WHERE (f.rate, f.source) IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.source)
     RETURNING date::text, base, quote, (xmax = 0) AS inserted`,
    [records.map((r) => r.date), records.map((r) => r.base), records.map((r) => r.quote), records.map((r) => r.rate), records.map((r) => r.source ?? null)],
  );
  if (rows.length) {
    const dates = rows.map((r) => r.date).sort();
    await appendEvents(tx, [{ type: 'fx_rates.updated', subjectType: 'fx_rates', subjectId: `${dates[0]}..${dates[dates.length - 1]}`, data: { date_from: dates[0], date_to: dates[dates.length - 1], rates: rows.length } }]);
  }
  const outcomes = new Map<string, Outcome>(rows.map((r) => [`${r.date}|${r.base}|${r.quote}`, r.inserted ? 'created' : 'updated']));
  return summarise(records.map(fxKey), (k) => outcomes.get(k) ?? 'unchanged');
}

/** Units of `to` per unit of `from` on a day (direct, inverse or through USD); null when unknown. */
export async function fxRate(db: Sql, date: string, from: string, to: string): Promise<string | null> {
  const [row] = await db.query<{ rate: string | null }>('SELECT fx_rate($1::date, $2, $3) AS rate', [date, from, to]);
  return row?.rate ?? null;
}

import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { businessDate } from '../shared/dates.ts';
import { type FieldIssue, validationFailed } from '../shared/errors.ts';
import { upsertActivity } from './activity.ts';
import { type BatchResult, type Outcome, summarise } from './batch.ts';
import { existingCustomerIds } from './customers.ts';
import type { FieldSpec } from './fields.ts';
import { customersForLogins } from '../partners/accounts/trading-accounts.ts';
import { loginKey } from '../partners/own-accounts.ts';
import type { ActivityRecord } from './specs.ts';

export const DEAL_FIELDS: readonly FieldSpec[] = [
  { name: 'deal_id', kind: 'id', required: true, description: 'The platform\'s deal id (prefix it with the server when several servers feed OpenIB).', example: 'mt5-live1-21' },
  { name: 'customer_id', kind: 'id', description: 'An existing customer; may be left out when platform + login name a mapped trading account.', example: 'C-100045' },
  { name: 'platform', kind: 'text', maxLength: 20, description: 'mt4, mt5, ctrader, …', example: 'mt5' },
  { name: 'server', kind: 'text', maxLength: 100, description: 'Trading server of the login (empty when the broker has one).', example: 'live1' },
  { name: 'login', kind: 'text', maxLength: 50, description: 'Trading account login the deal was made on; mapped to its customer with POST /api/v1/trading-accounts.', example: '1006' },
  { name: 'symbol', kind: 'id', required: true, description: 'Symbol as on the platform.', example: 'EURUSD' },
  { name: 'side', kind: 'enum', values: ['buy', 'sell'], required: true, description: 'Direction of the position the deal belongs to.', example: 'buy' },
  { name: 'lots', kind: 'decimal', nonNegative: true, required: true, description: 'Standard lots (MT4 VOLUME/100, MT5 Volume/10000).', example: '1.00' },
  { name: 'open_time', kind: 'datetime', description: 'When the position opened; needed for minimum-hold rules.', example: '2026-03-02T09:00:00Z' },
  { name: 'close_time', kind: 'datetime', required: true, description: 'When the position closed; its broker business day is the activity day.', example: '2026-03-02T09:12:30Z' },
  { name: 'open_price', kind: 'decimal', nonNegative: true, description: 'Open price.', example: '1.14037' },
  { name: 'close_price', kind: 'decimal', nonNegative: true, description: 'Close price.', example: '1.14029' },
  { name: 'spread_cost', kind: 'decimal', nonNegative: true, description: 'Spread paid, in `currency`.', example: '7.00' },
  { name: 'commission', kind: 'decimal', description: 'Commission charged (the sign is ignored: platforms book it negative).', example: '-3.50' },
  { name: 'swap', kind: 'decimal', description: 'Swap, in `currency`.', example: '0' },
  { name: 'profit', kind: 'decimal', description: 'Client profit of the deal, in `currency`.', example: '-8.00' },
  { name: 'volume_usd', kind: 'decimal', nonNegative: true, description: 'Notional in USD, when the source knows it.', example: '114029' },
  { name: 'currency', kind: 'currency', required: true, description: 'Account currency of the money fields.', example: 'USD' },
];

export interface DealRecord {
  deal_id: string;
  customer_id: string;
  platform?: string;
  server?: string;
  login?: string;
  symbol: string;
  side: 'buy' | 'sell';
  lots: string;
  open_time?: string;
  close_time: string;
  open_price?: string;
  close_price?: string;
  spread_cost?: string;
  commission?: string;
  swap?: string;
  profit?: string;
  volume_usd?: string;
  currency: string;
}

export function checkDeal(d: DealRecord, index: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (d.open_time && d.open_time > d.close_time) issues.push({ index, field: 'open_time', reason: 'must not be after close_time' });
  if (!d.customer_id && !(d.platform && d.login)) issues.push({ index, field: 'customer_id', reason: 'is required unless platform and login are given' });
  return issues;
}

/** Fills in customer_id from the trading-account mapping for deals sent by platform login. */
async function resolveLogins(tx: Sql, deals: DealRecord[]): Promise<FieldIssue[]> {
  const login = (d: DealRecord) => ({ platform: (d.platform ?? '').toLowerCase(), server: d.server ?? '', login: d.login ?? '' });
  const wanted = deals.filter((d) => !d.customer_id).map(login);
  const found = await customersForLogins(tx, wanted);
  const issues: FieldIssue[] = [];
  deals.forEach((d, index) => {
    if (d.customer_id) return;
    const customerId = found.get(loginKey(login(d)));
    if (customerId) d.customer_id = customerId;
    else issues.push({ index, field: 'login', reason: `no customer is mapped to ${d.platform} login ${d.login}${d.server ? ` on ${d.server}` : ''}; map it with POST /api/v1/trading-accounts` });
  });
  return issues;
}

const COLUMNS = ['deal_id', 'customer_id', 'platform', 'login', 'symbol', 'side', 'lots', 'open_time', 'close_time', 'trading_day', 'open_price', 'close_price', 'spread_cost', 'commission', 'swap', 'profit', 'volume_usd', 'currency'] as const;
const TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'numeric', 'timestamptz', 'timestamptz', 'date', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'text'];

/**
 * Upserts deals and rolls them up into the daily activity of their close day (in the broker's
 * time zone): the activity record of every touched (day, customer, symbol, currency) is rebuilt
 * from all its deals, through the same write as pushed activity.
 */
export async function upsertDeals(tx: Sql, deals: DealRecord[], timeZone: string): Promise<BatchResult> {
  const unmapped = await resolveLogins(tx, deals);
  if (unmapped.length) throw validationFailed(unmapped);
  const customers = await existingCustomerIds(tx, deals.map((d) => d.customer_id));
  const issues = deals.flatMap((d, index) =>
    customers.has(d.customer_id) ? [] : [{ index, field: 'customer_id', reason: `no customer "${d.customer_id}" exists; send the customer first` }],
  );
  if (issues.length) throw validationFailed(issues);

  const rows = deals.map((d) => ({ ...d, trading_day: businessDate(d.close_time, timeZone) }));
  const params = COLUMNS.map((c) => rows.map((r) => (r as Record<string, string | undefined>)[c] ?? null));
  const unnest = COLUMNS.map((_, i) => `$${i + 1}::${TYPES[i]}[]`).join(', ');
  const sets = COLUMNS.filter((c) => c !== 'deal_id').map((c) => `${c} = EXCLUDED.${c}`).join(', ');
  const compare = COLUMNS.filter((c) => c !== 'deal_id');
  // The previous day/customer/symbol of a changed deal must be rebuilt too, so fetch it first.
  const before = await tx.query<{ trading_day: string; customer_id: string; symbol: string; currency: string }>(
    'SELECT trading_day::text, customer_id, symbol, currency FROM deals WHERE deal_id = ANY($1::text[])',
    [deals.map((d) => d.deal_id)],
  );
  const written = await tx.query<{ deal_id: string; inserted: boolean }>(
    `INSERT INTO deals AS d (${COLUMNS.join(', ')}) SELECT * FROM unnest(${unnest})
     ON CONFLICT (deal_id) DO UPDATE SET ${sets}, updated_at = now()
     WHERE (${compare.map((c) => `d.${c}`).join(', ')}) IS DISTINCT FROM (${compare.map((c) => `EXCLUDED.${c}`).join(', ')})
     RETURNING deal_id, (xmax = 0) AS inserted`,
    params,
  );
  const outcomes = new Map<string, Outcome>(written.map((w) => [w.deal_id, w.inserted ? 'created' : 'updated']));
  if (written.length) {
    const changed = new Set(written.map((w) => w.deal_id));
    const keys = [...before, ...rows.filter((r) => changed.has(r.deal_id))];
    await rebuildActivity(tx, keys);
    await appendEvents(tx, [{ type: 'deals.upserted', subjectType: 'deal_batch', subjectId: written[0].deal_id, data: { deals: written.length } }]);
  }
  return summarise(deals.map((d) => d.deal_id), (id) => outcomes.get(id) ?? 'unchanged');
}

async function rebuildActivity(tx: Sql, keys: { trading_day: string; customer_id: string; symbol: string; currency: string }[]) {
  const unique = [...new Map(keys.map((k) => [`${k.trading_day}|${k.customer_id}|${k.symbol}|${k.currency}`, k])).values()];
  const sums = await tx.query<{
    date: string;
    customer_id: string;
    instrument: string;
    currency: string;
    lots: string;
    volume_usd: string | null;
    spread_cost: string | null;
    commission: string | null;
    pnl: string | null;
  }>(
    `SELECT k.day::text AS date, k.customer_id, k.symbol AS instrument, k.currency,
            coalesce(sum(d.lots), 0) AS lots, sum(d.volume_usd) AS volume_usd, sum(d.spread_cost) AS spread_cost,
            sum(abs(d.commission)) AS commission,
            CASE WHEN count(d.profit) + count(d.swap) = 0 THEN NULL ELSE coalesce(sum(d.profit), 0) + coalesce(sum(d.swap), 0) END AS pnl
     FROM unnest($1::date[], $2::text[], $3::text[], $4::text[]) AS k(day, customer_id, symbol, currency)
     LEFT JOIN deals d ON d.trading_day = k.day AND d.customer_id = k.customer_id AND d.symbol = k.symbol AND d.currency = k.currency
     GROUP BY k.day, k.customer_id, k.symbol, k.currency`,
    [unique.map((k) => k.trading_day), unique.map((k) => k.customer_id), unique.map((k) => k.symbol), unique.map((k) => k.currency)],
  );
  const records: ActivityRecord[] = sums.map((s) => ({
    date: s.date,
    customer_id: s.customer_id,
    instrument: s.instrument,
    currency: s.currency,
    lots_traded: s.lots,
    volume_usd: s.volume_usd ?? undefined,
    spread_cost: s.spread_cost ?? undefined,
    commission: s.commission ?? undefined,
    pnl: s.pnl ?? undefined,
  }));
  if (records.length) await upsertActivity(tx, records);
}

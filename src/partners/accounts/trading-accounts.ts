import type { Sql } from '../../db/index.ts';
import { appendEvents, type NewEvent } from '../../events/outbox.ts';
import { type BatchResult, type Outcome, summarise } from '../../ingest/batch.ts';
import { existingCustomerIds } from '../../ingest/customers.ts';
import type { FieldSpec } from '../../ingest/fields.ts';
import { AppError, type FieldIssue, validationFailed } from '../../shared/errors.ts';
import { type Login, loginKey } from '../own-accounts.ts';

export const PLATFORM_PATTERN = '^[a-z0-9][a-z0-9_-]{1,19}$';
const PLATFORM = new RegExp(PLATFORM_PATTERN);

export const TRADING_ACCOUNT_FIELDS: readonly FieldSpec[] = [
  { name: 'platform', kind: 'text', maxLength: 20, required: true, description: 'Trading platform: mt4, mt5, ctrader, dxtrade, matchtrader…', example: 'mt5' },
  { name: 'server', kind: 'text', maxLength: 100, description: 'Trading server the login lives on (logins repeat across MT4/MT5 servers). Leave out where logins are global.', example: 'Broker-Live01' },
  { name: 'login', kind: 'id', required: true, description: 'The account\'s login on that platform and server.', example: '5012345' },
  { name: 'customer_id', kind: 'id', required: true, description: 'The customer this login belongs to.', example: 'C-100045' },
];

export interface TradingAccount extends Login {
  customer_id: string;
}

/** Normalises what validation let through: platform lower case, no server as ''. */
export function checkLogins(records: TradingAccount[]): TradingAccount[] {
  const issues: FieldIssue[] = [];
  const out = records.map((r, index) => {
    const platform = r.platform.toLowerCase();
    if (!PLATFORM.test(platform)) issues.push({ index, field: 'platform', reason: 'must be 2–20 lower-case letters, digits, - or _ (mt4, mt5, ctrader…)' });
    if (r.login.length > 64) issues.push({ index, field: 'login', reason: 'must be at most 64 characters' });
    return { platform, server: r.server ?? '', login: r.login, customer_id: r.customer_id };
  });
  if (issues.length) throw validationFailed(issues);
  return out;
}

/**
 * Maps logins to customers. One customer has any number of logins; a login belongs to one
 * customer, so a login already mapped to another customer is refused until it is unlinked.
 */
export async function upsertTradingAccounts(tx: Sql, records: TradingAccount[]): Promise<BatchResult> {
  const keys = records.map(loginKey);
  const customers = await existingCustomerIds(tx, records.map((r) => r.customer_id));
  const stored = new Map(
    (
      await tx.query<TradingAccount>(
        `SELECT t.platform, t.server, t.login, t.customer_id FROM trading_accounts t
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS x(platform, server, login)
           ON t.platform = x.platform AND t.server = x.server AND t.login = x.login
         FOR UPDATE OF t`,
        [records.map((r) => r.platform), records.map((r) => r.server), records.map((r) => r.login)],
      )
    ).map((r) => [loginKey(r), r]),
  );
  const issues: FieldIssue[] = [];
  records.forEach((r, index) => {
    if (!customers.has(r.customer_id)) issues.push({ index, field: 'customer_id', reason: `no customer "${r.customer_id}" exists; send the customer first` });
    const before = stored.get(loginKey(r));
    if (before && before.customer_id !== r.customer_id)
      issues.push({ index, field: 'login', reason: `belongs to customer "${before.customer_id}"; unlink it there first (DELETE /api/v1/trading-accounts)` });
  });
  if (issues.length) throw validationFailed(issues);

  const fresh = records.filter((r) => !stored.has(loginKey(r)));
  if (fresh.length) {
    await tx.query(
      `INSERT INTO trading_accounts (platform, server, login, customer_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [fresh.map((r) => r.platform), fresh.map((r) => r.server), fresh.map((r) => r.login), fresh.map((r) => r.customer_id)],
    );
    const events: NewEvent[] = fresh.map((r) => ({ type: 'trading_account.linked', subjectType: 'customer', subjectId: r.customer_id, data: { ...r } }));
    await appendEvents(tx, events);
    await flagSharedLogins(tx, fresh);
  }
  const outcome = new Map<string, Outcome>(records.map((r) => [loginKey(r), stored.has(loginKey(r)) ? 'unchanged' : 'created']));
  return summarise(keys, (k) => outcome.get(k) ?? 'unchanged');
}

/**
 * A login that turns out to be one of the owning partner's own accounts makes the current
 * attribution a self-referral; it is flagged now and said with an event.
 */
async function flagSharedLogins(tx: Sql, logins: TradingAccount[]): Promise<void> {
  const flagged = await tx.query<{ attribution_id: number; customer_id: string; partner_id: string }>(
    `UPDATE attributions a SET self_referral = 'shared_login'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(platform, server, login, customer_id)
     JOIN partner_accounts pa ON pa.platform = x.platform AND pa.server = x.server AND pa.login = x.login
     WHERE a.customer_id = x.customer_id AND a.partner_id = pa.partner_id AND a.superseded_at IS NULL
       AND a.effective_to IS NULL AND a.self_referral IS NULL
     RETURNING a.attribution_id, a.customer_id, a.partner_id`,
    [logins.map((r) => r.platform), logins.map((r) => r.server), logins.map((r) => r.login), logins.map((r) => r.customer_id)],
  );
  await appendEvents(
    tx,
    flagged.map((f) => ({
      type: 'attribution.self_referral',
      subjectType: 'customer',
      subjectId: f.customer_id,
      data: { customer_id: f.customer_id, partner_id: f.partner_id, self_referral: 'shared_login' },
    })),
  );
}

export async function unlinkTradingAccount(tx: Sql, login: Login): Promise<TradingAccount & { created_at: string }> {
  const [row] = await tx.query<TradingAccount & { created_at: string }>(
    'DELETE FROM trading_accounts WHERE platform = $1 AND server = $2 AND login = $3 RETURNING platform, server, login, customer_id, created_at',
    [login.platform, login.server, login.login],
  );
  if (!row) throw new AppError(404, 'not_found', 'No such login is mapped.');
  const { created_at: _, ...data } = row;
  await appendEvents(tx, [{ type: 'trading_account.unlinked', subjectType: 'customer', subjectId: row.customer_id, data }]);
  return row;
}

/**
 * The customer behind each login, for sources that key activity or deals by login (connectors).
 * One query for any number of logins; logins nobody is mapped to are absent from the answer.
 */
export async function customersForLogins(db: Sql, logins: Login[]): Promise<Map<string, string>> {
  if (logins.length === 0) return new Map();
  const rows = await db.query<TradingAccount>(
    `SELECT t.platform, t.server, t.login, t.customer_id FROM trading_accounts t
     JOIN unnest($1::text[], $2::text[], $3::text[]) AS x(platform, server, login)
       ON t.platform = x.platform AND t.server = x.server AND t.login = x.login`,
    [logins.map((l) => l.platform), logins.map((l) => l.server), logins.map((l) => l.login)],
  );
  return new Map(rows.map((r) => [loginKey(r), r.customer_id]));
}

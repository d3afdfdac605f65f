import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { FieldIssue } from '../../shared/errors.ts';

/*
 * What an admin configures for a pull connector. Credentials (an auth header, a MySQL URL with its
 * password) travel in `secrets`, which are sealed at rest and never shown again.
 */

const Path = Type.String({ maxLength: 200 });

const Common = {
  pause_after_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'Consecutive failed runs after which the connector pauses and raises connector.failed.' })),
  retry: Type.Optional(
    Type.Object(
      {
        attempts: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'Tries per request within one run.' }),
        base_delay_ms: Type.Integer({ minimum: 0, maximum: 60_000, default: 500, description: 'First backoff; doubled each try, with jitter.' }),
      },
      { additionalProperties: false },
    ),
  ),
  lag_alert_seconds: Type.Optional(
    Type.Integer({ minimum: 10, maximum: 86_400 * 30, default: 900, description: 'Lag (oldest source fact not yet applied) above which connector.lagging is raised, once until it catches up.' }),
  ),
};

export const RestConfigSchema = Type.Object(
  {
    url: Type.String({
      maxLength: 2000,
      pattern: '^https?://',
      description: 'URL template; {page}, {per_page}, {cursor} and {modified_since} are replaced (URL-encoded).',
      examples: ['https://crm.example.com/api/customers?page={page}&per_page={per_page}'],
    }),
    pagination: Type.Union([
      Type.Object({ style: Type.Literal('page'), per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), first_page: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      Type.Object(
        { style: Type.Literal('cursor'), cursor_path: Path, per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
        { additionalProperties: false, description: 'cursor_path: where the next cursor is in the answer (null at the end).' },
      ),
      Type.Object(
        {
          style: Type.Literal('modified_since'),
          modified_path: Path,
          per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          initial: Type.Optional(Type.String({ maxLength: 40, description: 'First modified_since (ISO); default 1970-01-01T00:00:00Z.' })),
        },
        { additionalProperties: false, description: 'modified_path: the modification time inside each record; the next run asks from the largest one seen.' },
      ),
    ]),
    records_path: Type.String({ maxLength: 200, description: 'Where the list of records is in the answer (empty for a bare array).', examples: ['data'] }),
    mapping: Type.String({ maxLength: 100, description: 'Mapping document for the records.' }),
    event: Type.String({ maxLength: 200, description: 'Which event rule of the mapping to apply to every record.', examples: ['customer'] }),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 1000 }), { description: 'Extra non-secret headers.' })),
    max_pages_per_run: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 30_000 })),
    ...Common,
  },
  { additionalProperties: false },
);
export type RestConfig = Static<typeof RestConfigSchema>;

export const MtConfigSchema = Type.Object(
  {
    server: Type.String({ pattern: '^[A-Za-z0-9._-]{1,50}$', description: 'Name of the trading server; part of every deal, ticket and login key.', examples: ['live1'] }),
    server_time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone the trade server writes its times in (often EET, i.e. GMT+2/+3); default UTC.', examples: ['Europe/Nicosia'] })),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'Account currency when the users table does not say (MT5 keeps it in the group).', examples: ['USD'] }),
    group_currency: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ pattern: '^[A-Z]{3}$' }), { description: 'Account currency by MT group name.' })),
    customer_prefix: Type.Optional(Type.String({ maxLength: 50, description: 'customer_id of a new login is prefix + login; default "<platform>-<server>-".' })),
    users_table: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$', description: 'Default mt4_users / mt5_users.' })),
    trades_table: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$', description: 'Default mt4_trades / mt5_deals (e.g. mt5_deals_2026).' })),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    max_batches_per_run: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 })),
    ...Common,
  },
  { additionalProperties: false },
);
export type MtConfig = Static<typeof MtConfigSchema>;

export const MatchTraderConfigSchema = Type.Object(
  {
    base_url: Type.String({ maxLength: 2000, pattern: '^https?://', description: 'Base URL of the Match-Trade Broker API the broker was given.', examples: ['https://broker-api.example-broker.com'] }),
    system_uuid: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'systemUuid of the trading system (one connector per system); part of every deal, login and transaction key.', examples: ['4d0f6d2a-6b1c-4f9e-9a51-0c1f2e3d4b5a'] }),
    groups: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 200, description: 'Trading groups whose closed positions and balance operations are read.', examples: [['real\\standard']] }),
    backfill_from: Type.Optional(
      Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2}))?$', description: 'First instant (or date, UTC) the first run reads from; default 90 days before it.', examples: ['2026-01-01'] }),
    ),
    customer_prefix: Type.Optional(Type.String({ maxLength: 50, description: 'customer_id of a Match-Trader client is prefix + its account UUID; default "mtr-".' })),
    affiliate_path: Type.Optional(Type.String({ maxLength: 200, description: 'Where the referring IB/affiliate id is in a trading-account record; default "referralCode".' })),
    limit: Type.Optional(Type.Integer({ minimum: 10, maximum: 10_000, default: 1000, description: 'limit sent with each time-window request; a window that returns this many is split in two.' })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500, description: 'Trading accounts per page.' })),
    max_window_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 92, default: 24 * 31, description: 'Largest time window asked for at once.' })),
    overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, default: 120, description: 'Each run reads this much before its last window again, for records the platform writes late.' })),
    max_requests_per_run: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 500 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 30_000 })),
    ...Common,
  },
  { additionalProperties: false },
);
export type MatchTraderConfig = Static<typeof MatchTraderConfigSchema>;

export const SecretsSchema = Type.Object(
  {
    api_key: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Match-Trader: the Broker API key, sent as the Authorization header.' })),
    auth_header: Type.Optional(Type.Object({ name: Type.String({ maxLength: 100 }), value: Type.String({ maxLength: 4000 }) }, { additionalProperties: false, description: 'REST: e.g. Authorization: Bearer …' })),
    mysql_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^mysql://', description: 'MT4/MT5: mysql://user:password@host:3306/database (a read-only user).' })),
  },
  { additionalProperties: false },
);
export type Secrets = Static<typeof SecretsSchema>;

export type PullKind = 'rest' | 'mt4' | 'mt5' | 'match_trader';

export function configIssues(kind: PullKind, config: unknown, secrets: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const schema = kind === 'rest' ? RestConfigSchema : kind === 'match_trader' ? MatchTraderConfigSchema : MtConfigSchema;
  for (const e of Value.Errors(schema, config)) issues.push({ field: `config${e.instancePath.replaceAll('/', '.')}`, reason: e.message });
  for (const e of Value.Errors(SecretsSchema, secrets ?? {})) issues.push({ field: `secrets${e.instancePath.replaceAll('/', '.')}`, reason: e.message });
  if (kind === 'match_trader' && !(secrets as Secrets | undefined)?.api_key) issues.push({ field: 'secrets.api_key', reason: 'is required for a Match-Trader connector' });
  if ((kind === 'mt4' || kind === 'mt5') && !(secrets as Secrets | undefined)?.mysql_url) issues.push({ field: 'secrets.mysql_url', reason: 'is required for an MT4/MT5 connector' });
  const tz = (config as MtConfig | undefined)?.server_time_zone;
  if ((kind === 'mt4' || kind === 'mt5') && tz) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      issues.push({ field: 'config.server_time_zone', reason: 'must be an IANA time zone such as Europe/Nicosia' });
    }
  }
  return issues.slice(0, 50);
}

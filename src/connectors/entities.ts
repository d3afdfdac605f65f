import { Type } from 'typebox';
import type { Sql } from '../db/index.ts';
import { activityKey, upsertActivity } from '../ingest/activity.ts';
import type { BatchResult } from '../ingest/batch.ts';
import { upsertCustomers } from '../ingest/customers.ts';
import { checkDeal, DEAL_FIELDS, upsertDeals } from '../ingest/deals.ts';
import type { FieldSpec } from '../ingest/fields.ts';
import { ACTIVITY_FIELDS, CUSTOMER_FIELDS, TRANSACTION_FIELDS } from '../ingest/specs.ts';
import { checkTransactionSign, upsertTransactions } from '../ingest/transactions.ts';
import { checkLogins, TRADING_ACCOUNT_FIELDS, upsertTradingAccounts } from '../partners/accounts/trading-accounts.ts';
import type { FieldIssue } from '../shared/errors.ts';

/** The OpenIB entities a connector can bring in; each is written only by its ingest function. */
export const ENTITY_NAMES = ['customer', 'transaction', 'activity', 'deal', 'trading_account'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];
export const EntitySchema = Type.Union([Type.Literal('customer'), Type.Literal('transaction'), Type.Literal('activity'), Type.Literal('deal'), Type.Literal('trading_account')], {
  description: 'An OpenIB entity: customer, transaction, activity (daily trading activity), deal, or trading_account (a platform login mapped to its customer).',
});

export interface WriteOptions {
  /** The broker time zone: deals roll up into the activity of their close day there. */
  timeZone: string;
}

export interface EntityDef {
  name: EntityName;
  specs: readonly FieldSpec[];
  keyName: string;
  keyOf: (record: any) => string;
  check?: (record: any, index: number) => FieldIssue[];
  write: (tx: Sql, records: any[], opts: WriteOptions) => Promise<BatchResult>;
}

export const ENTITIES: Record<EntityName, EntityDef> = {
  customer: {
    name: 'customer',
    specs: CUSTOMER_FIELDS,
    keyName: 'customer_id',
    keyOf: (r) => r.customer_id,
    write: async (tx, records) => (await upsertCustomers(tx, records)).result,
  },
  transaction: {
    name: 'transaction',
    specs: TRANSACTION_FIELDS,
    keyName: 'transaction_id',
    keyOf: (r) => r.transaction_id,
    check: checkTransactionSign,
    write: (tx, records) => upsertTransactions(tx, records),
  },
  activity: {
    name: 'activity',
    specs: ACTIVITY_FIELDS,
    keyName: 'date+customer_id+instrument+currency',
    keyOf: activityKey,
    write: (tx, records) => upsertActivity(tx, records),
  },
  deal: {
    name: 'deal',
    specs: DEAL_FIELDS,
    keyName: 'deal_id',
    keyOf: (r) => r.deal_id,
    check: checkDeal,
    write: (tx, records, opts) => upsertDeals(tx, records, opts.timeZone),
  },
  trading_account: {
    name: 'trading_account',
    specs: TRADING_ACCOUNT_FIELDS,
    keyName: 'platform+server+login',
    keyOf: (r) => `${String(r.platform).toLowerCase()}|${r.server ?? ''}|${r.login}`,
    write: (tx, records) => upsertTradingAccounts(tx, checkLogins(records)),
  },
};

const ALIASES: Record<string, EntityName> = {
  customer: 'customer',
  customers: 'customer',
  transaction: 'transaction',
  transactions: 'transaction',
  activity: 'activity',
  trading_activity: 'activity',
  'trading-activity': 'activity',
  deal: 'deal',
  deals: 'deal',
  trading_account: 'trading_account',
  trading_accounts: 'trading_account',
  'trading-accounts': 'trading_account',
};

/** The entity a name refers to (singular, plural or the data API's path name), or undefined. */
export function entityNamed(name: unknown): EntityName | undefined {
  return typeof name === 'string' ? ALIASES[name.toLowerCase()] : undefined;
}

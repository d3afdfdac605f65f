import { openCustomerPii } from './customer-pii.ts';
import { notePiiRead } from '../audit/pii-reads.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TSchema, Type } from 'typebox';
import type { Scope } from '../auth/scopes.ts';
import { BatchResponse, ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { addDays, parseDate, parseDateTime } from '../shared/dates.ts';
import { auditRequest } from '../audit/http.ts';
import { AppError, type FieldIssue, validationFailed } from '../shared/errors.ts';
import { Filters, readPage } from '../shared/pagination.ts';
import type { Sql } from '../db/index.ts';
import { type BatchResult, MAX_BATCH, readBatch, validateBatch } from './batch.ts';
import { upsertActivity, activityKey } from './activity.ts';
import { existingCustomerIds, upsertCustomers } from './customers.ts';
import { checkDeal, DEAL_FIELDS, type DealRecord, upsertDeals } from './deals.ts';
import { checkTransactionSign, upsertTransactions } from './transactions.ts';
import type { FieldSpec } from './fields.ts';
import { recordSchema } from './fields.ts';
import {
  ACTIVITY_FIELDS,
  type ActivityRecord,
  CUSTOMER_FIELDS,
  type CustomerRecord,
  TRANSACTION_FIELDS,
  TRANSACTION_STATUSES,
  TRANSACTION_TYPES,
  type TransactionRecord,
} from './specs.ts';

const CustomerSchema = recordSchema(CUSTOMER_FIELDS, 'CustomerRecord', 'A trader registered with the broker.');
const TransactionSchema = recordSchema(TRANSACTION_FIELDS, 'TransactionRecord', 'A money movement on a trader account.');
const ActivitySchema = recordSchema(ACTIVITY_FIELDS, 'TradingActivityRecord', 'One day of trading for one customer, instrument and currency.');

const batchBody = (record: TSchema) =>
  Type.Union([
    Type.Array(record, { minItems: 1, maxItems: MAX_BATCH }),
    Type.Object({ data: Type.Array(record, { minItems: 1, maxItems: MAX_BATCH }) }),
  ]);

const WRITE_DOC =
  'A JSON array of 1–1000 records (or `{"data": [...]}`). The batch is atomic: if any record is invalid the answer is 422 listing every failing record by index, field and reason, and nothing is stored. ' +
  'Send an `Idempotency-Key` header to make retries safe: the same key and body replay the first answer, the same key with another body is a 409.';

const decimalOut = Type.Union([Type.String({ description: 'Decimal as a string.' }), Type.Null()]);
const timeOut = Type.String({ format: 'date-time' });
const nullableText = Type.Union([Type.String(), Type.Null()]);

const CustomerView = Type.Object({
  customer_id: Type.String(),
  signup_date: timeOut,
  last_modified_date: Type.Union([timeOut, Type.Null()]),
  affiliate_id: nullableText,
  campaign_id: nullableText,
  click_id: nullableText,
  lang_id: nullableText,
  country_code: nullableText,
  kyc_status_id: nullableText,
  sales_status_id: nullableText,
  trading_account_type: nullableText,
  leverage: nullableText,
  first_name: nullableText,
  last_name: nullableText,
  email: nullableText,
  phone: nullableText,
  address: nullableText,
  pseudonym: Type.Union([Type.String({ description: 'Set once the customer\'s personal data were erased (POST /api/v1/customers/{id}/erase).' }), Type.Null()]),
  first_deposit_at: Type.Union([timeOut, Type.Null()]),
  created_at: timeOut,
  updated_at: timeOut,
});
const TransactionView = Type.Object({
  transaction_id: Type.String(),
  customer_id: Type.String(),
  transaction_type: Type.String(),
  amount: Type.String({ description: 'Decimal as a string.' }),
  currency: Type.String(),
  transaction_date: timeOut,
  status: Type.String(),
  payment_method: nullableText,
  comment: nullableText,
  created_at: timeOut,
  updated_at: timeOut,
});
const ActivityView = Type.Object({
  date: Type.String({ format: 'date' }),
  customer_id: Type.String(),
  instrument: Type.String(),
  currency: Type.String(),
  lots_traded: Type.String(),
  volume_usd: decimalOut,
  spread_cost: decimalOut,
  commission: decimalOut,
  pnl: decimalOut,
  created_at: timeOut,
  updated_at: timeOut,
});

const DealSchema = recordSchema(DEAL_FIELDS, 'DealRecord', 'One closing deal on a trading platform; deals roll up into the daily activity of their close day.');
const DealView = Type.Object({
  deal_id: Type.String(),
  customer_id: Type.String(),
  platform: nullableText,
  login: nullableText,
  symbol: Type.String(),
  side: Type.String(),
  lots: Type.String(),
  open_time: Type.Union([timeOut, Type.Null()]),
  close_time: timeOut,
  trading_day: Type.String({ format: 'date', description: 'Close day in the broker time zone.' }),
  open_price: decimalOut,
  close_price: decimalOut,
  spread_cost: decimalOut,
  commission: decimalOut,
  swap: decimalOut,
  profit: decimalOut,
  volume_usd: decimalOut,
  currency: Type.String(),
  created_at: timeOut,
  updated_at: timeOut,
});

const text = (description: string) => Type.Optional(Type.String({ maxLength: 500, description }));
const isoTime = (description: string) => Type.Optional(Type.String({ maxLength: 40, description }));

function timeParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDateTime(value);
  if ('reason' in parsed) throw new AppError(400, 'invalid_parameters', `${name} ${parsed.reason}.`, [{ field: name, reason: parsed.reason }]);
  return parsed.value;
}
function dateParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDate(value);
  if ('reason' in parsed) throw new AppError(400, 'invalid_parameters', `${name} ${parsed.reason}.`, [{ field: name, reason: parsed.reason }]);
  return parsed.value;
}

// The body schema above documents the contract; the records are validated one by one (so every
// failing record is reported), not by the route's generic validator.
const documentOnly = () => () => true;

interface WriteRoute<T> {
  path: string;
  tag: string;
  summary: string;
  scope: Scope;
  record: TSchema;
  specs: readonly FieldSpec[];
  keyOf: (r: T) => string;
  keyName: string;
  write: (tx: Sql, records: T[]) => Promise<BatchResult>;
  check?: (record: T, index: number) => FieldIssue[];
  /** Records name a customer_id that must exist: a refused batch also lists the unknown ones. */
  refersToCustomers?: boolean;
}

/**
 * A batch refused for its fields also lists every record naming a customer that does not exist,
 * so one answer shows everything to fix (instead of the unknown customers only on the next try).
 */
async function withUnknownCustomers(db: Sql, raws: unknown[], err: AppError): Promise<AppError> {
  const named = raws.map((raw) => {
    const id = raw && typeof raw === 'object' ? (raw as { customer_id?: unknown }).customer_id : undefined;
    return typeof id === 'string' && id.trim() !== '' && id.length <= 100 ? id.trim() : undefined;
  });
  const ids = named.filter((id): id is string => id !== undefined);
  if (!ids.length) return err;
  const known = await existingCustomerIds(db, ids);
  const flagged = new Set((err.details ?? []).filter((d) => d.field === 'customer_id').map((d) => d.index));
  const unknown: FieldIssue[] = named.flatMap((id, index) =>
    id !== undefined && !known.has(id) && !flagged.has(index) ? [{ index, field: 'customer_id', reason: `no customer "${id}" exists; send the customer first` }] : [],
  );
  if (!unknown.length) return err;
  const details = [...(err.details ?? []), ...unknown].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return validationFailed(details);
}

export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  function writeRoute<T>(route: WriteRoute<T>) {
    app.post(
      route.path,
      {
        config: { scope: route.scope, auditsItself: true },
        validatorCompiler: documentOnly,
        schema: {
          tags: [route.tag],
          summary: route.summary,
          description: WRITE_DOC,
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
          body: batchBody(route.record),
          response: { 200: BatchResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody },
        },
      },
      async (request, reply) => {
        if (!/^application\/([\w.+-]+\+)?json\b/i.test(request.headers['content-type'] ?? ''))
          throw new AppError(415, 'unsupported_media_type', 'Send the records as a JSON body (Content-Type: application/json).');
        const raws = readBatch(request.body);
        let records: T[];
        try {
          records = validateBatch<T>(route.specs, raws, route.keyOf, route.keyName, route.check, { unknown: 'refuse' });
        } catch (err) {
          if (route.refersToCustomers && err instanceof AppError && err.status === 422) throw await withUnknownCustomers(db, raws, err);
          throw err;
        }
        const result = await idempotentWrite(
          db,
          request,
          reply,
          200,
          async (tx) => {
            const written = await route.write(tx, records);
            // One entry per accepted batch with its counts, never one per record.
            await auditRequest(tx, request, {
              action: `ingest.${route.path.split('/').pop()!.replace(/-/g, '_')}`,
              subject: { type: 'ingest_batch', id: request.id },
              after: { path: route.path, idempotency_key: request.headers['idempotency-key'] ?? null, ...written.meta },
            });
            return written;
          },
        );
        for (const outcome of ['created', 'updated', 'unchanged'] as const)
          if (result.meta[outcome]) app.metrics.ingested.inc({ entity: route.tag, outcome }, result.meta[outcome]);
        return result;
      },
    );
  }

  writeRoute<CustomerRecord>({
    path: '/api/v1/forex/customers',
    tag: 'Customers',
    summary: 'Create or update customers in bulk',
    scope: 'customers:write',
    record: CustomerSchema,
    specs: CUSTOMER_FIELDS,
    keyOf: (r) => r.customer_id,
    keyName: 'customer_id',
    write: async (tx, records) => (await upsertCustomers(tx, records, app.ctx.config)).result,
  });
  writeRoute<TransactionRecord>({
    path: '/api/v1/forex/transactions',
    tag: 'Transactions',
    summary: 'Create transactions or change their status in bulk',
    scope: 'transactions:write',
    record: TransactionSchema,
    specs: TRANSACTION_FIELDS,
    keyOf: (r) => r.transaction_id,
    keyName: 'transaction_id',
    write: upsertTransactions,
    check: checkTransactionSign,
    refersToCustomers: true,
  });
  writeRoute<ActivityRecord>({
    path: '/api/v1/forex/trading-activity',
    tag: 'Trading activity',
    summary: 'Upsert daily trading activity in bulk',
    scope: 'activity:write',
    record: ActivitySchema,
    specs: ACTIVITY_FIELDS,
    keyOf: activityKey,
    keyName: 'date+customer_id+instrument+currency',
    write: upsertActivity,
    refersToCustomers: true,
  });

  writeRoute<DealRecord>({
    path: '/api/v1/forex/deals',
    tag: 'Deals',
    summary: 'Upsert platform deals in bulk',
    scope: 'activity:write',
    record: DealSchema,
    specs: DEAL_FIELDS,
    keyOf: (r) => r.deal_id,
    keyName: 'deal_id',
    check: checkDeal,
    refersToCustomers: true,
    write: (tx, records) => upsertDeals(tx, records, app.ctx.config.brokerTimeZone),
  });

  app.get(
    '/api/v1/forex/deals',
    {
      config: { scope: 'activity:read' },
      schema: {
        tags: ['Deals'],
        summary: 'List deals',
        querystring: Type.Object(
          {
            customer_id: text('Only this customer.'),
            symbol: text('Only this symbol.'),
            close_from: isoTime('Closed at or after this ISO 8601 time.'),
            close_to: isoTime('Closed before this ISO 8601 time.'),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(DealView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      if (q.customer_id !== undefined) f.add('customer_id = ?', q.customer_id);
      if (q.symbol !== undefined) f.add('symbol = ?', q.symbol);
      const from = timeParam('close_from', q.close_from);
      if (from) f.add('close_time >= ?::timestamptz', from);
      const to = timeParam('close_to', q.close_to);
      if (to) f.add('close_time < ?::timestamptz', to);
      return readPage(
        db,
        'deals',
        'deal_id, customer_id, platform, login, symbol, side, lots, open_time, close_time, trading_day::text AS trading_day, open_price, close_price, spread_cost, commission, swap, profit, volume_usd, currency, created_at, updated_at',
        f,
        q,
      );
    },
  );

  app.get(
    '/api/v1/forex/customers',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags: ['Customers'],
        summary: 'List customers',
        querystring: Type.Object(
          {
            affiliate_id: text('Only customers of this affiliate_id.'),
            kyc_status_id: text('Only customers with this KYC status.'),
            modified_since: isoTime('Only customers changed in OpenIB at or after this ISO 8601 time.'),
            signup_from: isoTime('Signed up at or after this ISO 8601 time.'),
            signup_to: isoTime('Signed up before this ISO 8601 time.'),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(CustomerView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      if (q.affiliate_id !== undefined) f.add('affiliate_id = ?', q.affiliate_id);
      if (q.kyc_status_id !== undefined) f.add('kyc_status_id = ?', q.kyc_status_id);
      const since = timeParam('modified_since', q.modified_since);
      if (since) f.add('updated_at >= ?::timestamptz', since);
      const from = timeParam('signup_from', q.signup_from);
      if (from) f.add('signup_date >= ?::timestamptz', from);
      const to = timeParam('signup_to', q.signup_to);
      if (to) f.add('signup_date < ?::timestamptz', to);
      const page = await readPage<Static<typeof CustomerView>>(
        db,
        'customers',
        'customer_id, signup_date, last_modified_date, affiliate_id, campaign_id, click_id, lang_id, country_code, kyc_status_id, sales_status_id, trading_account_type, leverage, first_name, last_name, email, phone, address, pseudonym, first_deposit_at, created_at, updated_at',
        f,
        q,
      );
      notePiiRead(request, page.data.map((c) => c.customer_id), { type: 'customers', id: 'list' });
      return { ...page, data: page.data.map(openCustomerPii) };
    },
  );

  app.get(
    '/api/v1/forex/transactions',
    {
      config: { scope: 'transactions:read' },
      schema: {
        tags: ['Transactions'],
        summary: 'List transactions',
        querystring: Type.Object(
          {
            customer_id: text('Only this customer\'s transactions.'),
            transaction_type: Type.Optional(Type.Union(TRANSACTION_TYPES.map((t) => Type.Literal(t)))),
            status: Type.Optional(Type.Union(TRANSACTION_STATUSES.map((t) => Type.Literal(t)))),
            date_from: isoTime('transaction_date at or after this ISO 8601 time (a date means its start, UTC).'),
            date_to: isoTime('Last day, inclusive, when a date (YYYY-MM-DD, UTC: the whole day counts, as on trading activity); transaction_date before it when an ISO 8601 instant.'),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(TransactionView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      if (q.customer_id !== undefined) f.add('customer_id = ?', q.customer_id);
      if (q.transaction_type !== undefined) f.add('transaction_type = ?', q.transaction_type);
      if (q.status !== undefined) f.add('status = ?', q.status);
      const from = timeParam('date_from', q.date_from);
      if (from) f.add('transaction_date >= ?::timestamptz', from);
      // A date names a whole day, included; an instant is where the range ends.
      const to = q.date_to !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(q.date_to) ? `${addDays(dateParam('date_to', q.date_to)!, 1)}T00:00:00Z` : timeParam('date_to', q.date_to);
      if (to) f.add('transaction_date < ?::timestamptz', to);
      return readPage(
        db,
        'transactions',
        'transaction_id, customer_id, transaction_type, amount, currency, transaction_date, status, payment_method, comment, created_at, updated_at',
        f,
        q,
      );
    },
  );

  app.get(
    '/api/v1/forex/trading-activity',
    {
      config: { scope: 'activity:read' },
      schema: {
        tags: ['Trading activity'],
        summary: 'List daily trading activity',
        querystring: Type.Object(
          {
            date_from: Type.Optional(Type.String({ maxLength: 10, description: 'First day, YYYY-MM-DD (inclusive).' })),
            date_to: Type.Optional(Type.String({ maxLength: 10, description: 'Last day, YYYY-MM-DD (inclusive).' })),
            instrument: text('Only this instrument.'),
            customer_id: text('Only this customer.'),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(ActivityView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      const from = dateParam('date_from', q.date_from);
      if (from) f.add('date >= ?::date', from);
      const to = dateParam('date_to', q.date_to);
      if (to) f.add('date <= ?::date', to);
      if (q.instrument !== undefined) f.add('instrument = ?', q.instrument);
      if (q.customer_id !== undefined) f.add('customer_id = ?', q.customer_id);
      return readPage(
        db,
        'trading_activity',
        'date, customer_id, instrument, currency, lots_traded, volume_usd, spread_cost, commission, pnl, created_at, updated_at',
        f,
        q,
      );
    },
  );
};

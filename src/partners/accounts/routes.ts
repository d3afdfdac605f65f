import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { idempotentWrite } from '../../http/idempotency.ts';
import { ErrorBody, PageMeta, PageQuery } from '../../http/schemas.ts';
import { MAX_BATCH, readBatch, validateBatch } from '../../ingest/batch.ts';
import { recordSchema } from '../../ingest/fields.ts';
import { Filters, readPage } from '../../shared/pagination.ts';
import { assertBrokerCaller } from '../access.ts';
import { checkLogins, PLATFORM_PATTERN, TRADING_ACCOUNT_FIELDS, type TradingAccount, unlinkTradingAccount, upsertTradingAccounts } from './trading-accounts.ts';

const AccountRecord = recordSchema(TRADING_ACCOUNT_FIELDS, 'TradingAccountRecord', 'A trading-platform login and the customer it belongs to.');
const AccountView = Type.Object({
  platform: Type.String(),
  server: Type.String({ description: 'Empty where the platform\'s logins are global.' }),
  login: Type.String(),
  customer_id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});
const BatchResponse = Type.Object({
  data: Type.Array(Type.Object({ index: Type.Integer(), id: Type.String({ description: 'platform|server|login' }), outcome: Type.String() })),
  meta: Type.Object({ received: Type.Integer(), created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() }),
});
const LoginQuery = {
  platform: Type.String({ pattern: PLATFORM_PATTERN, description: 'mt4, mt5, ctrader…' }),
  server: Type.Optional(Type.String({ maxLength: 100, default: '' })),
  login: Type.String({ minLength: 1, maxLength: 64 }),
};

export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.post(
    '/api/v1/trading-accounts',
    {
      config: { scope: 'customers:write' },
      validatorCompiler: () => () => true,
      schema: {
        tags: ['Trading accounts'],
        summary: 'Map trading logins to customers in bulk',
        description:
          'A JSON array of 1–1000 `{platform, server?, login, customer_id}` (or `{"data": [...]}`); atomic like the data API. One customer may have many logins; a login belongs to one customer — a login already mapped to another customer is refused until unlinked. Activity and deals may then arrive keyed by login.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
        body: Type.Union([Type.Array(AccountRecord, { minItems: 1, maxItems: MAX_BATCH }), Type.Object({ data: Type.Array(AccountRecord) })]),
        response: { 200: BatchResponse, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      assertBrokerCaller(request.caller, 'map trading accounts');
      const keyOf = (r: TradingAccount) => `${r.platform.toLowerCase()}|${r.server ?? ''}|${r.login}`;
      const records = checkLogins(validateBatch<TradingAccount>(TRADING_ACCOUNT_FIELDS, readBatch(request.body), keyOf, 'platform+server+login', undefined, { unknown: 'refuse' }));
      return idempotentWrite(db, request, reply, 200, (tx) => upsertTradingAccounts(tx, records));
    },
  );

  app.get(
    '/api/v1/trading-accounts',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags: ['Trading accounts'],
        summary: 'Find logins or a customer\'s logins',
        description: 'Filter by customer_id to list a customer\'s logins, or by platform/server/login to find whose a login is.',
        querystring: Type.Object(
          {
            customer_id: Type.Optional(Type.String({ maxLength: 500 })),
            platform: Type.Optional(Type.String({ pattern: PLATFORM_PATTERN })),
            server: Type.Optional(Type.String({ maxLength: 100 })),
            login: Type.Optional(Type.String({ maxLength: 64 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(AccountView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'list trading accounts');
      const q = request.query;
      const f = new Filters();
      if (q.customer_id !== undefined) f.add('customer_id = ?', q.customer_id);
      if (q.platform !== undefined) f.add('platform = ?', q.platform);
      if (q.server !== undefined) f.add('server = ?', q.server);
      if (q.login !== undefined) f.add('login = ?', q.login);
      return readPage(db, 'trading_accounts', 'platform, server, login, customer_id, created_at', f, q);
    },
  );

  app.delete(
    '/api/v1/trading-accounts',
    {
      config: { scope: 'customers:write' },
      schema: {
        tags: ['Trading accounts'],
        summary: 'Unlink a login from its customer',
        description: 'Frees the login to be mapped to another customer. Emits trading_account.unlinked.',
        querystring: Type.Object(LoginQuery, { additionalProperties: false }),
        response: { 200: AccountView, 404: ErrorBody },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'unlink trading accounts');
      const { platform, server, login } = request.query;
      return db.transaction((tx) => unlinkTradingAccount(tx, { platform, server: server ?? '', login }));
    },
  );
};

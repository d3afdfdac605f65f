import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../../http/schemas.ts';
import { AppError, validationFailed } from '../../shared/errors.ts';
import { applyStrict } from '../apply.ts';
import type { EntityName } from '../entities.ts';
import { deliver } from './receive.ts';
import { ReceivedSchema } from './schemas.ts';
import { sourceByKey, sourceDisabled } from './sources.ts';

/*
 * Server-to-server postbacks for CRMs that can only call a URL: each event becomes one record,
 * and each (source, event, transaction or customer id) is applied once. A KYC postback's key
 * includes the status, so pending → approved are two events.
 */

export const POSTBACK_EVENTS = ['registration', 'ftd', 'deposit', 'kyc'] as const;
type PostbackEvent = (typeof POSTBACK_EVENTS)[number];

const param = (description: string, example?: string) => Type.Optional(Type.String({ maxLength: 500, description, ...(example ? { examples: [example] } : {}) }));
const PostbackQuery = Type.Object(
  {
    token: param('The source\'s postback token (may also be sent in a POST body).'),
    event: Type.Optional(Type.Union([Type.Literal('registration'), Type.Literal('ftd'), Type.Literal('deposit'), Type.Literal('kyc')], { description: 'What happened.' })),
    customer_id: param('The broker\'s customer id.', 'C-100045'),
    click_id: param('Click id from an OpenIB tracking link (registration).', 'clk-9f2'),
    affiliate_id: param('Referring IB/affiliate (registration).', 'IB-2001'),
    campaign_id: param('Campaign (registration).'),
    country: param('ISO 3166-1 alpha-2 country (registration).', 'AE'),
    transaction_id: param('The deposit\'s id; required for deposit, optional for ftd.', 'T-9001'),
    amount: param('Amount as a decimal (ftd, deposit).', '250.00'),
    currency: param('ISO 4217 currency (ftd, deposit).', 'USD'),
    kyc_status: param('New KYC status (kyc).', 'approved'),
    date: param('When it happened, ISO 8601; default now.', '2026-03-01T14:05:00Z'),
  },
  { additionalProperties: true },
);
type Params = Record<string, string | undefined>;

function recordsFor(event: PostbackEvent, p: Params): { entity: EntityName; key: string; record: Record<string, unknown> } {
  const when = p.date ?? new Date().toISOString();
  const required = (...names: string[]) => {
    const missing = names.filter((n) => !p[n]);
    if (missing.length) throw validationFailed(missing.map((field) => ({ field, reason: `is required for event=${event}` })));
  };
  required('customer_id');
  const customer = p.customer_id as string;
  switch (event) {
    case 'registration':
      return {
        entity: 'customer',
        key: `registration|${customer}`,
        record: { customer_id: customer, signup_date: when, affiliate_id: p.affiliate_id ?? '', click_id: p.click_id, campaign_id: p.campaign_id, country_code: p.country },
      };
    case 'kyc':
      required('kyc_status');
      return { entity: 'customer', key: `kyc|${customer}|${p.kyc_status}`, record: { customer_id: customer, kyc_status_id: p.kyc_status, last_modified_date: p.date } };
    case 'ftd':
    case 'deposit': {
      required('amount', 'currency', ...(event === 'deposit' ? ['transaction_id'] : []));
      const transactionId = p.transaction_id ?? `ftd-${customer}`;
      return {
        entity: 'transaction',
        key: event === 'ftd' ? `ftd|${customer}` : `deposit|${transactionId}`,
        record: {
          transaction_id: transactionId,
          customer_id: customer,
          transaction_type: 'deposit',
          amount: p.amount,
          currency: p.currency?.toUpperCase(),
          transaction_date: when,
          status: 'approved',
        },
      };
    }
  }
}

function paramsOf(request: FastifyRequest): Params {
  const merged: Record<string, unknown> = { ...(request.query as object) };
  if (request.body && typeof request.body === 'object' && !Array.isArray(request.body)) Object.assign(merged, request.body);
  const out: Params = {};
  for (const [k, v] of Object.entries(merged)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object') throw validationFailed([{ field: k, reason: 'must be a single value' }]);
    out[k] = String(value);
  }
  return out;
}

export const postbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const handler = async (request: FastifyRequest) => {
    const p = paramsOf(request);
    if (!p.token) throw new AppError(401, 'unauthorized', 'Send the source\'s postback token as ?token=…');
    const source = await sourceByKey(db, p.token);
    if (!source || source.kind !== 'postback') throw new AppError(401, 'unauthorized', 'The postback token is not valid.');
    if (!source.enabled) throw sourceDisabled(source.id);
    if (!POSTBACK_EVENTS.includes(p.event as PostbackEvent))
      throw validationFailed([{ field: 'event', reason: `must be one of: ${POSTBACK_EVENTS.join(', ')}` }]);
    const { entity, key, record } = recordsFor(p.event as PostbackEvent, p);
    const { token: _, ...payload } = p;
    const received = await deliver(db, {
      source: `postback:${source.id}`,
      sourceId: source.id,
      key,
      entity,
      payload: { kind: 'records', entity, records: [record] },
      run: async (tx) => ({ status: 'accepted', event_type: payload.event, entity, result: await applyStrict(tx, entity, [record], { timeZone: config.brokerTimeZone }) }),
    });
    return { data: received };
  };
  const schema = {
    tags: ['Inbound connectors'],
    summary: 'Receive a server-to-server postback',
    description:
      'For CRMs that can only call a URL: `?token=…&event=registration|ftd|deposit|kyc&customer_id=…` plus the fields of the event. POST may carry the same fields as a form or JSON body. ' +
      'Idempotency key: source + event + customer id (registration, ftd), transaction id (deposit), or customer id + status (kyc); a repeat answers `duplicate`.',
    querystring: PostbackQuery,
    response: { 200: Type.Object({ data: ReceivedSchema }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
  };
  app.get('/api/v1/postback', { config: { public: true }, schema }, handler);
  app.post('/api/v1/postback', { config: { public: true }, bodyLimit: 16 * 1024, schema }, handler);
};

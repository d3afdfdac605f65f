import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BatchResponse, ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { readBatch, validateBatch } from '../ingest/batch.ts';
import { recordSchema } from '../ingest/fields.ts';
import { parseDate } from '../shared/dates.ts';
import { AppError } from '../shared/errors.ts';
import { Filters, readPage } from '../shared/pagination.ts';
import { checkFxRate, FX_FIELDS, type FxRateRecord, fxKey, upsertFxRates } from './rates.ts';

const FxRateSchema = recordSchema(FX_FIELDS, 'FxRate', 'A daily exchange rate.');

function day(name: string, value?: string) {
  if (value === undefined) return undefined;
  const parsed = parseDate(value);
  if ('reason' in parsed) throw new AppError(400, 'invalid_parameters', `${name} ${parsed.reason}.`, [{ field: name, reason: parsed.reason }]);
  return parsed.value;
}

export const fxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;
  app.post(
    '/api/v1/fx-rates',
    {
      config: { scope: 'admin' },
      validatorCompiler: () => () => true,
      schema: {
        tags: ['FX rates'],
        summary: 'Upsert daily exchange rates in bulk',
        description:
          'Earnings are converted to each partner\'s payout currency at the rate of the fact\'s day: the stored pair, its inverse, or a cross through USD. Without a rate an earning stays pending with reason missing_fx_rate until one arrives. Same batch rules as the data API (atomic, ≤ 1000 records, Idempotency-Key).',
        body: Type.Union([Type.Array(FxRateSchema, { maxItems: 1000 }), Type.Object({ data: Type.Array(FxRateSchema, { maxItems: 1000 }) })]),
        response: { 200: BatchResponse, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const records = validateBatch<FxRateRecord>(FX_FIELDS, readBatch(request.body), fxKey, 'date+base+quote', checkFxRate, { unknown: 'refuse' });
      return idempotentWrite(db, request, reply, 200, (tx) => upsertFxRates(tx, records));
    },
  );
  app.get(
    '/api/v1/fx-rates',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['FX rates'],
        summary: 'List daily exchange rates',
        querystring: Type.Object(
          {
            date_from: Type.Optional(Type.String({ maxLength: 10 })),
            date_to: Type.Optional(Type.String({ maxLength: 10 })),
            base: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
            quote: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(Type.Object({ date: Type.String(), base: Type.String(), quote: Type.String(), rate: Type.String(), source: Type.Union([Type.String(), Type.Null()]) })),
            meta: PageMeta,
          }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      const from = day('date_from', q.date_from);
      if (from) f.add('date >= ?::date', from);
      const to = day('date_to', q.date_to);
      if (to) f.add('date <= ?::date', to);
      if (q.base) f.add('base = ?', q.base);
      if (q.quote) f.add('quote = ?', q.quote);
      return readPage(db, '(SELECT row_number() OVER (ORDER BY date, base, quote) AS seq, * FROM fx_rates) r', 'date, base, quote, rate, source', f, q);
    },
  );
};

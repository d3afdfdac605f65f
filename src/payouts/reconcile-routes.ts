import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { dayParam } from './http.ts';
import { reconcile, summarise } from './reconcile.ts';
import { reconciliationCsv } from './reconcile-csv.ts';

const Row = Type.Object({
  partner_id: Type.Union([Type.String(), Type.Null()], { description: 'Null when the broker\'s rebate names a customer no partner owns.' }),
  date: Type.String({ format: 'date', description: 'Business date in the broker time zone.' }),
  currency: Type.String({ examples: ['USD'] }),
  customer_id: Type.Union([Type.String(), Type.Null()], { description: 'Only with per=customer.' }),
  openib_amount: Type.Union([Type.String(), Type.Null()], { description: 'Net of the ledger entries (all but pending).', examples: ['12.5'] }),
  broker_amount: Type.Union([Type.String(), Type.Null()], { description: 'Sum of the broker\'s approved ib_rebate transactions.', examples: ['12.49'] }),
  difference: Type.String({ description: 'openib_amount − broker_amount (a missing side counts as 0).', examples: ['0.01'] }),
  status: Type.Union([Type.Literal('matched'), Type.Literal('differs'), Type.Literal('only_in_openib'), Type.Literal('only_at_broker')]),
});

export const reconciliationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.get(
    '/api/v1/reconciliation',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Payouts'],
        summary: 'Reconcile the ledger with the broker\'s ib_rebate transactions',
        description:
          'Per partner, business day and currency (and customer with per=customer): matched (difference within tolerance), differs, only_in_openib, only_at_broker. A rebate belongs to the owner of its customer at the end of its business day. format=csv downloads the rows.',
        querystring: Type.Object(
          {
            from: Type.String({ maxLength: 10, description: 'First business date, YYYY-MM-DD.', examples: ['2026-03-01'] }),
            to: Type.String({ maxLength: 10, description: 'Last business date, YYYY-MM-DD.', examples: ['2026-03-31'] }),
            per: Type.Optional(Type.Union([Type.Literal('partner'), Type.Literal('customer')], { default: 'partner' })),
            tolerance: Type.Optional(Type.String({ maxLength: 20, pattern: '^\\d{1,12}(\\.\\d{1,8})?$', description: 'Largest difference still matched; default OPENIB_RECONCILIATION_TOLERANCE.', examples: ['0.01'] })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Union([
            Type.Object({
              from: Type.String(),
              to: Type.String(),
              tolerance: Type.String(),
              summary: Type.Record(Type.String(), Type.Integer()),
              data: Type.Array(Row),
            }),
            Type.String({ description: 'text/csv' }),
          ]),
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const from = dayParam('from', q.from);
      const to = dayParam('to', q.to);
      if (from > to) throw new AppError(422, 'validation_failed', 'from must not be after to.', [{ field: 'from', reason: 'must not be after to' }]);
      if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000)
        throw new AppError(422, 'validation_failed', 'Reconcile at most one year at a time.', [{ field: 'to', reason: 'at most 366 days after from' }]);
      const tolerance = q.tolerance ?? config.payouts.reconciliationTolerance;
      const rows = await reconcile(db, { from, to, perCustomer: q.per === 'customer', tolerance, timeZone: config.brokerTimeZone });
      if (q.format === 'csv') {
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="reconciliation-${from}-${to}.csv"`);
        return reconciliationCsv(rows);
      }
      return { from, to, tolerance, summary: summarise(rows), data: rows };
    },
  );
};

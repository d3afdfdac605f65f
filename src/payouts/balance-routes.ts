import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { earnings } from '../ledger/read.ts';
import { assertPartnerAccess } from '../partners/access.ts';
import { notFound } from '../shared/errors.ts';
import { dayParam } from './http.ts';

export const balanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/partners/:partner_id/numbers',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Payouts'],
        summary: 'A partner\'s earnings as the partner and its uplines see them',
        description:
          'Totals per currency by status, kind and level, read from the ledger rows of this partner only — the same rows whichever token asks, so a master IB and its sub-IB see the same numbers. A partner-bound token reaches itself and its subtree.',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200, examples: ['IB-1001'] }) }),
        querystring: Type.Object(
          { from: Type.Optional(Type.String({ maxLength: 10, examples: ['2026-03-01'] })), to: Type.Optional(Type.String({ maxLength: 10, examples: ['2026-03-31'] })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            partner_id: Type.String(),
            totals: Type.Array(
              Type.Object({
                currency: Type.String(),
                total: Type.String({ description: 'Exact sum of the partner\'s entries.' }),
                by_status: Type.Record(Type.String(), Type.String()),
                by_kind: Type.Record(Type.String(), Type.String()),
                by_level: Type.Record(Type.String(), Type.String()),
              }),
            ),
          }),
          404: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const partnerId = request.params.partner_id;
      await assertPartnerAccess(db, request.caller, partnerId);
      const [exists] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partnerId]);
      if (!exists) throw notFound(`Partner "${partnerId.slice(0, 80)}"`);
      const from = request.query.from ? dayParam('from', request.query.from) : undefined;
      const to = request.query.to ? dayParam('to', request.query.to) : undefined;
      return { partner_id: partnerId, totals: await earnings(db, partnerId, from, to) };
    },
  );
};

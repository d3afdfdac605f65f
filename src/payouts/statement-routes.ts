import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { actOnStatement } from './actions.ts';
import { statementCsv } from './documents/statement-csv.ts';
import { statementPdf } from './documents/statement-pdf.ts';
import { actorOf, assertOwnStatement, dayParam } from './http.ts';
import { getStatement, listStatements } from './read.ts';
import { StatementDetail, StatementStatus, StatementView } from './schemas.ts';

const Id = Type.Object({ statement_id: Type.String({ maxLength: 64, examples: ['0f9d7a4e-1c1b-4a47-9a0e-2b9d2f8f5a11'] }) });

export const statementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  const load = async (request: Parameters<typeof assertOwnStatement>[0], id: string) => {
    const s = await getStatement(db, id);
    if (!s) throw notFound('Statement');
    assertOwnStatement(request, s.partner_id);
    return s;
  };

  app.get(
    '/api/v1/statements',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Payouts'],
        summary: 'List statements',
        description: 'Statements without their lines. A partner-bound token sees only its own partner\'s statements.',
        querystring: Type.Object(
          {
            run_id: Type.Optional(Type.String({ maxLength: 64 })),
            partner_id: Type.Optional(Type.String({ maxLength: 200, examples: ['IB-1000'] })),
            status: Type.Optional(StatementStatus),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(StatementView) }) },
      },
    },
    async (request) => {
      const own = request.caller?.partnerId;
      const q = request.query;
      if (own !== undefined && q.partner_id !== undefined && q.partner_id !== own) return { data: [] };
      return { data: await listStatements(db, { runId: q.run_id, partnerId: own ?? q.partner_id, status: q.status }) };
    },
  );

  app.get(
    '/api/v1/statements/:statement_id',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Payouts'],
        summary: 'A statement with its lines',
        description: 'Lines grouped by customer, instrument/kind and level, each rounded once (half to even) with its rounding shown; opening balance, carried amounts and amount payable.',
        params: Id,
        response: { 200: StatementDetail, 404: ErrorBody },
      },
    },
    async (request) => load(request, request.params.statement_id),
  );

  app.get(
    '/api/v1/statements/:statement_id/csv',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Payouts'],
        summary: 'Download a statement as CSV',
        description: 'Rows `line` (section, customer, instrument, kind, level, entries, ledger_amount, amount, rounding) followed by rows `total`.',
        params: Id,
        response: { 200: Type.String({ description: 'text/csv' }), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const s = await load(request, request.params.statement_id);
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${s.period}-${s.currency}.csv"`);
      return statementCsv(s);
    },
  );

  app.get(
    '/api/v1/statements/:statement_id/pdf',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Payouts'],
        summary: 'Download a statement as PDF',
        description: 'The same figures as the JSON and CSV forms, laid out for people.',
        params: Id,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const s = await load(request, request.params.statement_id);
      reply.type('application/pdf').header('content-disposition', `attachment; filename="statement-${s.period}-${s.currency}.pdf"`);
      return statementPdf(s);
    },
  );

  app.post(
    '/api/v1/statements/:statement_id/:action',
    {
      config: { scope: 'payouts:write', auditsItself: true },
      schema: {
        tags: ['Payouts'],
        summary: 'Review, approve, hold, reject, pay or mark failed a statement',
        description:
          'Moves one statement (never the whole run): review (draft → reviewed), approve (draft/reviewed/held/failed → approved, event payout.approved), hold and reject (need `reason`; rejecting releases the entries to the next run), pay (approved → paid, needs `reference` and `paid_on`; marks exactly its ledger entries paid, event payout.paid), fail (approved/paid → failed, needs `reason`: the payment bounced or was returned; a paid statement\'s entries go back to approved, event payout.failed; approve it again to re-pay, or reject it). A statement already moved answers 409, so it is never paid twice. Every action is audit-logged.',
        params: Type.Object({ statement_id: Type.String({ maxLength: 64 }), action: Type.Union([Type.Literal('review'), Type.Literal('approve'), Type.Literal('hold'), Type.Literal('reject'), Type.Literal('pay'), Type.Literal('fail')], { description: 'What to do.' }) }),
        body: Type.Optional(
          Type.Object(
            {
              reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, examples: ['KYC documents expired'] })),
              reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, examples: ['WIRE-2026-04-0012'] })),
              paid_on: Type.Optional(Type.String({ maxLength: 10, examples: ['2026-04-10'] })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: StatementDetail, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { action, statement_id } = request.params;
      const body = request.body ?? {};
      const missing = (field: string) => new AppError(422, 'validation_failed', `"${action}" needs ${field}.`, [{ field, reason: 'is required for this action' }]);
      if ((action === 'hold' || action === 'reject' || action === 'fail') && !body.reason) throw missing('reason');
      if (action === 'pay' && !body.reference) throw missing('reference');
      if (action === 'pay' && !body.paid_on) throw missing('paid_on');
      const paidOn = body.paid_on ? dayParam('paid_on', body.paid_on) : undefined;
      await db.transaction((tx) =>
        actOnStatement(tx, statement_id, { action, reason: body.reason, reference: body.reference, paidOn, actor: actorOf(request), ip: request.ip, publicUrl: app.ctx.config.publicUrl }),
      );
      // actOnStatement wrote the audit entry in its transaction.
      request.audited = true;
      return (await getStatement(db, statement_id))!;
    },
  );
};

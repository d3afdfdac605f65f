import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { businessDate } from '../shared/dates.ts';
import { notFound } from '../shared/errors.ts';
import { actorOf, dayParam } from './http.ts';
import { parsePeriod } from './periods.ts';
import { getRun, listStatements } from './read.ts';
import { createRun } from './runs.ts';
import { ExportRow, RunView, StatementView } from './schemas.ts';
import { csvCell } from '../shared/csv.ts';

const RunWithStatements = Type.Intersect([RunView, Type.Object({ statements: Type.Array(StatementView) })]);

export const payoutRunRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const settings = config.payouts;

  app.post(
    '/api/v1/payout-runs',
    {
      config: { scope: 'payouts:write', auditsItself: true },
      schema: {
        tags: ['Payouts'],
        summary: 'Draft a payout run for a period',
        description:
          'Drafts one statement per partner and payout currency from approved ledger entries dated up to the period\'s end that are not paid and not on another live statement, older than the hold period (clawbacks ignore it). Monthly periods need their commission month closed; weekly and daily ones must have ended. Balances below the minimum or negative are recorded as carried. A second run for a period that already has one is refused (409 `payout_run_exists`) when it would draft nothing.',
        body: Type.Object(
          {
            period: Type.String({ maxLength: 20, description: 'YYYY-MM (monthly, default), YYYY-Www or YYYY-MM-DD, per OPENIB_PAYOUT_PERIOD.', examples: ['2026-03'] }),
            as_of: Type.Optional(Type.String({ maxLength: 10, description: 'Business date the hold period is measured from; default today in the broker time zone.', examples: ['2026-04-05'] })),
          },
          { additionalProperties: false },
        ),
        response: { 201: RunWithStatements, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const period = parsePeriod(request.body.period, settings.period);
      const today = businessDate(clock.now().toISOString(), config.brokerTimeZone);
      const asOf = request.body.as_of ? dayParam('as_of', request.body.as_of) : today;
      const runId = await db.transaction((tx) => createRun(tx, settings, { period, asOf, actor: actorOf(request), ip: request.ip, publicUrl: config.publicUrl }, today));
      // createRun wrote the audit entry in its transaction.
      request.audited = true;
      const run = (await getRun(db, runId))!;
      reply.code(201);
      return { ...run, statements: await listStatements(db, { runId }) };
    },
  );

  app.get(
    '/api/v1/payout-runs',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Payouts'],
        summary: 'List payout runs',
        description: 'The latest 200 runs, newest first, with their statements counted by status.',
        querystring: Type.Object({ period: Type.Optional(Type.String({ maxLength: 20, examples: ['2026-03'] })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(RunView) }) },
      },
    },
    async (request) => {
      const ids = await db.query<{ run_id: string }>(
        'SELECT run_id FROM payout_runs WHERE ($1::text IS NULL OR period = $1) ORDER BY created_at DESC LIMIT 200',
        [request.query.period ?? null],
      );
      return { data: (await Promise.all(ids.map((r) => getRun(db, r.run_id)))).filter((r) => r !== undefined) };
    },
  );

  app.get(
    '/api/v1/payout-runs/:run_id',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Payouts'],
        summary: 'A payout run with its statements',
        description: 'The run and every statement it drafted, with status, totals and carry reasons.',
        params: Type.Object({ run_id: Type.String({ maxLength: 64, examples: ['0f9d7a4e-1c1b-4a47-9a0e-2b9d2f8f5a11'] }) }),
        response: { 200: RunWithStatements, 404: ErrorBody },
      },
    },
    async (request) => {
      const run = await getRun(db, request.params.run_id);
      if (!run) throw notFound('Payout run');
      return { ...run, statements: await listStatements(db, { runId: run.run_id }) };
    },
  );

  app.get(
    '/api/v1/payout-runs/:run_id/export',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Payouts'],
        summary: 'Export approved statements for payment',
        description: 'The run\'s approved statements for the broker\'s payment tooling: partner, currency, amount, period and the payout reference to quote. CSV (default) or JSON.',
        params: Type.Object({ run_id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' })) }, { additionalProperties: false }),
        response: { 200: Type.Union([Type.Object({ data: Type.Array(ExportRow) }), Type.String({ description: 'text/csv' })]), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const run = await getRun(db, request.params.run_id);
      if (!run) throw notFound('Payout run');
      const rows = (await listStatements(db, { runId: run.run_id, status: 'approved' })).map((s) => ({
        statement_id: s.statement_id,
        partner_id: s.partner_id,
        partner_name: s.partner_name,
        currency: s.currency,
        amount: s.amount_payable,
        period: s.period,
        payout_reference: `OPENIB-${s.period}-${s.partner_id}-${s.currency}`,
      }));
      if (request.query.format === 'json') return { data: rows };
      const columns = ['statement_id', 'partner_id', 'partner_name', 'currency', 'amount', 'period', 'payout_reference'] as const;
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="payout-${run.period}-${run.run_id.slice(0, 8)}.csv"`);
      return stringify([[...columns], ...rows.map((r) => columns.map((c) => csvCell(r[c])))]);
    },
  );
};

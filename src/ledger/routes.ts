import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { parseDate } from '../shared/dates.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { assertPartnerAccess } from '../partners/access.ts';
import { requirePartner } from '../partners/partners.ts';
import { correctionsOf, earnings, getEntry, listLedger } from './read.ts';

const EntryView = Type.Object({
  entry_id: Type.String({ format: 'uuid' }),
  partner_id: Type.String(),
  currency: Type.String(),
  amount: Type.String({ description: 'Full precision decimal; rounded once, on statements.' }),
  kind: Type.String({ examples: ['per_lot'] }),
  level: Type.Integer({ description: '0: the customer\'s own partner; 1: its parent; …' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('paid'), Type.Literal('reversed')]),
  hold_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why a pending entry waits: kyc_pending, missing_fx_rate.' }),
  source_type: Type.String(),
  source_key: Type.String({ description: 'The fact: for activity date|customer_id|instrument|currency.' }),
  rule: Type.String(),
  fact_date: Type.String({ format: 'date' }),
  customer_id: Type.Union([Type.String(), Type.Null()]),
  instrument: Type.Union([Type.String(), Type.Null()]),
  plan_id: Type.Union([Type.String(), Type.Null()]),
  plan_version: Type.Union([Type.Integer(), Type.Null()]),
  corrects: Type.Union([Type.String(), Type.Null()], { description: 'entry_id of the entry this one corrects.' }),
  payout_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

function day(name: string, value?: string) {
  if (value === undefined) return undefined;
  const p = parseDate(value);
  if ('reason' in p) throw new AppError(400, 'invalid_parameters', `${name} ${p.reason}.`, [{ field: name, reason: p.reason }]);
  return p.value;
}

export const ledgerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  /** The derivation of one entry; `partnerId` limits it to that partner's own entries (404 otherwise). */
  async function explain(entryId: string, partnerId?: string) {
    const found = await getEntry(db, entryId);
    if (!found || (partnerId !== undefined && found.partner_id !== partnerId)) throw notFound('Ledger entry');
    const { explanation, internal_id, ...entry } = found;
    const history = await correctionsOf(db, internal_id);
    const e = explanation as { formula?: string; arithmetic?: string };
    const summary = `${entry.partner_id} ${entry.amount.startsWith('-') ? 'gives back' : 'earns'} ${entry.amount.replace('-', '')} ${entry.currency} (${entry.kind}, level ${entry.level}) on ${entry.source_type} ${entry.source_key}${entry.plan_id ? ` under plan ${entry.plan_id} v${entry.plan_version}` : ''}: ${e.formula ?? ''} → ${e.arithmetic ?? ''}.`;
    return { entry, explanation, summary, history };
  }

  // A partner's own earnings, entry by entry, with the explanation of each amount: for the partner portal and partner-bound
  // clients (their own partner or a partner in their subtree), beside the broker-wide /api/v1/ledger.
  app.get(
    '/api/v1/partners/:partner_id/ledger',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Ledger'],
        summary: 'A partner\'s ledger entries',
        description: 'The entries credited to one partner, newest first (the entry written last comes first; `next_cursor` goes on to older ones). A partner-bound caller reaches its own partner and its subtree only (404 otherwise).',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ maxLength: 10, description: 'First fact date, YYYY-MM-DD.' })),
            to: Type.Optional(Type.String({ maxLength: 10, description: 'Last fact date, YYYY-MM-DD.' })),
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('paid'), Type.Literal('reversed')])),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(EntryView), meta: PageMeta }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      const q = request.query;
      return listLedger(db, { partnerIds: [partner_id], from: day('from', q.from), to: day('to', q.to), status: q.status }, q, 'desc');
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/ledger/:entry_id/explain',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Ledger'],
        summary: 'Explain one of a partner\'s ledger entries',
        description: 'The same derivation as GET /api/v1/ledger/{entry_id}/explain, for an entry credited to this partner (404 for any other entry).',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }), entry_id: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({ entry: EntryView, explanation: Type.Unknown(), summary: Type.String(), history: Type.Array(EntryView) }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { partner_id, entry_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      return explain(entry_id, partner_id);
    },
  );

  app.get(
    '/api/v1/ledger',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Ledger'],
        summary: 'List ledger entries',
        description: 'The append-only commission ledger, oldest first. Page with `cursor` (meta.next_cursor).',
        querystring: Type.Object(
          {
            partner_id: Type.Optional(Type.String({ maxLength: 200 })),
            customer_id: Type.Optional(Type.String({ maxLength: 500 })),
            from: Type.Optional(Type.String({ maxLength: 10, description: 'First fact date, YYYY-MM-DD.' })),
            to: Type.Optional(Type.String({ maxLength: 10, description: 'Last fact date, YYYY-MM-DD.' })),
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('paid'), Type.Literal('reversed')])),
            kind: Type.Optional(Type.String({ maxLength: 50 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(EntryView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      return listLedger(
        db,
        { partnerIds: q.partner_id ? [q.partner_id] : undefined, customerId: q.customer_id, from: day('from', q.from), to: day('to', q.to), status: q.status, kind: q.kind },
        q,
      );
    },
  );

  app.get(
    '/api/v1/ledger/:entry_id/explain',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Ledger'],
        summary: 'Explain a ledger entry',
        description: 'The whole derivation of an amount in words and numbers: the fact, the plan version, the rule, the arithmetic, and every entry recorded for the same fact and rule.',
        params: Type.Object({ entry_id: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object({ entry: EntryView, explanation: Type.Unknown(), summary: Type.String(), history: Type.Array(EntryView) }),
          404: ErrorBody,
        },
      },
    },
    async (request) => explain(request.params.entry_id),
  );

  app.get(
    '/api/v1/partners/:partner_id/earnings',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Ledger'],
        summary: 'A partner\'s earnings over a period',
        description: 'Totals per currency, by status, kind and level, of entries whose fact date falls in [from, to].',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object({ from: Type.Optional(Type.String({ maxLength: 10 })), to: Type.Optional(Type.String({ maxLength: 10 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            partner_id: Type.String(),
            from: Type.Union([Type.String(), Type.Null()]),
            to: Type.Union([Type.String(), Type.Null()]),
            totals: Type.Array(
              Type.Object({
                currency: Type.String(),
                total: Type.String(),
                by_status: Type.Record(Type.String(), Type.String()),
                by_kind: Type.Record(Type.String(), Type.String()),
                by_level: Type.Record(Type.String(), Type.String()),
              }),
            ),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const [exists] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [request.params.partner_id]);
      if (!exists) throw notFound(`Partner "${request.params.partner_id}"`);
      const from = day('from', request.query.from) ?? null;
      const to = day('to', request.query.to) ?? null;
      return { partner_id: request.params.partner_id, from, to, totals: await earnings(db, request.params.partner_id, from ?? undefined, to ?? undefined) };
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Caller } from '../http/context.ts';
import { ErrorBody } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { getPayoutDetails, setPayoutDetails, validatePayoutDetails } from './payout-details.ts';
import { PartnerIdParam } from './schemas.ts';

const Method = Type.Union([Type.Literal('bank_transfer'), Type.Literal('crypto_wallet'), Type.Literal('e_wallet'), Type.Literal('other')]);

const PayoutDetailsBody = Type.Object(
  {
    method: Method,
    details: Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 200 }), {
      maxProperties: 10,
      description:
        'bank_transfer: account_holder, iban or account_number, swift_bic (bank_name, bank_country optional); crypto_wallet: network, address (memo optional); e_wallet: provider, account; other: instructions.',
    }),
  },
  { additionalProperties: false, examples: [{ method: 'bank_transfer', details: { account_holder: 'Gulf Traders FZE', iban: 'AE070331234567890123456', swift_bic: 'BOMLAEAD' } }] },
);

const PayoutDetailsView = Type.Object({
  partner_id: Type.String(),
  method: Method,
  details: Type.Record(Type.String(), Type.String()),
  updated_at: Type.String({ format: 'date-time' }),
  updated_by: Type.String(),
});

const hidden = () => new AppError(404, 'not_found', 'No partner with this id.');

/**
 * A partner-bound caller reaches its own partner's payout details only (not its sub-IBs': an upline
 * must not read or redirect a downline's money); broker callers need the admin scope (or read:all to read).
 */
function assertPayoutAccess(caller: Caller | undefined, partnerId: string, write: boolean): void {
  if (caller?.partnerId !== undefined) {
    if (caller.partnerId !== partnerId) throw hidden();
    return;
  }
  const scopes = caller?.scopes ?? [];
  if (scopes.includes('admin') || (!write && scopes.includes('read:all'))) return;
  throw new AppError(403, 'forbidden', 'Payout details are for the partner itself and for admins.');
}

export const payoutDetailsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/partners/:partner_id/payout-details',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partners'],
        summary: 'Read a partner\'s payout details',
        description: 'In full, for the partner itself (a partner-bound token, its own partner only) and for admins. `data` is null while none are set.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: Type.Union([PayoutDetailsView, Type.Null()]) }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertPayoutAccess(request.caller, id, false);
      const [partner] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [id]);
      if (!partner) throw hidden();
      const stored = await getPayoutDetails(db, id);
      return { data: stored ?? null };
    },
  );

  app.put(
    '/api/v1/partners/:partner_id/payout-details',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags: ['Partners'],
        summary: 'Set a partner\'s payout details',
        description:
          'Replaces the payout details (validated per method, stored encrypted). The change is audited with before and after masked and emits `partner.payout_details_changed`, a signal worth watching for fraud.',
        params: PartnerIdParam,
        body: PayoutDetailsBody,
        response: { 200: Type.Object({ data: PayoutDetailsView, changed: Type.Boolean() }), 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertPayoutAccess(request.caller, id, true);
      const input = validatePayoutDetails(request.body);
      return db.transaction(async (tx) => {
        const [partner] = await tx.query('SELECT 1 FROM partners WHERE partner_id = $1', [id]);
        if (!partner) throw hidden();
        const { stored, changed } = await setPayoutDetails(tx, id, input, { actor: request.caller?.clientId ?? 'unknown', ip: request.ip });
        return { data: stored, changed };
      });
    },
  );
};

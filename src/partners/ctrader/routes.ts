import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { idempotentWrite } from '../../http/idempotency.ts';
import { ErrorBody } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { policyFrom } from '../attribution/policy.ts';
import { assertBrokerCaller } from '../access.ts';
import { assertBasic } from './basic-auth.ts';
import { linkIdentities } from './identities.ts';
import { BROKER_RESULTS, handleInvite } from './invite.ts';

const CtidUserId = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

const InviteBody = Type.Object(
  {
    invitedUserId: CtidUserId('cTrader user id (cTID) of the invited trader.'),
    partnerUserId: CtidUserId('cTrader user id (cTID) of the partner who invited them.'),
    brokerPartnerId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The partner\'s id at the broker (its affiliate_id), when cTrader already knows it.' })),
    brokerName: Type.String({ minLength: 1, maxLength: 100, description: 'Broker or white label the trader registered with.' }),
  },
  { examples: [{ invitedUserId: 4216, partnerUserId: 28042, brokerPartnerId: 'I2333PIOIII', brokerName: 'BESTBROKER' }] },
);

const InviteResponse = Type.Object({
  brokerPartnerId: Type.String({ description: 'The partner\'s affiliate_id; cTrader sends it back on later invites.' }),
  brokerResult: Type.Union(
    [Type.Literal('ATTRIBUTED_NEW'), Type.Literal('ATTRIBUTED'), Type.Literal('PENDING_ATTRIBUTION'), Type.Literal('REATTRIBUTED')],
    { description: `One of ${BROKER_RESULTS.join(', ')}.` },
  ),
});

const IdentityRecord = Type.Object(
  {
    user_id: CtidUserId('cTrader user id (cTID).'),
    customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'The trader\'s customer_id (it may arrive through the data API later).' })),
    partner_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'An existing partner this cTrader user is.' })),
  },
  { additionalProperties: false },
);

export const ctraderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.post(
    '/api/v1/integrations/ctrader-invite',
    {
      config: { public: true },
      schema: {
        tags: ['cTrader Invite'],
        summary: 'cTrader Invite webhook',
        description:
          'The URL a broker gives Spotware for cTrader Invite. Authenticated with HTTP Basic (`OPENIB_CTRADER_INVITE_USER` / `OPENIB_CTRADER_INVITE_PASSWORD`), not with a bearer token. ' +
          'Answers `ATTRIBUTED_NEW` (the partner user was new: a partner was created and its id is returned; a trader whose record has not arrived yet is attributed on arrival), `ATTRIBUTED` (a known partner), ' +
          '`PENDING_ATTRIBUTION` (the trader\'s customer record is not known yet — map the cTrader user with POST /api/v1/integrations/ctrader-invite/identities — or the move waits for review inside the guaranteed attribution period) ' +
          'or `REATTRIBUTED` (the trader moved to this partner). The same webhook sent again gets the same answer.',
        body: InviteBody,
        response: { 200: InviteResponse, 401: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
      // Credentials first, before the body is parsed or validated: a caller without them learns nothing about the schema.
      onRequest: async (request) => {
        if (!config.ctraderInviteUser || !config.ctraderInvitePassword)
          throw new AppError(503, 'integration_disabled', 'cTrader Invite is not configured: set OPENIB_CTRADER_INVITE_USER and OPENIB_CTRADER_INVITE_PASSWORD.');
        assertBasic(request.headers.authorization, config.ctraderInviteUser, config.ctraderInvitePassword);
      },
    },
    async (request) => {
      return db.transaction((tx) => handleInvite(tx, request.body, { policy: policyFrom(config), maxLevels: config.maxTreeDepth, reattribution: config.ctraderReattribution }));
    },
  );

  app.post(
    '/api/v1/integrations/ctrader-invite/identities',
    {
      config: { scope: 'customers:write' },
      schema: {
        tags: ['cTrader Invite'],
        summary: 'Map cTrader users to customers or partners',
        description:
          'Tells OpenIB which cTrader user (cTID user id) is which customer (or partner). Send it from the broker\'s cTrader SSO / user-creation flow. ' +
          'Invites waiting for the customer are settled at once. A user already mapped to someone else is refused (422).',
        body: Type.Array(IdentityRecord, { minItems: 1, maxItems: 1000, examples: [[{ user_id: 4216, customer_id: 'C-100045' }]] }),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                index: Type.Integer(),
                user_id: Type.Integer(),
                kind: Type.Union([Type.Literal('customer'), Type.Literal('partner')]),
                outcome: Type.Union([Type.Literal('created'), Type.Literal('unchanged')]),
              }),
            ),
          }),
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      assertBrokerCaller(request.caller, 'map cTrader users');
      return idempotentWrite(db, request, reply, 200, async (tx) => ({ data: await linkIdentities(tx, request.body) }));
    },
  );
};

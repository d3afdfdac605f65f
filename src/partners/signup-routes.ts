import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { validationFailed } from '../shared/errors.ts';
import { assertBrokerCaller } from './access.ts';
import { checkDestination, MAX_DESTINATION } from './links/destination.ts';
import type { Link } from './links/links.ts';
import { partnerFields, readPartnerBody } from './partner-input.ts';
import { CustomerIdParam, LinkView, PartnerView } from './schemas.ts';
import { becomePartner, signUpPartner } from './signup.ts';
import { IdempotencyHeaders, idempotentWrite } from '../http/idempotency.ts';

const SignUpBody = Type.Object(
  {
    name: partnerFields.name,
    email: Type.String({ format: 'email', maxLength: 320 }),
    country: partnerFields.country,
    payout_currency: partnerFields.payout_currency,
    recruit_code: Type.Optional(
      Type.String({ minLength: 3, maxLength: 64, description: 'The click_id or code of the recruit link the applicant came through (or a partner\'s referral code): the new partner becomes that partner\'s sub-IB.' }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Ana Lima', email: 'ana@example.com', country: 'BR', recruit_code: 'ck_…' }] },
);

const SignUpResponse = Type.Object({
  partner_id: Type.String(),
  affiliate_id: Type.String(),
  referral_code: Type.String(),
  status: Type.Literal('pending'),
  parent_id: Type.Union([Type.Null(), Type.String()]),
  invite_link: Type.Union([Type.Null(), Type.Object({ code: Type.String(), url: Type.String() })], {
    description: 'Ready to share once the broker approves the partner; null when OPENIB_DEFAULT_DESTINATION_URL is not set.',
  }),
});

const { customer_id: _customer, ...becomeFields } = partnerFields;
const BecomeBody = Type.Object(
  {
    ...becomeFields,
    name: Type.Optional(partnerFields.name),
    parent_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100 })], { description: 'Place the new IB under this master IB.' })),
    destination_url: Type.Optional(
      Type.String({ maxLength: MAX_DESTINATION, description: 'Where the new IB\'s invite link leads; OPENIB_DEFAULT_DESTINATION_URL when left out.' }),
    ),
  },
  { additionalProperties: false, examples: [{ destination_url: 'https://broker.example/register', payout_currency: 'USD' }] },
);

export const signupRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const linkView = (link: Link | null) => (link ? { ...link, url: `${config.linkBaseUrl}/l/${link.code}` } : null);

  app.post(
    '/api/v1/partner-signups',
    {
      config: { public: true, rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags: ['Partners'],
        summary: 'Sign up as a partner (public)',
        headers: IdempotencyHeaders,
        description:
          'For the partner portal: anyone can apply, without a broker referral link. The partner starts `pending` until the broker approves it (POST /api/v1/partners/{id}/activate). Through a recruit link (`recruit_code`) it becomes that partner\'s sub-IB. At most 10 sign-ups a minute per IP address.',
        body: SignUpBody,
        response: { 201: SignUpResponse, 409: ErrorBody, 422: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const input = readPartnerBody(request.body);
      return idempotentWrite(db, request, reply, 201, async (tx) => {
        const { partner, link } = await signUpPartner(tx, {
          name: input.name as string,
          email: input.email,
          country: input.country,
          payoutCurrency: input.payoutCurrency,
          recruitCode: request.body.recruit_code,
          destinationUrl: config.defaultDestinationUrl,
          status: 'pending',
          createdBy: 'sign-up',
          maxLevels: config.maxTreeDepth,
        });
        const view = linkView(link);
        return {
          partner_id: partner.partner_id,
          affiliate_id: partner.affiliate_id,
          referral_code: partner.referral_code,
          status: 'pending' as const,
          parent_id: partner.parent_id,
          invite_link: view ? { code: view.code, url: view.url } : null,
        };
      });
    },
  );

  app.post(
    '/api/v1/customers/:customer_id/become-partner',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Partners'],
        summary: 'Turn an existing trader into an IB',
        description:
          'For the broker\'s CRM or trading app: one call makes the customer a partner (named, emailed and placed from the customer record unless given) and answers its partner id and a ready invite link. 201 the first time; the same call again answers 200 with the same partner.',
        params: CustomerIdParam,
        body: Type.Optional(BecomeBody),
        response: {
          200: Type.Object({ partner: PartnerView, invite_link: Type.Union([Type.Null(), LinkView]) }),
          201: Type.Object({ partner: PartnerView, invite_link: Type.Union([Type.Null(), LinkView]) }),
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      assertBrokerCaller(request.caller, 'create partners');
      const body = request.body ?? {};
      const input = readPartnerBody(body);
      const rawDestination = body.destination_url ?? config.defaultDestinationUrl;
      if (!rawDestination)
        throw validationFailed([{ field: 'destination_url', reason: 'is required when OPENIB_DEFAULT_DESTINATION_URL is not set' }]);
      const destination = checkDestination(rawDestination, config.linkAppSchemes);
      if ('reason' in destination) throw validationFailed([{ field: 'destination_url', reason: destination.reason }]);
      const result = await db.transaction((tx) =>
        becomePartner(tx, request.params.customer_id, {
          ...input,
          parentId: body.parent_id ?? null,
          destinationUrl: destination.value,
          createdBy: request.caller?.clientId,
          maxLevels: config.maxTreeDepth,
        }),
      );
      return reply.status(result.created ? 201 : 200).send({ partner: result.partner, invite_link: linkView(result.link) });
    },
  );
};

import { type TSchema, Type } from 'typebox';
import { CODE_PATTERN } from './ids.ts';

/** Response and shared request schemas of the partners area (they become the OpenAPI document). */

const time = Type.String({ format: 'date-time' });
// Null first: with type coercion on, Ajv would otherwise turn a JSON null into "" for the string branch.
const nullable = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);
const text = Type.String();

export const PartnerIdParam = Type.Object({ partner_id: Type.String({ maxLength: 100, description: 'The partner\'s id (pt_…).' }) });
export const LinkIdParam = Type.Object({ link_id: Type.String({ maxLength: 100, description: 'The link\'s id (ln_…).' }) });
export const CustomerIdParam = Type.Object({ customer_id: Type.String({ minLength: 1, maxLength: 500, description: 'The broker\'s customer id.' }) });

export const LoginSchema = Type.Object(
  {
    platform: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{1,19}$', description: 'mt4, mt5, ctrader…' }),
    server: Type.Optional(Type.String({ maxLength: 100, default: '', description: 'Trading server; leave out where logins are global.' })),
    login: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export const PartnerView = Type.Object(
  {
    partner_id: Type.String({ examples: ['pt_Xk3v9QmZ0aB1'] }),
    affiliate_id: Type.String({ description: 'The id the broker\'s CRM knows the partner by.', examples: ['IB-2001'] }),
    referral_code: Type.String({ description: 'A code traders can type at registration.', examples: ['K7M2P9QA'] }),
    name: text,
    email: nullable(text),
    country: nullable(text),
    status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended')]),
    payout_currency: Type.String({ examples: ['USD'] }),
    parent_id: nullable(Type.String({ description: 'The master IB above this partner; null for a top-level partner.' })),
    depth: Type.Integer({ description: 'Number of ancestors: 0 for a top-level partner.' }),
    customer_id: nullable(Type.String({ description: 'The partner\'s own trader record, when it trades with the broker.' })),
    own_accounts: Type.Array(Type.Object({ platform: text, server: text, login: text }), { description: 'The partner\'s own trading logins.' }),
    created_at: time,
    updated_at: time,
  },
  { $id: 'Partner' },
);

export const TreeNodeView = Type.Object({
  partner_id: text,
  affiliate_id: text,
  name: text,
  status: text,
  parent_id: nullable(text),
  depth: Type.Integer({ description: 'Levels between this node and the partner asked about (1 = direct sub-IB or direct parent).' }),
  direct_children: Type.Integer(),
  descendants: Type.Integer({ description: 'Everyone below this node.' }),
  customers: Type.Integer({ description: 'Customers this partner owns now.' }),
});

export const NodePageView = Type.Object({
  data: Type.Array(TreeNodeView),
  meta: Type.Object({ total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() }),
});

export const utmFields = {
  utm_source: Type.Optional(nullable(Type.String({ maxLength: 200, examples: ['ib'] }))),
  utm_medium: Type.Optional(nullable(Type.String({ maxLength: 200, examples: ['referral'] }))),
  utm_campaign: Type.Optional(nullable(Type.String({ maxLength: 200, examples: ['spring-2026'] }))),
  utm_term: Type.Optional(nullable(Type.String({ maxLength: 200 }))),
  utm_content: Type.Optional(nullable(Type.String({ maxLength: 200 }))),
};

export const LinkView = Type.Object(
  {
    link_id: text,
    partner_id: text,
    code: Type.String({ pattern: CODE_PATTERN }),
    url: Type.String({ description: 'The link to share: {OPENIB_LINK_BASE_URL}/l/{code}.' }),
    kind: Type.Union([Type.Literal('client'), Type.Literal('recruit')], { description: 'client: brings traders; recruit: signs up sub-IBs under this partner.' }),
    label: nullable(text),
    destination_url: text,
    campaign_id: nullable(text),
    utm_source: nullable(text),
    utm_medium: nullable(text),
    utm_campaign: nullable(text),
    utm_term: nullable(text),
    utm_content: nullable(text),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    created_at: time,
    updated_at: time,
  },
  { $id: 'Link' },
);

export const OwnershipView = Type.Object({
  attribution_id: Type.Integer(),
  customer_id: text,
  partner_id: text,
  effective_from: time,
  effective_to: Type.Union([Type.Null(), time], { description: 'null: still in force.' }),
  source: Type.String({ description: 'click, link_code, partner_code, affiliate_id, ctrader_invite or reassignment.' }),
  reason: nullable(text),
  click_id: nullable(text),
  link_id: nullable(text),
  campaign_id: nullable(text),
  sub_id: nullable(text),
  self_referral: nullable(Type.String({ description: 'same_customer, same_email or shared_login when the owner looks like the customer itself.' })),
  created_by: nullable(text),
  created_at: time,
  superseded_at: Type.Union([Type.Null(), time], { description: 'Set when a later reassignment replaced this period; kept for history.' }),
  superseded_by: Type.Union([Type.Null(), Type.Integer()]),
});

export const ConflictView = Type.Object({
  conflict_id: Type.Integer(),
  customer_id: text,
  current_partner_id: nullable(text),
  claimed_partner_id: text,
  source: text,
  claim: Type.Record(Type.String(), Type.Unknown(), { description: 'What the claim was read from.' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('dismissed')]),
  detected_at: time,
  resolved_at: Type.Union([Type.Null(), time]),
  resolved_by: nullable(text),
  resolution_reason: nullable(text),
});

/** A conflict as listed: with the names of the owner and of the claimant. */
export const NamedConflictView = Type.Object({
  ...ConflictView.properties,
  current_partner_name: nullable(text),
  claimed_partner_name: nullable(text),
});

export const TreePageQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

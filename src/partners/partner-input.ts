import { Type } from 'typebox';
import { CODE_PATTERN } from './ids.ts';
import type { Login } from './own-accounts.ts';
import type { PartnerPatch } from './partners.ts';
import { LoginSchema } from './schemas.ts';
import { country, currency, Issues, text } from './validate.ts';

/** Request fields shared by creating, changing and signing up partners. */
export const partnerFields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Person or company name.', examples: ['Gulf Traders FZE'] }),
  email: Type.Optional(Type.Union([Type.Null(), Type.String({ format: 'email', maxLength: 320 })], { description: 'Contact email; never used as a key.' })),
  country: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 2, maxLength: 2 })], { description: 'ISO 3166-1 alpha-2.', examples: ['AE'] })),
  payout_currency: Type.Optional(Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217; USD when left out.', examples: ['USD'] })),
  affiliate_id: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$', description: 'The id the broker\'s CRM uses; generated when left out. Registrations whose affiliate_id matches are attributed to this partner.', examples: ['IB-2001'] }),
  ),
  referral_code: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'A code traders can type at registration; generated when left out.' })),
  customer_id: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 500 })], { description: 'The partner\'s own trader record, if it trades with the broker.' })),
  own_accounts: Type.Optional(Type.Array(LoginSchema, { maxItems: 100, description: 'The partner\'s own trading logins; a customer holding one is flagged as self-referral.' })),
};

export interface PartnerBody {
  name?: string;
  email?: string | null;
  country?: string | null;
  payout_currency?: string;
  affiliate_id?: string;
  referral_code?: string;
  customer_id?: string | null;
  own_accounts?: { platform: string; server?: string; login: string }[];
}

/** Normalises partner fields (trimmed names, upper-case codes) or throws one 422 listing every problem. */
export function readPartnerBody(body: PartnerBody): PartnerPatch {
  const issues = new Issues();
  const patch: PartnerPatch = {
    name: text(body.name, 'name', issues) ?? undefined,
    email: body.email === null ? null : body.email?.trim(),
    country: country(body.country, 'country', issues),
    payoutCurrency: currency(body.payout_currency, 'payout_currency', issues),
    affiliateId: body.affiliate_id,
    referralCode: body.referral_code,
    customerId: body.customer_id,
    ownAccounts: body.own_accounts?.map((a): Login => ({ platform: a.platform.toLowerCase(), server: a.server ?? '', login: a.login })),
  };
  issues.throwIfAny();
  return patch;
}

import { randomBytes, randomInt } from 'node:crypto';

// No 0/O, 1/I/L: codes are read aloud and typed from screenshots.
const READABLE = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const LOWER = 'abcdefghjkmnpqrstuvwxyz23456789';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Internal partner id; never shown to traders. */
export const newPartnerId = () => `pt_${randomBytes(9).toString('base64url')}`;
export const newLinkId = () => `ln_${randomBytes(9).toString('base64url')}`;
/** The id a broker's CRM uses for the partner, when the broker does not bring its own. */
export const newAffiliateId = () => `IB${pick(READABLE, 8)}`;
/** A code a trader can type at registration ("partner code"). */
export const newReferralCode = () => pick(READABLE, 8);
/** A link's short code: lower case, because codes are matched case-insensitively. */
export const newLinkCode = () => pick(LOWER, 8);

/** Codes chosen by people: letters, digits, dash and underscore. */
export const CODE_PATTERN = '^[A-Za-z0-9_-]{3,64}$';
export const CODE = new RegExp(CODE_PATTERN);

/** Runs make() until insert() accepts it; a unique-key collision on a generated value is retried. */
export async function withFreshValue<T>(make: () => string, insert: (value: string) => Promise<T | undefined>, tries = 5): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const result = await insert(make());
    if (result !== undefined) return result;
  }
  throw new Error('Could not generate a unique value; try again.');
}

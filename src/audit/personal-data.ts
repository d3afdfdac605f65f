import { hasKeyRing, keyedDigest, normaliseEmail } from '../shared/keyring.ts';

// Fields that hold a person's contact details or name wherever they appear. The audit log is append-only, so
// it can be neither erased (docs/privacy.md) nor re-sealed by a key rotation: such values never go into it.
const PERSONAL_KEY = /^(e-?mail|email_address|phone|phone_number|mobile|first_name|last_name|middle_name|full_name|date_of_birth|birth_date)$/i;
// A `name` is a person's name on these subjects (logins of people); elsewhere it names a plan, client, link, partner firm….
const PERSON_SUBJECTS = new Set(['portal_user', 'admin_user', 'admin_users', 'customers']);

/**
 * What an audit entry records instead of a personal value: that it was set, and a keyed hash (HMAC under the
 * key ring's hash key) so two entries show whether the value changed, without the value. Emails are hashed
 * normalised (case and spaces do not count as a change). Empty and null values are kept: they say "cleared".
 */
export function personalDataMarker(value: unknown, key = ''): unknown {
  if (value === null || value === undefined || value === '') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const normal = /mail/i.test(key) && typeof value === 'string' ? normaliseEmail(value) : text;
  return hasKeyRing() ? `[personal data, hmac ${keyedDigest(normal).slice(0, 16)}]` : '[personal data]';
}

/** A copy of an audit before/after with every personal value replaced by its marker. */
export function withoutPersonalData(value: unknown, subjectType: string, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 20) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => withoutPersonalData(v, subjectType, depth + 1));
  const names = PERSON_SUBJECTS.has(subjectType);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const personal = PERSONAL_KEY.test(k) || (names && k === 'name');
    out[k] = personal && (v === null || typeof v !== 'object') ? personalDataMarker(v, k) : withoutPersonalData(v, subjectType, depth + 1);
  }
  return out;
}

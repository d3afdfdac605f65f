import { isIPv4 } from 'node:net';
import type { Sql } from '../db/index.ts';
import { emailHash, keyedDigest } from '../shared/keyring.ts';
import type { CustomerRecord } from './specs.ts';

/** The identifiers two customers can share: what the linked-accounts signal compares. */
export const IDENTIFIER_KINDS = ['ip_prefix', 'device', 'payment', 'phone', 'email', 'address'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/**
 * The network an address belongs to: its /24 for IPv4, its /64 for IPv6 (one household, office
 * or mobile carrier's NAT), written canonically so every spelling of one address gives one prefix.
 */
export function ipPrefix(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return ipPrefix(mapped[1]);
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** One keyed hash per kind, so a value never appears in clear and equal values still match. */
const digest = (kind: IdentifierKind, value: string) => `${kind}:${keyedDigest(`risk|${kind}|${value}`).slice(0, 32)}`;

const normalisedPhone = (phone: string) => phone.replace(/[^\d+]/g, '').replace(/^00/, '+');
const normalisedText = (text: string) => text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** The identifier hashes a customer record carries (absent fields give none). */
export function identifiersOf(r: Partial<CustomerRecord>): { kind: IdentifierKind; value_hash: string }[] {
  const out: { kind: IdentifierKind; value_hash: string }[] = [];
  const add = (kind: IdentifierKind, value: string | null | undefined) => {
    if (value !== undefined && value !== null && value.trim() !== '') out.push({ kind, value_hash: digest(kind, value) });
  };
  add('ip_prefix', r.signup_ip ? ipPrefix(r.signup_ip) : undefined);
  add('device', r.device_id?.trim());
  add('payment', r.payment_fingerprint?.trim());
  add('phone', r.phone ? normalisedPhone(r.phone) : undefined);
  add('email', emailHash(r.email));
  add('address', r.address ? normalisedText(r.address) : undefined);
  return out;
}

/**
 * Records the identifiers of these customer records (a later value of a kind replaces the
 * earlier one). Customers whose personal data were erased are skipped.
 */
export async function recordIdentifiers(tx: Sql, records: Partial<CustomerRecord>[], erased: Set<string> = new Set()): Promise<void> {
  const rows = records.filter((r) => r.customer_id && !erased.has(r.customer_id)).flatMap((r) => identifiersOf(r).map((i) => ({ customer_id: r.customer_id as string, ...i })));
  if (!rows.length) return;
  const unique = [...new Map(rows.map((r) => [`${r.customer_id}|${r.kind}`, r])).values()];
  await tx.query(
    `INSERT INTO customer_identifiers (customer_id, kind, value_hash)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (customer_id, kind) DO UPDATE SET value_hash = EXCLUDED.value_hash, recorded_at = now()
     WHERE customer_identifiers.value_hash <> EXCLUDED.value_hash`,
    [unique.map((r) => r.customer_id), unique.map((r) => r.kind), unique.map((r) => r.value_hash)],
  );
}

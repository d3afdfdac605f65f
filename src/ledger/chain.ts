/**
 * The partner chain's canonical form (docs/verification.md). Every record that decides a partner's
 * money is hashed as the RFC 8785 canonical JSON of
 *
 *   {"partner_id": …, "prev": <previous hash>, "record": <record body>, "seq": <1, 2, …>}
 *
 * with SHA-256 (lower-case hex); the first record's prev is 64 zeros. The bodies are built here, from
 * the values written (write.ts) and from the rows read back for an export (export.ts), by the same
 * functions, so an honest database always gives the same hashes.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Decimal } from 'decimal.js';

export const GENESIS = '0'.repeat(64);

export type RecordType = 'ledger_entry' | 'ledger_status' | 'attribution' | 'attribution_superseded';

/** A record to chain: whose chain, what it is, its id in its own table and its canonical body. */
export interface ChainRecord {
  partner_id: string;
  type: RecordType;
  id: number;
  body: Record<string, unknown>;
}

export function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('A chain record cannot be empty.');
  return text;
}

/** The hash of a record at position `seq` of a partner's chain, after `prev`. */
export function recordHash(partnerId: string, seq: number, prev: string, body: unknown): string {
  return createHash('sha256').update(canonical({ partner_id: partnerId, seq, prev, record: body }), 'utf8').digest('hex');
}

/** Amounts in a canonical decimal form: no exponent, no trailing zeros, no "-0". */
export function canonicalAmount(value: string | number): string {
  const d = new Decimal(value);
  return d.isZero() ? '0' : d.toFixed();
}

const orNull = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);
const idOrNull = (v: unknown): number | null => (v === undefined || v === null ? null : Number(v));
/** JSON as a JSON document reads back (undefined members gone, dates as strings). */
const asJson = (v: unknown): unknown => (v === undefined || v === null ? null : JSON.parse(JSON.stringify(v)));

export interface EntryFields {
  id: number;
  partner_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  source_type: string;
  source_key: string;
  rule: string;
  fact_date: string;
  customer_id?: string | null;
  instrument?: string | null;
  plan_id?: string | null;
  plan_version?: number | null;
  hold_reason?: string | null;
  corrects?: number | null;
  explanation: unknown;
  initial_status: string | null;
}

export function entryBody(e: EntryFields): Record<string, unknown> {
  return {
    type: 'ledger_entry',
    id: Number(e.id),
    partner_id: e.partner_id,
    currency: e.currency,
    amount: canonicalAmount(e.amount),
    kind: e.kind,
    level: Number(e.level),
    source_type: e.source_type,
    source_key: e.source_key,
    rule: e.rule,
    fact_date: e.fact_date,
    customer_id: orNull(e.customer_id),
    instrument: orNull(e.instrument),
    plan_id: orNull(e.plan_id),
    plan_version: idOrNull(e.plan_version),
    hold_reason: orNull(e.hold_reason),
    corrects: idOrNull(e.corrects),
    initial_status: orNull(e.initial_status),
    explanation: asJson(e.explanation),
  };
}

export interface StatusFields {
  id: number;
  entry_id: number;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  changed_by: string | null;
}

export function statusBody(s: StatusFields): Record<string, unknown> {
  return {
    type: 'ledger_status',
    id: Number(s.id),
    entry_id: Number(s.entry_id),
    from_status: orNull(s.from_status),
    to_status: s.to_status,
    reason: orNull(s.reason),
    changed_by: orNull(s.changed_by),
  };
}

export interface AttributionFields {
  attribution_id: number;
  customer_id: string;
  partner_id: string;
  effective_from: string;
  effective_to: string | null;
  source: string;
  reason: string | null;
  click_id: string | null;
  link_id: string | null;
  campaign_id: string | null;
  sub_id: string | null;
  self_referral: string | null;
}

/**
 * A period of ownership given to the partner. The self-referral flag is not part of it: it is set
 * later, when a login turns out to be the partner's own (announced as attribution.self_referral).
 */
export function attributionBody(a: AttributionFields): Record<string, unknown> {
  return {
    type: 'attribution',
    id: Number(a.attribution_id),
    customer_id: a.customer_id,
    partner_id: a.partner_id,
    effective_from: a.effective_from,
    effective_to: orNull(a.effective_to),
    source: a.source,
    reason: orNull(a.reason),
    click_id: orNull(a.click_id),
    link_id: orNull(a.link_id),
    campaign_id: orNull(a.campaign_id),
    sub_id: orNull(a.sub_id),
  };
}

/** A period of the partner's taken out of force by a reassignment: to whom, from when, and why. */
export interface SupersededFields {
  attribution_id: number;
  customer_id: string;
  partner_id: string;
  effective_from: string;
  effective_to: string | null;
  superseded_by: number;
  new_partner_id: string;
  new_effective_from: string;
  reason: string | null;
}

export function supersededBody(s: SupersededFields): Record<string, unknown> {
  return {
    type: 'attribution_superseded',
    id: Number(s.attribution_id),
    customer_id: s.customer_id,
    partner_id: s.partner_id,
    effective_from: s.effective_from,
    effective_to: orNull(s.effective_to),
    superseded_by: Number(s.superseded_by),
    new_partner_id: s.new_partner_id,
    new_effective_from: s.new_effective_from,
    reason: orNull(s.reason),
  };
}

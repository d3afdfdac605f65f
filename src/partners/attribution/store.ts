import type { Sql } from '../../db/index.ts';
import { attributionBody, supersededBody } from '../../ledger/chain.ts';
import { chain } from '../../ledger/write.ts';

export const SOURCES = ['click', 'link_code', 'partner_code', 'affiliate_id', 'ctrader_invite', 'reassignment'] as const;
export type Source = (typeof SOURCES)[number];

/** A partner's claim on a customer, with what it came from. */
export interface Claim {
  partnerId: string;
  source: Source;
  clickId?: string | null;
  linkId?: string | null;
  campaignId?: string | null;
  subId?: string | null;
  reason?: string | null;
}

export interface Ownership {
  attribution_id: number;
  customer_id: string;
  partner_id: string;
  effective_from: string;
  effective_to: string | null;
  source: Source;
  reason: string | null;
  click_id: string | null;
  link_id: string | null;
  campaign_id: string | null;
  sub_id: string | null;
  self_referral: string | null;
  created_by: string | null;
  created_at: string;
  superseded_at: string | null;
  superseded_by: number | null;
}

export const OWNERSHIP_COLUMNS = `attribution_id, customer_id, partner_id, effective_from, effective_to, source, reason, click_id, link_id,
  campaign_id, sub_id, self_referral, created_by, created_at, superseded_at, superseded_by`;

/**
 * Every write to a customer's ownership holds the customer's row lock first, so two writers
 * (the data API, a reassignment, a cTrader webhook) take turns per customer. NO KEY UPDATE: the
 * foreign-key checks of other inserts (transactions, activity) need not wait for it.
 */
export async function lockCustomers(tx: Sql, customerIds: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ customer_id: string }>(
    'SELECT customer_id FROM customers WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR NO KEY UPDATE',
    [customerIds],
  );
  return new Set(rows.map((r) => r.customer_id));
}

/** Each customer's owner from its latest period on (the owner going forward), if any. */
export async function latestOwners(tx: Sql, customerIds: string[]): Promise<Map<string, Ownership>> {
  if (customerIds.length === 0) return new Map();
  const rows = await tx.query<Ownership>(
    `SELECT DISTINCT ON (customer_id) ${OWNERSHIP_COLUMNS} FROM attributions
     WHERE customer_id = ANY($1::text[]) AND superseded_at IS NULL ORDER BY customer_id, effective_from DESC`,
    [customerIds],
  );
  return new Map(rows.map((r) => [r.customer_id, r]));
}

export interface NewOwnership {
  customerId: string;
  from: string;
  claim: Claim;
  selfReferral: string | null;
  createdBy: string | null;
}

const attributionRecord = (o: Ownership) => ({ partner_id: o.partner_id, type: 'attribution' as const, id: Number(o.attribution_id), body: attributionBody(o) });

/** First owners of customers that have none (one statement for a whole batch), chained to each owner's ledger chain. */
export async function insertFirstOwners(tx: Sql, rows: NewOwnership[]): Promise<Ownership[]> {
  const inserted = await insertOwners(tx, rows);
  await chain(tx, inserted.map(attributionRecord));
  return inserted;
}

async function insertOwners(tx: Sql, rows: NewOwnership[]): Promise<Ownership[]> {
  if (rows.length === 0) return [];
  const col = (f: (r: NewOwnership) => unknown) => rows.map(f);
  return tx.query<Ownership>(
    `INSERT INTO attributions (customer_id, partner_id, effective_from, source, reason, click_id, link_id, campaign_id, sub_id, self_referral, created_by)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
     RETURNING ${OWNERSHIP_COLUMNS}`,
    [
      col((r) => r.customerId),
      col((r) => r.claim.partnerId),
      col((r) => r.from),
      col((r) => r.claim.source),
      col((r) => r.claim.reason ?? null),
      col((r) => r.claim.clickId ?? null),
      col((r) => r.claim.linkId ?? null),
      col((r) => r.claim.campaignId ?? null),
      col((r) => r.claim.subId ?? null),
      col((r) => r.selfReferral),
      col((r) => r.createdBy),
    ],
  );
}

/**
 * Makes claim.partnerId the owner from `from` onwards. Periods that reach past `from` are
 * superseded (kept for history, out of force); the one that started before is re-issued ending at
 * `from`. The caller holds the customer's lock.
 */
export async function assignFrom(tx: Sql, row: NewOwnership): Promise<{ inserted: Ownership; displaced: Ownership[] }> {
  const displaced = await tx.query<Ownership>(
    `UPDATE attributions SET superseded_at = now()
     WHERE customer_id = $1 AND superseded_at IS NULL AND (effective_to IS NULL OR effective_to > $2)
     RETURNING ${OWNERSHIP_COLUMNS}`,
    [row.customerId, row.from],
  );
  const cut = displaced.filter((d) => d.effective_from < row.from);
  const reissued = cut.length
    ? await tx.query<Ownership>(
        `INSERT INTO attributions (customer_id, partner_id, effective_from, effective_to, source, reason, click_id, link_id, campaign_id, sub_id, self_referral, created_by)
         SELECT customer_id, partner_id, effective_from, $2, source, reason, click_id, link_id, campaign_id, sub_id, self_referral, created_by
         FROM attributions WHERE attribution_id = ANY($1::bigint[]) ORDER BY attribution_id
         RETURNING ${OWNERSHIP_COLUMNS}`,
        [cut.map((d) => d.attribution_id), row.from],
      )
    : [];
  const [inserted] = await insertOwners(tx, [row]);
  if (displaced.length)
    await tx.query('UPDATE attributions SET superseded_by = $2 WHERE attribution_id = ANY($1::bigint[])', [
      displaced.map((d) => d.attribution_id),
      inserted.attribution_id,
    ]);
  // The displaced owners' chains record what was taken from them, to whom and why, then the part they keep.
  await chain(tx, [
    ...displaced.map((d) => ({
      partner_id: d.partner_id,
      type: 'attribution_superseded' as const,
      id: Number(d.attribution_id),
      body: supersededBody({ ...d, superseded_by: inserted.attribution_id, new_partner_id: inserted.partner_id, new_effective_from: inserted.effective_from, reason: inserted.reason }),
    })),
    ...[...reissued].sort((a, b) => Number(a.attribution_id) - Number(b.attribution_id)).map(attributionRecord),
    attributionRecord(inserted),
  ]);
  return { inserted, displaced };
}

/** Who owned the customer at that instant (null: nobody). Activity is credited to this partner. */
export async function ownerAt(db: Sql, customerId: string, instant: string): Promise<string | null> {
  const owners = await ownersAt(db, [{ customerId, instant }]);
  return owners.get(`${customerId}|${instant}`) ?? null;
}

/** ownerAt for many (customer, instant) pairs in one query; keyed "customer_id|instant". */
export async function ownersAt(db: Sql, pairs: { customerId: string; instant: string }[]): Promise<Map<string, string>> {
  if (pairs.length === 0) return new Map();
  const rows = await db.query<{ customer_id: string; instant: string; partner_id: string }>(
    `SELECT q.customer_id, q.instant_text AS instant, a.partner_id
     FROM unnest($1::text[], $2::text[]) AS q(customer_id, instant_text)
     JOIN attributions a ON a.customer_id = q.customer_id AND a.superseded_at IS NULL
       AND a.effective_from <= q.instant_text::timestamptz
       AND (a.effective_to IS NULL OR a.effective_to > q.instant_text::timestamptz)`,
    [pairs.map((p) => p.customerId), pairs.map((p) => p.instant)],
  );
  return new Map(rows.map((r) => [`${r.customer_id}|${r.instant}`, r.partner_id]));
}

export interface Tracking {
  click_id: string | null;
  campaign_id: string | null;
  sub_id: string | null;
  link_id: string | null;
}

/**
 * How each partner got each customer: the click, campaign, sub id and link of the partner's latest
 * attribution of the customer (superseded rows included, so a fact dated before a correction still
 * finds its click). Keyed `customer|partner`; pairs without an attribution are absent. Postbacks
 * carry these, so a partner's own tracker can match the conversion to its click.
 */
export async function trackingOf(db: Sql, pairs: { customerId: string; partnerId: string }[]): Promise<Map<string, Tracking>> {
  if (pairs.length === 0) return new Map();
  const rows = await db.query<Tracking & { customer_id: string; partner_id: string }>(
    `SELECT DISTINCT ON (a.customer_id, a.partner_id) a.customer_id, a.partner_id, a.click_id, a.campaign_id, a.sub_id, a.link_id
     FROM unnest($1::text[], $2::text[]) AS q(customer_id, partner_id)
     JOIN attributions a ON a.customer_id = q.customer_id AND a.partner_id = q.partner_id
     ORDER BY a.customer_id, a.partner_id, (a.superseded_at IS NULL) DESC, a.effective_from DESC, a.attribution_id DESC`,
    [pairs.map((p) => p.customerId), pairs.map((p) => p.partnerId)],
  );
  return new Map(rows.map(({ customer_id, partner_id, ...t }) => [`${customer_id}|${partner_id}`, t]));
}

/** The tracking fields of one customer and partner for an event's data (nulls when unknown). */
export const trackingData = (t: Tracking | undefined) => ({ click_id: t?.click_id ?? null, campaign_id: t?.campaign_id ?? null, sub_id: t?.sub_id ?? null, link_id: t?.link_id ?? null });

/** Every ownership period a customer has had, superseded ones included, oldest first. */
export async function ownershipHistory(db: Sql, customerId: string): Promise<Ownership[]> {
  return db.query<Ownership>(`SELECT ${OWNERSHIP_COLUMNS} FROM attributions WHERE customer_id = $1 ORDER BY effective_from, attribution_id`, [customerId]);
}

/**
 * The chain bodies of attribution records as the table holds them now (for a partner's ledger
 * export): `attribution` by attribution_id, `attribution_superseded` by the superseded row's id.
 * Rows that no longer exist are absent.
 */
export async function attributionChainBodies(db: Sql, attributionIds: number[], supersededIds: number[]): Promise<{ attribution: Map<number, Record<string, unknown>>; superseded: Map<number, Record<string, unknown>> }> {
  const attribution = new Map<number, Record<string, unknown>>();
  const superseded = new Map<number, Record<string, unknown>>();
  if (attributionIds.length) {
    const rows = await db.query<Ownership>(`SELECT ${OWNERSHIP_COLUMNS} FROM attributions WHERE attribution_id = ANY($1::bigint[])`, [attributionIds]);
    for (const r of rows) attribution.set(Number(r.attribution_id), attributionBody(r));
  }
  if (supersededIds.length) {
    const rows = await db.query<Ownership & { new_partner_id: string; new_effective_from: string; new_reason: string | null }>(
      `SELECT a.attribution_id, a.customer_id, a.partner_id, a.effective_from, a.effective_to, a.superseded_by,
              n.partner_id AS new_partner_id, n.effective_from AS new_effective_from, n.reason AS new_reason
       FROM attributions a JOIN attributions n ON n.attribution_id = a.superseded_by
       WHERE a.attribution_id = ANY($1::bigint[])`,
      [supersededIds],
    );
    for (const r of rows)
      superseded.set(Number(r.attribution_id), supersededBody({ ...r, superseded_by: Number(r.superseded_by), reason: r.new_reason }));
  }
  return { attribution, superseded };
}

/** A partner's attribution rows that are in no chain (an honest database has none). */
export async function unchainedAttributions(db: Sql, partnerId: string, limit: number): Promise<Record<string, unknown>[]> {
  const rows = await db.query<Ownership>(
    `SELECT ${OWNERSHIP_COLUMNS} FROM attributions a WHERE partner_id = $1
       AND NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.record_type = 'attribution' AND c.record_id = a.attribution_id AND c.partner_id = a.partner_id)
     ORDER BY attribution_id LIMIT $2`,
    [partnerId, limit],
  );
  return rows.map(attributionBody);
}

import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { AppError } from '../../shared/errors.ts';
import { newLinkCode, newLinkId } from '../ids.ts';
import { isUniqueViolation } from '../validate.ts';
import { type UtmValues, UTM_KEYS } from './destination.ts';

export const LINK_KINDS = ['client', 'recruit'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
export const LINK_STATUSES = ['active', 'disabled'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export interface Link extends UtmValues {
  link_id: string;
  partner_id: string;
  code: string;
  kind: LinkKind;
  label: string | null;
  destination_url: string;
  campaign_id: string | null;
  status: LinkStatus;
  created_at: string;
  updated_at: string;
}

export const LINK_COLUMNS = `link_id, partner_id, code, kind, label, destination_url, campaign_id,
  utm_source, utm_medium, utm_campaign, utm_term, utm_content, status, created_at, updated_at`;

export interface LinkFields extends Partial<UtmValues> {
  label?: string | null;
  destinationUrl?: string;
  campaignId?: string | null;
  status?: LinkStatus;
}

export interface NewLink extends LinkFields {
  partnerId: string;
  destinationUrl: string;
  code?: string;
  kind?: LinkKind;
}

const linkEvent = (type: string, link: Link, extra: Record<string, unknown> = {}) => ({
  type,
  subjectType: 'link',
  subjectId: link.link_id,
  data: { link, ...extra },
});

export async function getLink(db: Sql, linkId: string): Promise<Link | undefined> {
  const [row] = await db.query<Link>(`SELECT ${LINK_COLUMNS} FROM links WHERE link_id = $1`, [linkId]);
  return row;
}

/** Creates a link with the given code, or a generated one (retried on the rare collision). */
export async function createLink(tx: Sql, input: NewLink): Promise<Link> {
  if (input.code) {
    const taken = await tx.query('SELECT 1 FROM links WHERE lower(code) = lower($1)', [input.code]);
    if (taken.length) throw new AppError(409, 'code_taken', `The link code "${input.code}" is taken; choose another or leave it out to get one generated.`);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    await tx.query('SAVEPOINT new_link');
    try {
      const [link] = await tx.query<Link>(
        `INSERT INTO links (link_id, partner_id, code, kind, label, destination_url, campaign_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${LINK_COLUMNS}`,
        [
          newLinkId(),
          input.partnerId,
          input.code ?? newLinkCode(),
          input.kind ?? 'client',
          input.label ?? null,
          input.destinationUrl,
          input.campaignId ?? null,
          ...UTM_KEYS.map((k) => input[k] ?? null),
        ],
      );
      await tx.query('RELEASE SAVEPOINT new_link');
      await appendEvents(tx, [linkEvent('link.created', link)]);
      return link;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT new_link');
      if (!isUniqueViolation(err)) throw err;
      if (input.code) throw new AppError(409, 'code_taken', `The link code "${input.code}" is taken; choose another.`);
    }
  }
  throw new AppError(503, 'try_again', 'Could not generate a unique link code; try again.');
}

const FIELD_COLUMNS: [keyof LinkFields, string][] = [
  ['label', 'label'],
  ['destinationUrl', 'destination_url'],
  ['campaignId', 'campaign_id'],
  ['status', 'status'],
  ...UTM_KEYS.map((k) => [k, k] as [keyof LinkFields, string]),
];

/** Changes a link; its code and partner never change (printed QR codes must keep working). */
export async function updateLink(tx: Sql, linkId: string, fields: LinkFields): Promise<{ link: Link; changed: string[] }> {
  const [before] = await tx.query<Link>(`SELECT ${LINK_COLUMNS} FROM links WHERE link_id = $1 FOR UPDATE`, [linkId]);
  if (!before) throw new AppError(404, 'not_found', 'No link with this id.');
  const sets: string[] = [];
  const params: unknown[] = [linkId];
  for (const [key, column] of FIELD_COLUMNS) {
    const value = fields[key];
    if (value === undefined || value === before[column as keyof Link]) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  if (sets.length === 0) return { link: before, changed: [] };
  const [link] = await tx.query<Link>(`UPDATE links SET ${sets.join(', ')}, updated_at = now() WHERE link_id = $1 RETURNING ${LINK_COLUMNS}`, params);
  const changed = sets.map((s) => s.split(' ')[0]);
  await appendEvents(tx, [linkEvent('link.updated', link, { changed })]);
  return { link, changed };
}

export interface LinkStats {
  clicks: number;
  unique_visitors: number;
  /** Clicks marked as bots (data-centre address, bot user agent): not in clicks or unique_visitors. */
  bot_clicks: number;
  first_click_at: string | null;
  last_click_at: string | null;
  /** Customers whose current or past ownership came through this link. */
  registrations: number;
}

export async function linkStats(db: Sql, linkId: string): Promise<LinkStats> {
  const [row] = await db.query<LinkStats>(
    `SELECT count(*) FILTER (WHERE bot_reason IS NULL)::int AS clicks, count(DISTINCT ip_hash) FILTER (WHERE bot_reason IS NULL)::int AS unique_visitors,
       count(*) FILTER (WHERE bot_reason IS NOT NULL)::int AS bot_clicks,
       min(clicked_at) AS first_click_at, max(clicked_at) AS last_click_at,
       (SELECT count(DISTINCT customer_id)::int FROM attributions WHERE link_id = $1) AS registrations
     FROM clicks WHERE link_id = $1`,
    [linkId],
  );
  return row;
}

/** The link a partner shares first: its oldest active client (invite) link, if it has one. */
export async function inviteLinkOf(db: Sql, partnerId: string): Promise<Link | undefined> {
  const [row] = await db.query<Link>(
    `SELECT ${LINK_COLUMNS} FROM links WHERE partner_id = $1 AND kind = 'client' AND status = 'active' ORDER BY seq LIMIT 1`,
    [partnerId],
  );
  return row;
}

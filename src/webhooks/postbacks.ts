import type { Sql } from '../db/index.ts';
import { partnerExists } from '../partners/partners.ts';
import { AppError, notFound, validationFailed } from '../shared/errors.ts';
import { Filters, type Page, type PageRequest, readPage } from '../shared/pagination.ts';
import type { WebhookDeps } from './deps.ts';
import { assertDeliverableUrl, deleteEndpoint, HEALTH_COLUMNS, newEndpointId, setEndpointEnabled } from './endpoints.ts';
import { MACROS, POSTBACK_EVENTS, type PostbackEvent, renderTemplate, templateProblem } from './postback-template.ts';

/** A partner's postback: its tracker URL for one event kind. */
export interface PostbackView {
  id: string;
  partner_id: string;
  event: PostbackEvent;
  url: string;
  method: 'GET' | 'POST';
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  circuit_open_until: string | null;
  paused_until: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = `id, partner_id, postback_event AS event, url, method, description, ${HEALTH_COLUMNS}`;
/** Enough for several trackers per event; a limit keeps one partner from flooding the queue. */
export const MAX_POSTBACKS_PER_PARTNER = 20;

export interface PostbackInput {
  event?: PostbackEvent;
  url?: string;
  method?: 'GET' | 'POST';
  description?: string;
  enabled?: boolean;
}

async function checkTemplate(deps: WebhookDeps, url: string): Promise<void> {
  const problem = templateProblem(url);
  if (problem) throw validationFailed([{ field: 'url', reason: problem }], `The url cannot be used: it ${problem}.`);
  // The host has no macros, so any filling resolves to the same place.
  const sample = Object.fromEntries(MACROS.map((m) => [m, 'x'])) as Record<(typeof MACROS)[number], string>;
  await assertDeliverableUrl(deps, renderTemplate(url, sample));
}

export async function createPostback(
  deps: WebhookDeps,
  partnerId: string,
  input: PostbackInput & { event: PostbackEvent; url: string },
  /** Inside a caller's transaction (an idempotent request); by default a transaction of its own. */
  within?: Sql,
): Promise<PostbackView> {
  // Postbacks fire for events carrying this exact partner_id: one stored under an unknown id (or an affiliate id)
  // would be accepted and never fire.
  if (!(await partnerExists(within ?? deps.db, partnerId)))
    throw new AppError(404, 'not_found', `No partner with partner_id "${partnerId}"; postbacks are added under the partner_id (pt_…), not the affiliate id.`);
  await checkTemplate(deps, input.url);
  const write = async (tx: Sql) => {
    // Serialises creations per partner so the limit holds under concurrent requests.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('openib.postbacks:' || $1, 0))`, [partnerId]);
    const [{ n }] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_endpoints WHERE kind = 'postback' AND partner_id = $1`,
      [partnerId],
    );
    if (n >= MAX_POSTBACKS_PER_PARTNER)
      throw new AppError(409, 'too_many_postbacks', `A partner can have at most ${MAX_POSTBACKS_PER_PARTNER} postbacks; delete one first.`);
    const [row] = await tx.query<PostbackView>(
      `INSERT INTO webhook_endpoints (id, kind, url, method, description, event_types, partner_id, postback_event, enabled, disabled_reason)
       VALUES ($1, 'postback', $2, $3, $4, ARRAY[$5::text], $6, $7, $8, CASE WHEN $8 THEN NULL ELSE 'disabled by the partner' END)
       RETURNING ${COLUMNS}`,
      [
        newEndpointId('pb'),
        input.url,
        input.method ?? 'GET',
        input.description ?? '',
        POSTBACK_EVENTS[input.event],
        partnerId,
        input.event,
        input.enabled ?? true,
      ],
    );
    return row;
  };
  return within ? write(within) : deps.db.transaction(write);
}

export async function listPostbacks(db: Sql, partnerId: string, page: PageRequest): Promise<Page<PostbackView>> {
  const f = new Filters().add(`kind = 'postback'`).add('partner_id = ?', partnerId);
  return readPage<PostbackView>(db, 'webhook_endpoints', COLUMNS, f, page);
}

export async function getPostback(db: Sql, partnerId: string, id: string): Promise<PostbackView> {
  const [row] = await db.query<PostbackView>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND kind = 'postback' AND partner_id = $2`,
    [id, partnerId],
  );
  if (!row) throw notFound(`Postback ${id} of partner ${partnerId}`);
  return row;
}

export async function updatePostback(deps: WebhookDeps, partnerId: string, id: string, patch: PostbackInput): Promise<PostbackView> {
  const current = await getPostback(deps.db, partnerId, id);
  if (patch.url !== undefined) await checkTemplate(deps, patch.url);
  if (patch.enabled !== undefined && patch.enabled !== current.enabled)
    await setEndpointEnabled(deps, id, patch.enabled, 'disabled by the partner');
  const event = patch.event ?? current.event;
  const [row] = await deps.db.query<PostbackView>(
    `UPDATE webhook_endpoints SET url = coalesce($3, url), method = coalesce($4, method), description = coalesce($5, description),
       postback_event = $6, event_types = ARRAY[$7::text], updated_at = now()
     WHERE id = $1 AND kind = 'postback' AND partner_id = $2 RETURNING ${COLUMNS}`,
    [id, partnerId, patch.url ?? null, patch.method ?? null, patch.description ?? null, event, POSTBACK_EVENTS[event]],
  );
  return row;
}

export async function deletePostback(db: Sql, partnerId: string, id: string): Promise<void> {
  await getPostback(db, partnerId, id);
  await deleteEndpoint(db, id, 'postback');
}

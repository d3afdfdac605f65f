import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { type FieldIssue, notFound, validationFailed } from '../shared/errors.ts';
import { Filters, type Page, type PageRequest, readPage } from '../shared/pagination.ts';
import type { WebhookDeps } from './deps.ts';
import { notifyWorkers } from './fanout.ts';
import { checkOutboundUrl } from './outbound-url.ts';
import { newSigningSecret, sealSecret, signingSecretProblem } from './secrets.ts';

/** A webhook endpoint as the admin API shows it: never its secret. */
export interface EndpointView {
  id: string;
  url: string;
  description: string;
  event_types: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  previous_secret_expires_at: string | null;
  consecutive_failures: number;
  circuit_open_until: string | null;
  paused_until: string | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  created_at: string;
  updated_at: string;
}

export const HEALTH_COLUMNS =
  'enabled, disabled_reason, consecutive_failures, circuit_open_until, paused_until, failing_since, last_success_at, last_failure_at, created_at, updated_at';
const COLUMNS = `id, url, description, event_types, previous_secret_expires_at, ${HEALTH_COLUMNS}`;

const EVENT_TYPE = /^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)*$/;

export interface EndpointInput {
  url?: string;
  description?: string;
  event_types?: string[] | null;
  enabled?: boolean;
}

export function newEndpointId(prefix: 'ep' | 'pb'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** Refuses a URL that is not http(s) or whose host resolves only to addresses the policy forbids. */
export async function assertDeliverableUrl(deps: WebhookDeps, url: string, field = 'url'): Promise<void> {
  const check = await checkOutboundUrl(url, deps.policy());
  if (!check.ok) throw validationFailed([{ field, reason: check.reason }], `The ${field} cannot be used: ${check.reason}`);
}

function checkEventTypes(types: string[] | null | undefined): FieldIssue[] {
  if (!types) return [];
  return types.flatMap((t, i) =>
    EVENT_TYPE.test(t) ? [] : [{ field: `event_types.${i}`, reason: 'must be dot-separated words of letters, digits and _' }],
  );
}

export async function createEndpoint(
  deps: WebhookDeps,
  input: EndpointInput & { url: string; secret?: string },
  sql: Sql = deps.db,
): Promise<EndpointView & { secret: string }> {
  const issues = checkEventTypes(input.event_types);
  const secretProblem = input.secret === undefined ? undefined : signingSecretProblem(input.secret);
  if (secretProblem) issues.push({ field: 'secret', reason: secretProblem });
  if (issues.length) throw validationFailed(issues);
  await assertDeliverableUrl(deps, input.url);
  const secret = input.secret ?? newSigningSecret();
  const [row] = await sql.query<EndpointView>(
    `INSERT INTO webhook_endpoints (id, kind, url, description, event_types, enabled, disabled_reason, secret_sealed)
     VALUES ($1, 'webhook', $2, $3, $4, $5, CASE WHEN $5 THEN NULL ELSE 'disabled by an admin' END, $6) RETURNING ${COLUMNS}`,
    [
      newEndpointId('ep'),
      input.url,
      input.description ?? '',
      input.event_types ? [...new Set(input.event_types)] : null,
      input.enabled ?? true,
      sealSecret(secret),
    ],
  );
  return { ...row, secret };
}

export async function listEndpoints(db: Sql, page: PageRequest & { enabled?: boolean }): Promise<Page<EndpointView>> {
  const f = new Filters().add(`kind = 'webhook'`);
  if (page.enabled !== undefined) f.add('enabled = ?', page.enabled);
  return readPage<EndpointView>(db, 'webhook_endpoints', COLUMNS, f, page);
}

export async function getEndpoint(db: Sql, id: string): Promise<EndpointView> {
  const [row] = await db.query<EndpointView>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND kind = 'webhook'`, [id]);
  if (!row) throw notFound(`Webhook endpoint ${id}`);
  return row;
}

export async function updateEndpoint(deps: WebhookDeps, id: string, patch: EndpointInput): Promise<EndpointView> {
  const issues = checkEventTypes(patch.event_types);
  if (issues.length) throw validationFailed(issues);
  if (patch.url !== undefined) await assertDeliverableUrl(deps, patch.url);
  const current = await getEndpoint(deps.db, id);
  if (patch.enabled !== undefined && patch.enabled !== current.enabled) await setEndpointEnabled(deps, id, patch.enabled);
  const [row] = await deps.db.query<EndpointView>(
    `UPDATE webhook_endpoints SET url = coalesce($2, url), description = coalesce($3, description),
       event_types = CASE WHEN $4 THEN $5::text[] ELSE event_types END, updated_at = now()
     WHERE id = $1 AND kind = 'webhook' RETURNING ${COLUMNS}`,
    [id, patch.url ?? null, patch.description ?? null, patch.event_types !== undefined, patch.event_types ? [...new Set(patch.event_types)] : null],
  );
  if (!row) throw notFound(`Webhook endpoint ${id}`);
  return row;
}

/** Deletes an endpoint with its messages and delivery log. */
export async function deleteEndpoint(db: Sql, id: string, kind: 'webhook' | 'postback' = 'webhook'): Promise<void> {
  const rows = await db.query('DELETE FROM webhook_endpoints WHERE id = $1 AND kind = $2 RETURNING id', [id, kind]);
  if (rows.length === 0) throw notFound(kind === 'webhook' ? `Webhook endpoint ${id}` : `Postback ${id}`);
}

/**
 * Enables or disables an endpoint (either kind). Enabling starts afresh: failure count, open
 * circuit and pause are cleared, and messages that waited while it was disabled are sent.
 */
export async function setEndpointEnabled(deps: WebhookDeps, id: string, enabled: boolean, reason = 'disabled by an admin'): Promise<void> {
  const rows = await deps.db.query(
    `UPDATE webhook_endpoints SET enabled = $2, disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END,
       consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures END,
       circuit_open_until = CASE WHEN $2 THEN NULL ELSE circuit_open_until END,
       paused_until = CASE WHEN $2 THEN NULL ELSE paused_until END,
       failing_since = CASE WHEN $2 THEN NULL ELSE failing_since END,
       failing_alerted_at = CASE WHEN $2 THEN NULL ELSE failing_alerted_at END, updated_at = now()
     WHERE id = $1 RETURNING id`,
    [id, enabled, reason],
  );
  if (rows.length === 0) throw notFound(`Endpoint ${id}`);
  if (enabled) await notifyWorkers(deps.db, 'enabled');
}

/**
 * Replaces the signing secret. The old one keeps signing for overlapSeconds (both signatures are
 * sent), so receivers can switch at their pace; a second rotation during an overlap drops the oldest.
 */
export async function rotateSecret(
  deps: WebhookDeps,
  id: string,
  opts: { overlapSeconds?: number; secret?: string },
  sql: Sql = deps.db,
): Promise<{ secret: string; previous_secret_expires_at: string | null }> {
  const problem = opts.secret === undefined ? undefined : signingSecretProblem(opts.secret);
  if (problem) throw validationFailed([{ field: 'secret', reason: problem }]);
  const overlap = opts.overlapSeconds ?? deps.settings.rotationOverlapSeconds;
  const secret = opts.secret ?? newSigningSecret();
  const expires = new Date(deps.clock.now().getTime() + overlap * 1000).toISOString();
  const [row] = await sql.query<{ previous_secret_expires_at: string | null }>(
    `UPDATE webhook_endpoints SET previous_secret_sealed = CASE WHEN $3 > 0 THEN secret_sealed END,
       previous_secret_expires_at = CASE WHEN $3 > 0 THEN $4::timestamptz END, secret_sealed = $2, updated_at = now()
     WHERE id = $1 AND kind = 'webhook' RETURNING previous_secret_expires_at`,
    [id, sealSecret(secret), overlap, expires],
  );
  if (!row) throw notFound(`Webhook endpoint ${id}`);
  return { secret, previous_secret_expires_at: row.previous_secret_expires_at };
}

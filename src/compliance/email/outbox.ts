import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../../db/index.ts';
import { encrypt, keyRing } from '../../shared/keyring.ts';
import { EMAIL_KINDS, type EmailKind, ON_BY_DEFAULT, renderEmail } from './catalogue.ts';

/*
 * Partner emails are queued in the transaction of the change that causes them (so an email exists
 * exactly when its change was committed) and sent by the email worker, never by the request.
 */

function signature(partnerId: string, kind: string): string {
  return createHmac('sha256', keyRing().hash.key).update(`unsubscribe\u0001${partnerId}\u0001${kind}`).digest('base64url').slice(0, 32);
}

/** A token that turns one kind of email off for one partner, without signing in. */
export function unsubscribeToken(partnerId: string, kind: EmailKind): string {
  return `${Buffer.from(`${partnerId}\u0001${kind}`).toString('base64url')}.${signature(partnerId, kind)}`;
}

/** The partner and kind a token names, or undefined when it is malformed or its signature is wrong. */
export function readUnsubscribeToken(token: string): { partnerId: string; kind: EmailKind } | undefined {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return undefined;
  const [partnerId, kind] = Buffer.from(m[1], 'base64url').toString('utf8').split('\u0001');
  if (!partnerId || !(EMAIL_KINDS as readonly string[]).includes(kind)) return undefined;
  const expected = Buffer.from(signature(partnerId, kind));
  const given = Buffer.from(m[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return { partnerId, kind: kind as EmailKind };
}

/** Whether the partner receives this kind: its own choice, else the kind's default. */
export async function wantsEmail(tx: Sql, partnerId: string, kind: EmailKind): Promise<boolean> {
  const [pref] = await tx.query<{ enabled: boolean }>('SELECT enabled FROM partner_email_preferences WHERE partner_id = $1 AND kind = $2', [partnerId, kind]);
  return pref ? pref.enabled : ON_BY_DEFAULT.has(kind);
}

export async function emailPreferences(db: Sql, partnerId: string): Promise<Record<EmailKind, boolean>> {
  const rows = await db.query<{ kind: string; enabled: boolean }>('SELECT kind, enabled FROM partner_email_preferences WHERE partner_id = $1', [partnerId]);
  const chosen = new Map(rows.map((r) => [r.kind, r.enabled]));
  return Object.fromEntries(EMAIL_KINDS.map((k) => [k, chosen.get(k) ?? ON_BY_DEFAULT.has(k)])) as Record<EmailKind, boolean>;
}

export async function setEmailPreferences(tx: Sql, partnerId: string, prefs: Partial<Record<EmailKind, boolean>>): Promise<void> {
  const kinds = Object.keys(prefs) as EmailKind[];
  if (kinds.length === 0) return;
  await tx.query(
    `INSERT INTO partner_email_preferences (partner_id, kind, enabled) SELECT $1, t.kind, t.enabled FROM unnest($2::text[], $3::boolean[]) AS t(kind, enabled)
     ON CONFLICT (partner_id, kind) DO UPDATE SET enabled = excluded.enabled, updated_at = now()`,
    [partnerId, kinds, kinds.map((k) => prefs[k] === true)],
  );
}

/**
 * Queues one email to a partner in the caller's transaction, in the partner's language, when the
 * partner has an email address and has not turned this kind off. Returns whether one was queued.
 */
export async function queueEmail(tx: Sql, publicUrl: string, partnerId: string, kind: EmailKind, values: Record<string, string>): Promise<boolean> {
  const [partner] = await tx.query<{ name: string; email: string | null; language: string }>('SELECT name, email, language FROM partners WHERE partner_id = $1', [partnerId]);
  if (!partner?.email) return false;
  if (!(await wantsEmail(tx, partnerId, kind))) return false;
  const url = `${publicUrl}/email/unsubscribe?token=${unsubscribeToken(partnerId, kind)}`;
  const message = renderEmail(kind, partner.language, { name: partner.name, ...values }, url);
  // partners.email is already sealed: it is copied as it is.
  await tx.query(
    `INSERT INTO email_outbox (partner_id, kind, language, to_sealed, subject, body_sealed) VALUES ($1, $2, $3, $4, $5, $6)`,
    [partnerId, kind, partner.language, partner.email, message.subject, encrypt(message.body)],
  );
  await tx.query(`SELECT pg_notify('openib_emails', '1')`);
  return true;
}

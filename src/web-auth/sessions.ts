import { randomBytes } from 'node:crypto';
import { hashToken } from '../shared/crypto.ts';
import type { FastifyReply } from 'fastify';
import type { Sql } from '../db/index.ts';
import type { WebSettings } from './settings.ts';
import type { UserKind } from './users.ts';

export const SESSION_COOKIE = 'openib_session';
/** 32 random bytes, base64url: the only form a session id takes. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface SessionRow {
  session_hash: string;
  user_kind: UserKind;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

/** Session ids are 256 random bits: stored as their SHA-256, like API client secrets. */
const sessionHash = hashToken;

/** Starts a session; the returned id goes into the cookie and is never stored. */
export async function createSession(
  db: Sql,
  input: { kind: UserKind; userId: string; ip?: string; userAgent?: string },
  now: Date,
  settings: WebSettings,
): Promise<{ id: string; csrfToken: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + settings.sessionMaxHours * 3_600_000);
  await db.query(
    `INSERT INTO web_sessions (session_hash, user_kind, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
    [sessionHash(id), input.kind, input.userId, csrfToken, now.toISOString(), expiresAt.toISOString(), input.ip ?? null, input.userAgent?.slice(0, 500) ?? null],
  );
  return { id, csrfToken, expiresAt };
}

/** The live (not ended) session behind a cookie value, whatever its age; undefined for anything else. */
export async function findSession(db: Sql, id: string | undefined): Promise<SessionRow | undefined> {
  if (!id || !SESSION_ID.test(id)) return undefined;
  const [row] = await db.query<SessionRow>(
    `SELECT session_hash, user_kind, user_id, csrf_token, created_at, last_seen_at, expires_at
     FROM web_sessions WHERE session_hash = $1 AND ended_at IS NULL`,
    [sessionHash(id)],
  );
  return row;
}

/** Why a session may no longer be used at `now`, or undefined while it may. */
export function sessionExpiry(row: SessionRow, now: Date, settings: WebSettings): 'idle' | 'absolute' | undefined {
  if (now.getTime() >= Date.parse(row.expires_at)) return 'absolute';
  if (now.getTime() - Date.parse(row.last_seen_at) >= settings.sessionIdleMinutes * 60_000) return 'idle';
  return undefined;
}

export async function endSession(db: Sql, hash: string, now: Date): Promise<void> {
  await db.query('UPDATE web_sessions SET ended_at = $2 WHERE session_hash = $1 AND ended_at IS NULL', [hash, now.toISOString()]);
}

/** Ends every session of a login, except one (the one that asked, after a password change). */
export async function endUserSessions(db: Sql, kind: UserKind, userId: string, now: Date, exceptHash?: string): Promise<number> {
  const rows = await db.query(
    `UPDATE web_sessions SET ended_at = $3 WHERE user_kind = $1 AND user_id = $2 AND ended_at IS NULL AND session_hash IS DISTINCT FROM $4 RETURNING 1`,
    [kind, userId, now.toISOString(), exceptHash ?? null],
  );
  return rows.length;
}

/** Notes activity for the idle timeout; callers limit this to once a minute per session. */
export async function touchSession(db: Sql, hash: string, now: Date): Promise<void> {
  await db.query('UPDATE web_sessions SET last_seen_at = $2 WHERE session_hash = $1', [hash, now.toISOString()]);
}

export function setSessionCookie(reply: FastifyReply, id: string, settings: WebSettings): void {
  reply.setCookie(SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: settings.cookieSecure,
    maxAge: settings.sessionMaxHours * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: WebSettings): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: settings.cookieSecure });
}

import { equalInConstantTime } from '../shared/crypto.ts';
import type { FastifyRequest } from 'fastify';
import type { AppContext, Caller } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';
import { endSession, findSession, SESSION_COOKIE, type SessionRow, sessionExpiry, touchSession } from './sessions.ts';
import { type AdminRole, type SessionUser, sessionUser } from './users.ts';

/** What a partner's portal login may do: exactly a partner-bound API client with these scopes. */
export const PORTAL_SCOPES = ['partners:read', 'partners:write', 'reports:read', 'payouts:read', 'postbacks:read', 'postbacks:write'];
export const ROLE_SCOPES: Record<AdminRole, string[]> = { admin: ['admin'], finance: ['read:all', 'payouts:write'], viewer: ['read:all'] };
/** Partners in these states may sign in; a suspended (or closed) partner's sessions stop working. */
const PARTNER_STATES_SIGNED_IN = ['active', 'pending'];
const READS = ['GET', 'HEAD', 'OPTIONS'];
const TOUCH_EVERY_MS = 60_000;

const sessions = new WeakMap<FastifyRequest, { row: SessionRow; user: SessionUser }>();

const ended = (message = 'Your session has ended; sign in again.') =>
  new AppError(401, 'unauthorized', message);

export function callerOf(user: SessionUser): Caller {
  const base = { clientId: `user:${user.id}`, via: 'session' as const, userId: user.id };
  if (user.kind === 'admin') return { ...base, role: user.role ?? 'viewer', scopes: ROLE_SCOPES[user.role ?? 'viewer'] };
  return { ...base, partnerId: user.partner_id ?? undefined, scopes: PORTAL_SCOPES };
}

/** Whether a login may be used now: not disabled, and for partners a partner in good standing. */
export function userMaySignIn(user: SessionUser | undefined): boolean {
  if (!user || user.disabled) return false;
  return user.kind === 'admin' || PARTNER_STATES_SIGNED_IN.includes(user.partner_status ?? '');
}

/**
 * The caller behind the session cookie, or undefined when the request carries none. An ended,
 * expired or unusable session is a 401; a write without the session's CSRF token a 403.
 */
export async function authenticateSession(ctx: AppContext, request: FastifyRequest): Promise<Caller | undefined> {
  const id = request.cookies?.[SESSION_COOKIE];
  if (!id) return undefined;
  const row = await findSession(ctx.db, id);
  if (!row) throw ended();
  const now = ctx.clock.now();
  const expiry = sessionExpiry(row, now, ctx.config.web);
  if (expiry) {
    await endSession(ctx.db, row.session_hash, now);
    throw ended(expiry === 'idle' ? 'Your session ended after a period of inactivity; sign in again.' : 'Your session has reached its maximum length; sign in again.');
  }
  const user = await sessionUser(ctx.db, row.user_kind, row.user_id);
  if (!userMaySignIn(user)) {
    await endSession(ctx.db, row.session_hash, now);
    throw ended('This login has been disabled or its partner suspended; contact the broker.');
  }
  if (!READS.includes(request.method)) assertCsrf(request, row);
  if (now.getTime() - Date.parse(row.last_seen_at) >= TOUCH_EVERY_MS) await touchSession(ctx.db, row.session_hash, now);
  sessions.set(request, { row, user: user as SessionUser });
  return callerOf(user as SessionUser);
}

/** A write authenticated by the session cookie must echo the session's CSRF token in X-CSRF-Token. */
export function assertCsrf(request: FastifyRequest, row: Pick<SessionRow, 'csrf_token'>): void {
  const given = request.headers['x-csrf-token'];
  if (typeof given !== 'string' || !equalInConstantTime(given, row.csrf_token))
    throw new AppError(403, 'csrf_failed', 'Send the X-CSRF-Token header with the csrf_token from sign-in or GET /api/v1/me.');
}

/**
 * Sign-in and sign-up start a session, so they cannot ask for a CSRF token the way other cookie writes do
 * (assertCsrf). A browser names the page that sent a request in Origin (and Sec-Fetch-Site): a form on a
 * foreign site that signs the victim into an account of the attacker's (login CSRF) is refused here with the
 * same 403 csrf_failed. Without either header (API clients, curl) the request passes; `Origin: null`
 * (sandboxed frames, opaque redirects) is refused.
 */
export function assertSameOrigin(request: FastifyRequest, publicUrl: string): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  const foreignOrigin = typeof origin === 'string' && origin !== new URL(publicUrl).origin && hostOf(origin) !== request.host;
  const foreignSite = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
  if (foreignOrigin || (origin === undefined && foreignSite))
    throw new AppError(403, 'csrf_failed', 'Sign in from this site\'s own pages: a request sent by another site (its Origin header) cannot start a session.');
}

// The host (and port) an Origin names; compared with the request's Host so a TLS-terminating proxy (https
// outside, http inside) does not make the server's own pages foreign.
function hostOf(origin: string): string | undefined {
  try {
    return origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The session and person authenticated for this request by authenticateSession. */
export function sessionOf(request: FastifyRequest): { row: SessionRow; user: SessionUser } | undefined {
  return sessions.get(request);
}

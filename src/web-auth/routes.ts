import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { personalDataMarker } from '../audit/personal-data.ts';
import { recordAudit } from '../audit/record.ts';
import { ErrorBody } from '../http/schemas.ts';
import { partnerFields, readPartnerBody } from '../partners/partner-input.ts';
import { signUpPartner } from '../partners/signup.ts';
import { AppError, validationFailed } from '../shared/errors.ts';
import { hashPassword, passwordIssues, passwordMatches } from './passwords.ts';
import { CsrfToken, Email, NewPassword, Password, SignInBody, UserView } from './schemas.ts';
import { assertCsrf, assertSameOrigin, PORTAL_SCOPES, ROLE_SCOPES, sessionOf, userMaySignIn } from './session-auth.ts';
import { clearSessionCookie, createSession, endSession, endUserSessions, findSession, SESSION_COOKIE, setSessionCookie } from './sessions.ts';
import { clearFailures, lockedFor, recordFailure } from './throttle.ts';
import { createPortalUser, loginByEmail, normalEmail, passwordHashOf, portalEmailTaken, type SessionUser, sessionUser, setPasswordHash, type UserKind } from './users.ts';

/** The person as the API shows it (no disabled flag: a disabled login has no session). */
export const userView = (u: SessionUser) => ({
  id: u.id,
  kind: u.kind,
  email: u.email,
  name: u.name,
  role: u.role,
  partner_id: u.partner_id,
  partner_status: u.partner_status,
});

const scopesOf = (u: SessionUser) => (u.kind === 'admin' ? ROLE_SCOPES[u.role ?? 'viewer'] : PORTAL_SCOPES);
const subjectType = (kind: UserKind) => (kind === 'admin' ? 'admin_user' : 'portal_user');

const SignUpBody = Type.Object(
  {
    name: partnerFields.name,
    email: Email,
    password: NewPassword,
    country: partnerFields.country,
    payout_currency: partnerFields.payout_currency,
    recruit_code: Type.Optional(
      Type.String({ minLength: 3, maxLength: 64, description: 'The click_id or code of a recruit link, or a partner\'s referral code: the new partner becomes that partner\'s sub-IB.' }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Ana Lima', email: 'ana@example.com', password: 'correct horse battery', country: 'BR' }] },
);

const SignedIn = Type.Object({ data: Type.Object({ user: UserView }), csrf_token: CsrfToken });

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const web = config.web;
  // Routes that start a session: refused when a foreign page sends them (login CSRF), before the body is read.
  const sameOrigin = async (request: FastifyRequest) => assertSameOrigin(request, config.publicUrl);
  const limited = { rateLimit: { max: web.signInRateLimitPerMinute, timeWindow: 60_000 } };

  /** Ends the session the request came with, if any, so one browser holds one session. */
  async function endPresented(request: FastifyRequest) {
    const row = await findSession(db, request.cookies?.[SESSION_COOKIE]);
    if (row) await endSession(db, row.session_hash, clock.now());
  }

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: SessionUser) {
    await endPresented(request);
    const session = await createSession(db, { kind: user.kind, userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'] }, clock.now(), web);
    setSessionCookie(reply, session.id, web);
    return session.csrfToken;
  }

  async function signIn(kind: UserKind, request: FastifyRequest<{ Body: { email: string; password: string } }>, reply: FastifyReply) {
    const email = normalEmail(request.body.email);
    const now = clock.now();
    const locked = await lockedFor(db, kind, email, now);
    const lockedError = (seconds: number) =>
      new AppError(429, 'account_locked', `Too many failed sign-ins for this email; try again in ${Math.ceil(seconds / 60)} minute(s).`, undefined, {
        'retry-after': String(seconds),
      });
    if (locked) throw lockedError(locked);
    const login = await loginByEmail(db, kind, email);
    const ok = await passwordMatches(request.body.password, login?.password_hash);
    if (!ok) {
      // An email nobody signs in with is still someone's: the entry names it by a keyed hash, never in clear.
      const subject = { type: subjectType(kind), id: login?.id ?? String(personalDataMarker(email, 'email')) };
      const outcome = await db.transaction(async (tx) => {
        const result = await recordFailure(tx, kind, email, now);
        await recordAudit(tx, { actor: 'anonymous', action: 'session.sign_in_failed', subject, after: { email, failures: result.failures }, ip: request.ip });
        if (result.lockedSeconds) await recordAudit(tx, { actor: 'system', action: 'session.locked', subject, after: { email, locked_seconds: result.lockedSeconds }, ip: request.ip });
        return result;
      });
      if (outcome.lockedSeconds) throw lockedError(outcome.lockedSeconds);
      throw new AppError(401, 'invalid_credentials', 'The email or password is not right.');
    }
    const found = await sessionUser(db, kind, login!.id);
    if (!userMaySignIn(found))
      throw new AppError(403, 'account_disabled', found?.kind === 'partner' && !found.disabled
        ? 'Your partner account is suspended; contact the broker.'
        : 'This login has been disabled; contact the broker.');
    const user = found as SessionUser;
    await clearFailures(db, kind, email);
    const csrf = await startSession(request, reply, user);
    await recordAudit(db, { actor: `user:${user.id}`, action: 'session.sign_in', subject: { type: subjectType(kind), id: user.id }, ip: request.ip });
    return { data: { user: userView(user) }, csrf_token: csrf };
  }

  app.post(
    '/api/v1/portal/sign-up',
    {
      config: { public: true, ...limited, auditsItself: true },
      onRequest: sameOrigin,
      schema: {
        tags: ['Sessions'],
        summary: 'Sign up as a partner and sign in',
        description:
          'Creates a partner (through the same path as POST /api/v1/partner-signups: a `recruit_code` makes it that partner\'s sub-IB) and its portal login, and starts a session (cookie `openib_session`). The partner is active at once when OPENIB_PORTAL_AUTO_APPROVE=1 (the default), otherwise pending until the broker activates it. Rate-limited per IP address.',
        body: SignUpBody,
        response: {
          201: Type.Object({
            data: Type.Object({
              user: UserView,
              partner: Type.Object({ id: Type.String(), status: Type.String(), referral_code: Type.String(), parent_id: Type.Union([Type.String(), Type.Null()]) }),
            }),
            csrf_token: CsrfToken,
          }),
          403: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const issues = passwordIssues(body.password, 'password');
      if (issues.length) throw validationFailed(issues);
      const input = readPartnerBody(body);
      if (await portalEmailTaken(db, body.email)) throw new AppError(409, 'email_taken', 'A portal login with this email exists already; sign in instead.');
      const passwordHash = await hashPassword(body.password);
      const { partner, user } = await db.transaction(async (tx) => {
        const { partner } = await signUpPartner(tx, {
          name: input.name as string,
          email: normalEmail(body.email),
          country: input.country,
          payoutCurrency: input.payoutCurrency,
          recruitCode: body.recruit_code,
          destinationUrl: config.defaultDestinationUrl,
          status: web.portalAutoApprove ? 'active' : 'pending',
          createdBy: 'portal sign-up',
          maxLevels: config.maxTreeDepth,
        }).catch((err) => {
          if (err instanceof AppError && err.code === 'already_signed_up') throw new AppError(409, 'email_taken', 'A partner with this email exists already; sign in instead.');
          throw err;
        });
        const created = await createPortalUser(tx, { partnerId: partner.partner_id, email: body.email, name: partner.name, passwordHash });
        await recordAudit(tx, {
          actor: `user:${created.id}`,
          action: 'portal_user.create',
          subject: { type: 'portal_user', id: created.id },
          after: { partner_id: partner.partner_id, email: created.email, via: 'sign-up' },
          ip: request.ip,
        });
        return { partner, user: (await sessionUser(tx, 'partner', created.id)) as SessionUser };
      });
      const csrf = await startSession(request, reply, user);
      await recordAudit(db, { actor: `user:${user.id}`, action: 'session.sign_in', subject: { type: 'portal_user', id: user.id }, ip: request.ip });
      return reply.status(201).send({
        data: { user: userView(user), partner: { id: partner.partner_id, status: partner.status, referral_code: partner.referral_code, parent_id: partner.parent_id } },
        csrf_token: csrf,
      });
    },
  );

  const signInSchema = (who: string) => ({
    tags: ['Sessions'],
    summary: `Sign in (${who})`,
    description:
      'Starts a session: sets the HttpOnly cookie `openib_session` and answers the CSRF token to send as X-CSRF-Token on writes. A wrong password and an unknown email get the same 401. After 5 failures in 15 minutes the email is locked for 15 minutes (429 `account_locked` with Retry-After). Rate-limited per IP address. A request another site sends (its Origin is not this server\'s) is refused with 403 `csrf_failed`.',
    body: SignInBody,
    response: { 200: SignedIn, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
  });

  app.post('/api/v1/portal/sign-in', { config: { public: true, ...limited, auditsItself: true }, onRequest: sameOrigin, schema: signInSchema('partner portal') }, (request, reply) =>
    signIn('partner', request, reply),
  );
  app.post('/api/v1/admin/sign-in', { config: { public: true, ...limited, auditsItself: true }, onRequest: sameOrigin, schema: signInSchema('admin console') }, (request, reply) =>
    signIn('admin', request, reply),
  );

  app.post(
    '/api/v1/sign-out',
    {
      config: { public: true, auditsItself: true },
      schema: {
        tags: ['Sessions'],
        summary: 'Sign out',
        description: 'Ends the session of the cookie and clears the cookie. With a live session the X-CSRF-Token header is required like on any write.',
        response: { 204: Type.Null(), 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const row = await findSession(db, request.cookies?.[SESSION_COOKIE]);
      if (row) {
        assertCsrf(request, row);
        await endSession(db, row.session_hash, clock.now());
        await recordAudit(db, { actor: `user:${row.user_id}`, action: 'session.sign_out', subject: { type: subjectType(row.user_kind), id: row.user_id }, ip: request.ip });
      }
      clearSessionCookie(reply, web);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { session: true },
      schema: {
        tags: ['Sessions'],
        summary: 'The signed-in person',
        description: 'Who the session cookie belongs to, what it may do, and the CSRF token for writes. 401 without a session (an API token is not a person).',
        response: { 200: Type.Object({ data: Type.Object({ user: UserView, scopes: Type.Array(Type.String()) }), csrf_token: CsrfToken }), 401: ErrorBody },
      },
    },
    async (request) => {
      const session = sessionOf(request)!;
      return { data: { user: userView(session.user), scopes: scopesOf(session.user) }, csrf_token: session.row.csrf_token };
    },
  );

  app.post(
    '/api/v1/me/password',
    {
      config: { session: true, ...limited, auditsItself: true },
      schema: {
        tags: ['Sessions'],
        summary: 'Change my password',
        description: 'Needs the current password. Every other session of this login ends; this one goes on.',
        body: Type.Object({ current_password: Password, new_password: NewPassword }, { additionalProperties: false }),
        response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { row, user } = sessionOf(request)!;
      const issues = passwordIssues(request.body.new_password, 'new_password');
      if (issues.length) throw validationFailed(issues);
      if (!(await passwordMatches(request.body.current_password, await passwordHashOf(db, user.kind, user.id))))
        throw validationFailed([{ field: 'current_password', reason: 'is not the current password' }], 'The current password is not right; nothing was changed.');
      const passwordHash = await hashPassword(request.body.new_password);
      const now = clock.now();
      await db.transaction(async (tx) => {
        await setPasswordHash(tx, user.kind, user.id, passwordHash, now);
        const ended = await endUserSessions(tx, user.kind, user.id, now, row.session_hash);
        await recordAudit(tx, { actor: `user:${user.id}`, action: 'user.password_changed', subject: { type: subjectType(user.kind), id: user.id }, after: { other_sessions_ended: ended }, ip: request.ip });
      });
      return reply.status(204).send(null);
    },
  );
};

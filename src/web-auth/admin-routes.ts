import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../audit/record.ts';
import { ErrorBody } from '../http/schemas.ts';
import { requirePartner } from '../partners/partners.ts';
import { Issues, text } from '../partners/validate.ts';
import { validationFailed } from '../shared/errors.ts';
import { generatePassword, hashPassword, passwordIssues } from './passwords.ts';
import { AdminUserView, Email, NewPassword, OneTimePassword, PortalUserView, Role } from './schemas.ts';
import { endUserSessions } from './sessions.ts';
import { type AdminRole, createAdminUser, createPortalUser, listAdminUsers, listPortalUsers, updateAdminUser, updatePortalUser } from './users.ts';
import { IdempotencyHeaders, idempotentWrite } from '../http/idempotency.ts';

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'The person\'s name as colleagues know it.' });

/** A name without control characters, trimmed; or a 422. */
function cleanName(value: string, field: string): string {
  const issues = new Issues();
  const name = text(value, field, issues);
  issues.throwIfAny();
  return name as string;
}

/** A given password checked against the rules, or a generated one to show once. */
async function passwordFor(given: string | undefined): Promise<{ hash: string; oneTime?: string }> {
  if (given !== undefined) {
    const issues = passwordIssues(given, 'password');
    if (issues.length) throw validationFailed(issues);
    return { hash: await hashPassword(given) };
  }
  const oneTime = generatePassword();
  return { hash: await hashPassword(oneTime), oneTime };
}

export const adminUserRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, clock } = app.ctx;

  app.get(
    '/api/v1/admin-users',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Admin users'],
        summary: 'List admin console users',
        response: { 200: Type.Object({ data: Type.Array(AdminUserView) }) },
      },
    },
    async () => ({ data: await listAdminUsers(db) }),
  );

  app.post(
    '/api/v1/admin-users',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Admin users'],
        summary: 'Create an admin console user',
        description: 'Without a password a one-time password is generated and answered once. Roles: admin (everything), finance (reads everything, runs payouts), viewer (reads everything).',
        body: Type.Object({ email: Email, name: Name, role: Role, password: Type.Optional(NewPassword) }, { additionalProperties: false }),
        response: { 201: Type.Object({ data: AdminUserView, one_time_password: OneTimePassword }), 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const name = cleanName(request.body.name, 'name');
      const password = await passwordFor(request.body.password);
      const user = await db.transaction(async (tx) => {
        const user = await createAdminUser(tx, { email: request.body.email, name, role: request.body.role, passwordHash: password.hash });
        await recordAudit(tx, { actor: request.caller!.clientId, action: 'admin_user.create', subject: { type: 'admin_user', id: user.id }, after: user, ip: request.ip });
        return user;
      });
      return reply.status(201).send({ data: user, ...(password.oneTime ? { one_time_password: password.oneTime } : {}) });
    },
  );

  app.patch(
    '/api/v1/admin-users/:id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Admin users'],
        summary: 'Change an admin user\'s role, or disable or re-enable it',
        description: 'Disabling ends the user\'s sessions at once. The last active admin cannot be demoted or disabled (409 `last_admin`).',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: Type.Object({ role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ data: AdminUserView }), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const now = clock.now();
      const after = await db.transaction(async (tx) => {
        const { before, after } = await updateAdminUser(tx, request.params.id, { role: request.body.role as AdminRole | undefined, disabled: request.body.disabled }, now);
        const actor = request.caller!.clientId;
        const subject = { type: 'admin_user', id: after.id };
        if (before.role !== after.role) await recordAudit(tx, { actor, action: 'admin_user.role_changed', subject, before: { role: before.role }, after: { role: after.role }, ip: request.ip });
        if (before.disabled !== after.disabled) {
          await recordAudit(tx, { actor, action: after.disabled ? 'admin_user.disabled' : 'admin_user.enabled', subject, before: { disabled: before.disabled }, after: { disabled: after.disabled }, ip: request.ip });
          if (after.disabled) await endUserSessions(tx, 'admin', after.id, now);
        }
        return after;
      });
      return { data: after };
    },
  );

  app.post(
    '/api/v1/partners/:id/portal-users',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Admin users'],
        summary: 'Create a portal login for a partner',
        headers: IdempotencyHeaders,
        description: 'Invites a person to sign in to the partner portal as this partner. Without a password a one-time password is generated and answered once.',
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        body: Type.Object({ email: Email, password: Type.Optional(NewPassword), name: Type.Optional(Name) }, { additionalProperties: false }),
        response: { 201: Type.Object({ data: PortalUserView, one_time_password: OneTimePassword }), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const partner = await requirePartner(db, request.params.id);
      const name = request.body.name === undefined ? partner.name : cleanName(request.body.name, 'name');
      const password = await passwordFor(request.body.password);
      return idempotentWrite(
        db,
        request,
        reply,
        201,
        async (tx) => {
          const user = await createPortalUser(tx, { partnerId: partner.partner_id, email: request.body.email, name, passwordHash: password.hash });
          await recordAudit(tx, { actor: request.caller!.clientId, action: 'portal_user.create', subject: { type: 'portal_user', id: user.id }, after: user, ip: request.ip });
          return { data: user, ...(password.oneTime ? { one_time_password: password.oneTime } : {}) };
        },
        { sealed: true },
      );
    },
  );

  app.get(
    '/api/v1/partners/:id/portal-users',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Admin users'],
        summary: 'List a partner\'s portal logins',
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        response: { 200: Type.Object({ data: Type.Array(PortalUserView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const partner = await requirePartner(db, request.params.id);
      return { data: await listPortalUsers(db, partner.partner_id) };
    },
  );

  app.patch(
    '/api/v1/partners/:id/portal-users/:user_id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Admin users'],
        summary: 'Rename, disable, re-enable a portal login or reset its password',
        description:
          'Disabling ends the login\'s sessions at once and refuses its next sign-in. `reset_password: true` sets a generated one-time password (answered once) and ends its sessions: for a partner who lost theirs. Each change is in the audit log.',
        params: Type.Object({ id: Type.String({ maxLength: 200 }), user_id: Type.String({ maxLength: 100 }) }),
        body: Type.Object(
          { name: Type.Optional(Name), disabled: Type.Optional(Type.Boolean()), reset_password: Type.Optional(Type.Literal(true, { description: 'Set a new generated password.' })) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ data: PortalUserView, one_time_password: OneTimePassword }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const now = clock.now();
      const body = request.body;
      const name = body.name === undefined ? undefined : cleanName(body.name, 'name');
      const password = body.reset_password ? await passwordFor(undefined) : undefined;
      const after = await db.transaction(async (tx) => {
        const { before, after } = await updatePortalUser(tx, request.params.id, request.params.user_id, { name, disabled: body.disabled, passwordHash: password?.hash }, now);
        const audit = (action: string, b: unknown, a: unknown) =>
          recordAudit(tx, { actor: request.caller!.clientId, action, subject: { type: 'portal_user', id: after.id }, before: b, after: a, ip: request.ip });
        if (before.name !== after.name) await audit('portal_user.renamed', { name: before.name }, { name: after.name });
        if (before.disabled !== after.disabled) await audit(after.disabled ? 'portal_user.disabled' : 'portal_user.enabled', { disabled: before.disabled }, { disabled: after.disabled });
        if (password) await audit('portal_user.password_reset', undefined, { partner_id: after.partner_id });
        if (after.disabled || password) await endUserSessions(tx, 'partner', after.id, now);
        return after;
      });
      return { data: after, ...(password?.oneTime ? { one_time_password: password.oneTime } : {}) };
    },
  );
};

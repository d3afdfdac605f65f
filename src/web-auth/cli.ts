import type { Command } from 'commander';
import { recordAudit } from '../audit/record.ts';
import { loadConfig } from '../config.ts';
import { openPlatform } from '../platform.ts';
import { AppError } from '../shared/errors.ts';
import { generatePassword, hashPassword, passwordIssues } from './passwords.ts';
import { endUserSessions } from './sessions.ts';
import { ADMIN_ROLES, type AdminRole, createAdminUser, listAdminUsers, normalEmail, updateAdminUser } from './users.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function problem(err: unknown): Error {
  if (err instanceof AppError) return new Error(err.details?.length ? `${err.message} ${err.details.map((d) => `${d.field} ${d.reason}`).join('; ')}` : err.message);
  return err as Error;
}

/** `openib admin-users create|list|disable`: admin console logins, for the first admin and for scripts. */
export function adminUsersCommand(program: Command, fail: (err: unknown) => never): void {
  const cmd = program.command('admin-users').description('Manage admin console users (roles: admin, finance, viewer)');
  cmd
    .command('create')
    .description('Create an admin console user; without --password a one-time password is printed once')
    .requiredOption('--email <email>', 'the sign-in email')
    .requiredOption('--role <role>', `one of: ${ADMIN_ROLES.join(', ')}`)
    .option('--name <name>', 'the person\'s name (default: the part of the email before @)')
    .option('--password <password>', 'at least 10 characters (prefer the generated one-time password)')
    .option('--json', 'print {id, email, role, one_time_password?} as JSON')
    .action(async (opts: { email: string; role: string; name?: string; password?: string; json?: boolean }) => {
      if (!(ADMIN_ROLES as readonly string[]).includes(opts.role)) fail(new Error(`unknown role "${opts.role}"; use one of: ${ADMIN_ROLES.join(', ')}`));
      if (!EMAIL.test(opts.email) || opts.email.length > 320) fail(new Error(`"${opts.email}" is not an email address`));
      const issues = opts.password === undefined ? [] : passwordIssues(opts.password, 'password');
      if (issues.length) fail(new Error(`--password ${issues[0].reason}`));
      const name = (opts.name ?? opts.email.split('@')[0]).trim();
      if (!name || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) fail(new Error('--name must be 1–200 characters without control characters'));
      const oneTime = opts.password === undefined ? generatePassword() : undefined;
      const passwordHash = await hashPassword(opts.password ?? (oneTime as string));
      const ctx = await openPlatform(loadConfig()).catch(fail);
      try {
        const user = await ctx.db.transaction(async (tx) => {
          const user = await createAdminUser(tx, { email: opts.email, name, role: opts.role as AdminRole, passwordHash });
          await recordAudit(tx, { actor: 'cli', action: 'admin_user.create', subject: { type: 'admin_user', id: user.id }, after: user });
          return user;
        });
        if (opts.json) process.stdout.write(`${JSON.stringify({ id: user.id, email: user.email, role: user.role, ...(oneTime ? { one_time_password: oneTime } : {}) })}\n`);
        else {
          process.stdout.write(`id:    ${user.id}\nemail: ${user.email}\nrole:  ${user.role}\n`);
          if (oneTime) process.stdout.write(`one-time password: ${oneTime}\nThe password is shown only now; hand it over safely.\n`);
        }
      } catch (err) {
        fail(problem(err));
      } finally {
        await ctx.db.close();
      }
    });
  cmd
    .command('list')
    .description('List admin console users')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = await openPlatform(loadConfig()).catch(fail);
      try {
        const rows = await listAdminUsers(ctx.db);
        if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else for (const u of rows) process.stdout.write(`${u.id}\t${u.disabled ? 'disabled' : 'active'}\t${u.role}\t${u.email}\t${u.name}\n`);
      } finally {
        await ctx.db.close();
      }
    });
  cmd
    .command('disable <id_or_email>')
    .description('Disable an admin console user; its sessions end at once')
    .action(async (who: string) => {
      const ctx = await openPlatform(loadConfig()).catch(fail);
      try {
        const [row] = await ctx.db.query<{ user_id: string }>('SELECT user_id FROM admin_users WHERE user_id = $1 OR lower(email) = $2', [who, normalEmail(who)]);
        if (!row) throw new Error(`no admin user ${who}`);
        const now = new Date();
        await ctx.db.transaction(async (tx) => {
          const { before, after } = await updateAdminUser(tx, row.user_id, { disabled: true }, now);
          if (!before.disabled) {
            await recordAudit(tx, { actor: 'cli', action: 'admin_user.disabled', subject: { type: 'admin_user', id: after.id }, before: { disabled: false }, after: { disabled: true } });
            await endUserSessions(tx, 'admin', after.id, now);
          }
        });
        process.stdout.write(`Disabled ${row.user_id}.\n`);
      } catch (err) {
        fail(problem(err));
      } finally {
        await ctx.db.close();
      }
    });
}

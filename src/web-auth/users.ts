import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';

export const ADMIN_ROLES = ['admin', 'finance', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
export type UserKind = 'admin' | 'partner';

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: AdminRole;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface PortalUser {
  id: string;
  partner_id: string;
  email: string;
  name: string;
  disabled: boolean;
  created_at: string;
}

const ADMIN_COLUMNS = 'user_id AS id, email, name, role, disabled_at IS NOT NULL AS disabled, created_at, updated_at';
const PORTAL_COLUMNS = 'user_id AS id, partner_id, email, name, disabled_at IS NOT NULL AS disabled, created_at';

export const newAdminUserId = () => `au_${randomBytes(9).toString('base64url')}`;
export const newPortalUserId = () => `pu_${randomBytes(9).toString('base64url')}`;

/** Emails are matched without regard to case or surrounding spaces. */
export const normalEmail = (email: string) => email.trim().toLowerCase();

const emailTaken = () => new AppError(409, 'email_taken', 'Another login already uses this email; sign in, or choose another email.');

export async function createAdminUser(tx: Sql, input: { email: string; name: string; role: AdminRole; passwordHash: string }): Promise<AdminUser> {
  const [row] = await tx.query<AdminUser>(
    `INSERT INTO admin_users (user_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${ADMIN_COLUMNS}`,
    [newAdminUserId(), normalEmail(input.email), input.name, input.role, input.passwordHash],
  );
  if (!row) throw emailTaken();
  return row;
}

export function listAdminUsers(db: Sql): Promise<AdminUser[]> {
  return db.query<AdminUser>(`SELECT ${ADMIN_COLUMNS} FROM admin_users ORDER BY created_at, user_id`);
}

export async function getAdminUser(db: Sql, id: string, lock = false): Promise<AdminUser | undefined> {
  const [row] = await db.query<AdminUser>(`SELECT ${ADMIN_COLUMNS} FROM admin_users WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row;
}

/** Changes an admin user's role or disabled state; answers the user before and after. */
export async function updateAdminUser(
  tx: Sql,
  id: string,
  patch: { role?: AdminRole; disabled?: boolean },
  at: Date,
): Promise<{ before: AdminUser; after: AdminUser }> {
  const before = await getAdminUser(tx, id, true);
  if (!before) throw new AppError(404, 'not_found', 'No admin user with this id.');
  const [after] = await tx.query<AdminUser>(
    `UPDATE admin_users SET role = coalesce($2, role),
       disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN coalesce(disabled_at, $4::timestamptz) ELSE NULL END,
       updated_at = $4::timestamptz
     WHERE user_id = $1 RETURNING ${ADMIN_COLUMNS}`,
    [id, patch.role ?? null, patch.disabled ?? null, at.toISOString()],
  );
  const [{ admins }] = await tx.query<{ admins: number }>(`SELECT count(*)::int AS admins FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL`);
  if (admins === 0 && before.role === 'admin' && !before.disabled)
    throw new AppError(409, 'last_admin', 'This is the last active admin user; make another user admin first.');
  return { before, after };
}

export async function createPortalUser(tx: Sql, input: { partnerId: string; email: string; name: string; passwordHash: string }): Promise<PortalUser> {
  const [row] = await tx.query<PortalUser>(
    `INSERT INTO portal_users (user_id, partner_id, email, name, password_hash) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${PORTAL_COLUMNS}`,
    [newPortalUserId(), input.partnerId, normalEmail(input.email), input.name, input.passwordHash],
  );
  if (!row) throw emailTaken();
  return row;
}

export function listPortalUsers(db: Sql, partnerId: string): Promise<PortalUser[]> {
  return db.query<PortalUser>(`SELECT ${PORTAL_COLUMNS} FROM portal_users WHERE partner_id = $1 ORDER BY created_at, user_id`, [partnerId]);
}

/** Renames, disables, re-enables or sets a new password hash for a partner's portal login; answers it before and after. */
export async function updatePortalUser(
  tx: Sql,
  partnerId: string,
  id: string,
  patch: { name?: string; disabled?: boolean; passwordHash?: string },
  at: Date,
): Promise<{ before: PortalUser; after: PortalUser }> {
  const [before] = await tx.query<PortalUser>(`SELECT ${PORTAL_COLUMNS} FROM portal_users WHERE user_id = $1 AND partner_id = $2 FOR UPDATE`, [id, partnerId]);
  if (!before) throw new AppError(404, 'not_found', 'This partner has no portal login with this id.');
  const [after] = await tx.query<PortalUser>(
    `UPDATE portal_users SET name = coalesce($2, name), password_hash = coalesce($5, password_hash),
       disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN coalesce(disabled_at, $4::timestamptz) ELSE NULL END,
       updated_at = $4::timestamptz
     WHERE user_id = $1 RETURNING ${PORTAL_COLUMNS}`,
    [id, patch.name ?? null, patch.disabled ?? null, at.toISOString(), patch.passwordHash ?? null],
  );
  return { before, after };
}

export async function portalEmailTaken(db: Sql, email: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM portal_users WHERE lower(email) = $1', [normalEmail(email)]);
  return rows.length > 0;
}

/** A login by email, with its password hash, for signing in. */
export async function loginByEmail(db: Sql, kind: UserKind, email: string): Promise<{ id: string; password_hash: string; disabled: boolean } | undefined> {
  const table = kind === 'admin' ? 'admin_users' : 'portal_users';
  const [row] = await db.query<{ id: string; password_hash: string; disabled: boolean }>(
    `SELECT user_id AS id, password_hash, disabled_at IS NOT NULL AS disabled FROM ${table} WHERE lower(email) = $1`,
    [normalEmail(email)],
  );
  return row;
}

export async function passwordHashOf(db: Sql, kind: UserKind, id: string): Promise<string | undefined> {
  const table = kind === 'admin' ? 'admin_users' : 'portal_users';
  const [row] = await db.query<{ password_hash: string }>(`SELECT password_hash FROM ${table} WHERE user_id = $1`, [id]);
  return row?.password_hash;
}

export async function setPasswordHash(tx: Sql, kind: UserKind, id: string, passwordHash: string, at: Date): Promise<void> {
  const table = kind === 'admin' ? 'admin_users' : 'portal_users';
  await tx.query(`UPDATE ${table} SET password_hash = $2, updated_at = $3 WHERE user_id = $1`, [id, passwordHash, at.toISOString()]);
}

/** The person behind a session, as GET /api/v1/me shows it; undefined when the login is gone or disabled. */
export interface SessionUser {
  id: string;
  kind: UserKind;
  email: string;
  name: string;
  role: AdminRole | null;
  partner_id: string | null;
  partner_status: string | null;
  disabled: boolean;
}

export async function sessionUser(db: Sql, kind: UserKind, id: string): Promise<SessionUser | undefined> {
  const [row] =
    kind === 'admin'
      ? await db.query<SessionUser>(
          `SELECT user_id AS id, 'admin' AS kind, email, name, role, NULL AS partner_id, NULL AS partner_status, disabled_at IS NOT NULL AS disabled
           FROM admin_users WHERE user_id = $1`,
          [id],
        )
      : await db.query<SessionUser>(
          `SELECT u.user_id AS id, 'partner' AS kind, u.email, u.name, NULL AS role, u.partner_id, p.status AS partner_status, u.disabled_at IS NOT NULL AS disabled
           FROM portal_users u JOIN partners p ON p.partner_id = u.partner_id WHERE u.user_id = $1`,
          [id],
        );
  return row;
}

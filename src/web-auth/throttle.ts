import type { Sql } from '../db/index.ts';
import type { UserKind } from './users.ts';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

/** Seconds until the email may try again, or 0 when it is not locked. */
export async function lockedFor(db: Sql, kind: UserKind, email: string, now: Date): Promise<number> {
  const [row] = await db.query<{ locked_until: string | null }>('SELECT locked_until FROM sign_in_throttle WHERE user_kind = $1 AND email = $2', [kind, email]);
  const until = row?.locked_until ? Date.parse(row.locked_until) : 0;
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/**
 * Counts a failed sign-in. The failures of the last 15 minutes are kept; the fifth locks the email
 * for 15 minutes (answered: seconds locked, or 0).
 */
export async function recordFailure(tx: Sql, kind: UserKind, email: string, now: Date): Promise<{ failures: number; lockedSeconds: number }> {
  const [row] = await tx.query<{ failures: (string | number)[] }>(
    `INSERT INTO sign_in_throttle (user_kind, email) VALUES ($1, $2)
     ON CONFLICT (user_kind, email) DO UPDATE SET email = EXCLUDED.email RETURNING failures`,
    [kind, email],
  );
  const recent = row.failures.map(Number).filter((t) => t > now.getTime() - FAILURE_WINDOW_MS);
  recent.push(now.getTime());
  if (recent.length >= MAX_FAILURES) {
    await tx.query(`UPDATE sign_in_throttle SET failures = '{}', locked_until = $3 WHERE user_kind = $1 AND email = $2`, [
      kind,
      email,
      new Date(now.getTime() + LOCK_MS).toISOString(),
    ]);
    return { failures: recent.length, lockedSeconds: LOCK_MS / 1000 };
  }
  await tx.query('UPDATE sign_in_throttle SET failures = $3::bigint[] WHERE user_kind = $1 AND email = $2', [kind, email, recent.map(String)]);
  return { failures: recent.length, lockedSeconds: 0 };
}

/** A successful sign-in forgets the failures before it. */
export async function clearFailures(db: Sql, kind: UserKind, email: string): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE user_kind = $1 AND email = $2', [kind, email]);
}

import type { Sql } from '../db/index.ts';

/** A trading-platform login: platform (mt4, mt5, ctrader…), server ('' where logins are global) and login. */
export interface Login {
  platform: string;
  server: string;
  login: string;
}

export const loginKey = (l: Login) => `${l.platform}|${l.server}|${l.login}`;

/**
 * Sets the logins that belong to the partner itself (its own trading or rebate accounts). Answers
 * whether the set changed.
 */
export async function replaceOwnAccounts(tx: Sql, partnerId: string, logins: Login[]): Promise<boolean> {
  const unique = [...new Map(logins.map((l) => [loginKey(l), l])).values()];
  const before = await tx.query<Login>('SELECT platform, server, login FROM partner_accounts WHERE partner_id = $1', [partnerId]);
  const same = before.length === unique.length && before.every((b) => unique.some((u) => loginKey(u) === loginKey(b)));
  if (same) return false;
  await tx.query('DELETE FROM partner_accounts WHERE partner_id = $1', [partnerId]);
  if (unique.length)
    await tx.query(
      `INSERT INTO partner_accounts (partner_id, platform, server, login)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
      [partnerId, unique.map((l) => l.platform), unique.map((l) => l.server), unique.map((l) => l.login)],
    );
  return true;
}

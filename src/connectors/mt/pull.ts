import mysql from 'mysql2/promise';
import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import type { MtConfig } from '../pull/config.ts';
import type { PageGroup, RunContext } from '../pull/run.ts';
import { type Mapped, mapMt4Trade, mapMt5Deal, mt5Lots, type PositionEntry } from './deals.ts';
import { mapMt4User, mapMt5User, type MappedUser } from './users.ts';
import { serverTimeToUtc } from './time.ts';

/*
 * Reads the tables a broker exports from MT4 (mt4_users, mt4_trades) or MT5 (mt5_users,
 * mt5_deals) into MySQL/MariaDB. Users first (so every login has its customer), then trades.
 * Cursors: users by (modify time, login); MT4 trades by (MODIFY_TIME, TICKET), since a trade row
 * is rewritten when it closes; MT5 deals by Deal id, since deals are only ever appended. Each
 * batch is committed with its cursor.
 */

type Row = Record<string, unknown>;
interface Cursor {
  users?: { t: string; id: string };
  trades?: { t: string; id: string };
  deal?: string;
}
const START = { t: '1970-01-01 00:00:00', id: '0' };

export async function pullMt(run: RunContext): Promise<void> {
  const cfg = run.config as unknown as MtConfig;
  const platform = run.kind as 'mt4' | 'mt5';
  if (!run.secrets.mysql_url) throw new Error('The connector has no mysql_url secret.');
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ uri: run.secrets.mysql_url, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 10_000 });
  } catch (err) {
    const u = new URL(run.secrets.mysql_url);
    throw new Error(`Cannot connect to MySQL at ${u.hostname}:${u.port || 3306} (${(err as Error).message}).`);
  }
  try {
    const zone = cfg.server_time_zone ?? 'UTC';
    const prefix = `${platform}-${cfg.server}-`;
    const customerPrefix = cfg.customer_prefix ?? prefix;
    const size = cfg.batch_size ?? 1000;
    let batches = cfg.max_batches_per_run ?? 100;
    const cursor = structuredClone(run.cursor) as Cursor;
    const query = async (sql: string, params: unknown[]) => (await conn.query(sql, params))[0] as Row[];

    // Users.
    const users = cfg.users_table ?? `${platform}_users`;
    const [uTime, uId] = platform === 'mt4' ? ['MODIFY_TIME', 'LOGIN'] : ['Timestamp', 'Login'];
    while (batches > 0 && !run.signal.aborted) {
      const from = cursor.users ?? (platform === 'mt4' ? START : { t: '0', id: '0' });
      const rows = await query(
        `SELECT * FROM \`${users}\` WHERE (\`${uTime}\` > ? OR (\`${uTime}\` = ? AND \`${uId}\` > ?)) ORDER BY \`${uTime}\`, \`${uId}\` LIMIT ?`,
        [from.t, from.t, from.id, size],
      );
      if (rows.length === 0) break;
      batches--;
      const known = await customersOf(run, platform, cfg.server, rows.map((r) => String(r[uId])));
      const mapped = rows.map((r) => {
        const login = String(r[uId]);
        const id = known.get(login)?.customer_id ?? `${customerPrefix}${login}`;
        return platform === 'mt4' ? mapMt4User(r, id, zone) : mapMt5User(r, id, zone);
      });
      const last = rows[rows.length - 1];
      cursor.users = { t: String(last[uTime]), id: String(last[uId]) };
      await run.commit([{ entity: 'customer', records: mapped.map((m) => m.customer), keys: mapped.map((m) => `${prefix}login-${m.login}`) }], { ...cursor }, null, (tx) =>
        saveLogins(tx, run.connectorId, platform, cfg, mapped),
      );
      if (rows.length < size) break;
    }

    // Trades / deals.
    const trades = cfg.trades_table ?? (platform === 'mt4' ? 'mt4_trades' : 'mt5_deals');
    while (batches > 0 && !run.signal.aborted) {
      let rows: Row[];
      if (platform === 'mt4') {
        const from = cursor.trades ?? START;
        rows = await query(`SELECT * FROM \`${trades}\` WHERE (MODIFY_TIME > ? OR (MODIFY_TIME = ? AND TICKET > ?)) ORDER BY MODIFY_TIME, TICKET LIMIT ?`, [from.t, from.t, from.id, size]);
      } else {
        rows = await query(`SELECT * FROM \`${trades}\` WHERE Deal > ? ORDER BY Deal LIMIT ?`, [cursor.deal ?? '0', size]);
      }
      if (rows.length === 0) break;
      batches--;
      const entries = platform === 'mt5' ? await positionEntries(query, trades, rows, zone) : new Map<string, PositionEntry>();
      const mapped = rows
        .map((r) => (platform === 'mt4' ? mapMt4Trade(r, prefix, zone) : mapMt5Deal(r, prefix, zone, entries.get(String(r.PositionID)))))
        .filter((m): m is Exclude<Mapped, { kind: 'skip' }> => m.kind !== 'skip');
      const logins = await customersOf(run, platform, cfg.server, mapped.map((m) => m.login));
      const withCustomer = (m: (typeof mapped)[number]) => {
        const l = logins.get(m.login);
        const currency = l?.currency ?? cfg.currency;
        return { ...m.record, customer_id: l?.customer_id ?? `${customerPrefix}${m.login}`, currency };
      };
      const last = rows[rows.length - 1];
      if (platform === 'mt4') cursor.trades = { t: String(last.MODIFY_TIME), id: String(last.TICKET) };
      else cursor.deal = String(last.Deal);
      const groups: PageGroup[] = (['transaction', 'deal'] as const).map((kind) => {
        const of = mapped.filter((m) => m.kind === kind);
        return { entity: kind, records: of.map(withCustomer), keys: of.map((m) => m.key) };
      });
      const newest = serverTimeToUtc(String(platform === 'mt4' ? last.MODIFY_TIME : last.Time), zone);
      const lag = newest ? Math.max(0, Math.round((Date.now() - Date.parse(newest)) / 1000)) : null;
      await run.commit(groups, { ...cursor }, lag);
      if (rows.length < size) break;
    }
  } finally {
    await conn.end().catch(() => {});
  }
}

async function customersOf(run: RunContext, platform: string, server: string, logins: string[]) {
  const rows = await run.app.db.query<{ login: string; customer_id: string; currency: string | null }>(
    'SELECT login, customer_id, currency FROM connector_logins WHERE platform = $1 AND server = $2 AND login = ANY($3::text[])',
    [platform, server, [...new Set(logins)]],
  );
  return new Map(rows.map((r) => [r.login, r]));
}

async function saveLogins(tx: Sql, connectorId: string, platform: string, cfg: MtConfig, users: MappedUser[]) {
  if (users.length === 0) return;
  const currency = (u: MappedUser) => u.currency ?? (u.group ? cfg.group_currency?.[u.group] : undefined) ?? cfg.currency;
  await tx.query(
    `INSERT INTO connector_logins (platform, server, login, customer_id, currency, account_group, connector_id)
     SELECT $1, $2, t.login, t.customer_id, t.currency, t.grp, $3 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS t(login, customer_id, currency, grp)
     ON CONFLICT (platform, server, login) DO UPDATE SET currency = EXCLUDED.currency, account_group = EXCLUDED.account_group, updated_at = now()`,
    [platform, cfg.server, connectorId, users.map((u) => u.login), users.map((u) => u.customer.customer_id), users.map(currency), users.map((u) => u.group ?? null)],
  );
}

/** For the positions closed in these MT5 deals: open time and price, entry lots and entry commission. */
async function positionEntries(query: (sql: string, params: unknown[]) => Promise<Row[]>, table: string, rows: Row[], zone: string) {
  const positions = [...new Set(rows.filter((r) => [1, 2, 3].includes(Number(r.Entry)) && r.PositionID != null).map((r) => String(r.PositionID)))];
  const out = new Map<string, PositionEntry>();
  if (positions.length === 0) return out;
  const entries = await query(`SELECT * FROM \`${table}\` WHERE Entry = 0 AND Action IN (0, 1) AND PositionID IN (?) ORDER BY Deal`, [positions]);
  for (const e of entries) {
    const id = String(e.PositionID);
    const prev = out.get(id);
    const lots = mt5Lots(e, false);
    out.set(id, {
      time: prev?.time ?? serverTimeToUtc((e.TimeMsc ?? e.Time) as string, zone),
      price: prev?.price ?? (e.Price == null ? undefined : String(e.Price)),
      lots: (prev?.lots ?? new Dec(0)).plus(lots),
      commission: (prev?.commission ?? new Dec(0)).plus(new Dec(String(e.Commission ?? 0))),
    });
  }
  return out;
}

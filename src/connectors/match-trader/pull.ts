import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import type { FieldIssue } from '../../shared/errors.ts';
import { storedCustomerKeys } from '../../ingest/customers.ts';
import { getPath } from '../mapping/apply.ts';
import type { MatchTraderConfig } from '../pull/config.ts';
import type { PageGroup, RunContext } from '../pull/run.ts';
import { fetchJsonWithRetry } from '../rest/http.ts';
import { ENDPOINTS, FIELDS, MT_PLATFORM, OPERATION_TYPES, PARAMS, SIDES } from './api.ts';

/*
 * Reads one Match-Trader trading system through the Broker API, in three streams, each committed
 * page by page with the cursor that follows it (the pull runner's commit):
 *  1. trading accounts, by creation time and page → customers (one per client account UUID),
 *     trading accounts (login → customer) and the login's currency;
 *  2. closed positions by group, by close-time window → deals (which roll up into daily activity);
 *  3. deposits and withdrawals from the ledgers by group, by time window → transactions.
 * The windowed streams read up to the instant the run started (so every login they name was in
 * the accounts read before), re-read `overlap_seconds` before their last window (records the
 * platform writes late, or a window that changed between calls; the upserts make a re-read
 * harmless) and split a window that fills `limit`. Everything closed before the older of the two
 * streams' ends is applied: that instant is the connector's applied_through, its lag.
 */

type Rec = Record<string, unknown>;
interface WindowCursor {
  to: string;
  span: number;
}
type Cursor = {
  accounts?: { since: string; page: number; max_seen?: string };
  positions?: WindowCursor;
  ledgers?: WindowCursor;
};

const DAY = 86_400;
const FIRST_SPAN = 3600;

/** A number or decimal string from the API as a decimal string (JSON numbers print as their shortest exact form). */
function decimalText(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return new Dec(String(v)).toFixed();
  return undefined;
}
const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** An answer that lists a record twice (it happens while the platform writes) keeps it once: the last copy. */
function once(rows: Rec[], key: (r: Rec) => string | undefined): Rec[] {
  const last = new Map<string, number>();
  rows.forEach((r, i) => last.set(key(r) ?? `#${i}`, i));
  return rows.filter((r, i) => last.get(key(r) ?? `#${i}`) === i);
}

export async function pullMatchTrader(run: RunContext): Promise<void> {
  const cfg = run.config as unknown as MatchTraderConfig;
  if (!run.secrets.api_key) throw new Error('The connector has no api_key secret.');
  const base = cfg.base_url.replace(/\/+$/, '');
  const headers = { accept: 'application/json', authorization: run.secrets.api_key };
  const prefix = cfg.customer_prefix ?? 'mtr-';
  const server = cfg.system_uuid;
  const limit = cfg.limit ?? 1000;
  const runStart = new Date();
  const cursor = structuredClone(run.cursor) as Cursor;
  let requests = cfg.max_requests_per_run ?? 500;
  const request = (path: string, init?: { body: unknown }) => {
    requests--;
    return fetchJsonWithRetry(`${base}${path}`, headers, cfg, run.signal, init ? { method: 'POST', body: init.body } : {});
  };
  const backfillFrom = cfg.backfill_from ? new Date(cfg.backfill_from).toISOString() : new Date(runStart.getTime() - 90 * DAY * 1000).toISOString();
  const appliedThrough = () => {
    const ends = [cursor.positions?.to, cursor.ledgers?.to].map((t) => t ?? backfillFrom);
    return ends.sort()[0];
  };

  // 1. Trading accounts.
  const size = cfg.page_size ?? 500;
  while (requests > 0 && !run.signal.aborted) {
    const at = cursor.accounts ?? { since: '1970-01-01T00:00:00.000Z', page: 0 };
    const q = new URLSearchParams({ [PARAMS.systemUuid]: server, [PARAMS.from]: at.since, [PARAMS.page]: String(at.page), [PARAMS.size]: String(size) });
    const body = await request(`${ENDPOINTS.tradingAccounts}?${q}`);
    const list = getPath(body, FIELDS.page.content);
    if (!Array.isArray(list)) throw new Error(`The trading-accounts answer has no "${FIELDS.page.content}" list.`);
    let maxSeen = at.max_seen ?? at.since;
    for (const a of list as Rec[]) {
      const created = text(a[FIELDS.account.created]);
      if (created && created > maxSeen) maxSeen = created;
    }
    const done = list.length < size;
    cursor.accounts = done ? { since: maxSeen, page: 0 } : { since: at.since, page: at.page + 1, max_seen: maxSeen };
    await commitAccounts(run, cfg, prefix, once(list as Rec[], (a) => text(a[FIELDS.account.login])), { ...cursor }, appliedThrough());
    if (done) break;
  }

  // 2 and 3. Closed positions and balance operations, by time window.
  const streams = [
    {
      name: 'positions' as const,
      fetch: async (from: string, to: string) => {
        const body = await request(ENDPOINTS.closedPositions, {
          body: { [PARAMS.systemUuid]: server, [PARAMS.groups]: cfg.groups, [PARAMS.from]: from, [PARAMS.to]: to, [PARAMS.limit]: limit, [PARAMS.includeLocked]: true, [PARAMS.includeBlocked]: true },
        });
        const list = getPath(body, FIELDS.closedPositions);
        if (!Array.isArray(list)) throw new Error(`The closed-positions answer has no "${FIELDS.closedPositions}" list.`);
        return once(list as Rec[], (p) => text(p[FIELDS.position.id]));
      },
      groups: (rows: Rec[]) => positionGroups(run, server, rows),
    },
    {
      name: 'ledgers' as const,
      fetch: async (from: string, to: string) => {
        const body = await request(ENDPOINTS.ledgers, {
          body: { [PARAMS.systemUuid]: server, [PARAMS.groups]: cfg.groups, [PARAMS.types]: Object.keys(OPERATION_TYPES), [PARAMS.from]: from, [PARAMS.to]: to, [PARAMS.limit]: limit },
        });
        if (!Array.isArray(body)) throw new Error('The ledgers answer is not a list of accounts.');
        const ops = (body as Rec[]).flatMap((acc) => {
          const list = acc[FIELDS.ledgerAccount.operations];
          return Array.isArray(list) ? (list as Rec[]).map((op) => ({ ...op, [FIELDS.ledgerAccount.login]: acc[FIELDS.ledgerAccount.login] })) : [];
        });
        return once(ops, (o) => text(o[FIELDS.operation.id]));
      },
      groups: (rows: Rec[]) => operationGroups(run, server, rows),
    },
  ];
  const until = runStart.getTime();
  const maxSpan = (cfg.max_window_hours ?? 24 * 31) * 3600;
  for (const stream of streams) {
    const saved = cursor[stream.name];
    let from = saved ? Date.parse(saved.to) - (cfg.overlap_seconds ?? 120) * 1000 : Date.parse(backfillFrom);
    let span = Math.min(saved?.span ?? FIRST_SPAN, maxSpan);
    while (from < until && requests > 0 && !run.signal.aborted) {
      const to = Math.min(from + span * 1000, until);
      const rows = await stream.fetch(new Date(from).toISOString(), new Date(to).toISOString());
      if (rows.length >= limit) {
        if (to - from <= 1000) throw new Error(`More than ${limit} ${stream.name} in one second at ${new Date(from).toISOString()}; raise config.limit.`);
        span = Math.max(1, Math.floor((to - from) / 2000));
        continue;
      }
      const end = new Date(to).toISOString();
      // A window never moves the stream back (the overlap re-reads what is already applied).
      const next = saved && end < saved.to ? saved.to : end;
      if (rows.length < limit / 4) span = Math.min(span * 2, maxSpan);
      cursor[stream.name] = { to: next, span };
      const groups = await stream.groups(rows);
      await run.commit(groups, { ...cursor }, Math.max(0, Math.round((Date.now() - Date.parse(appliedThrough())) / 1000)), undefined, appliedThrough());
      from = to;
    }
  }
}

async function commitAccounts(run: RunContext, cfg: MatchTraderConfig, prefix: string, rows: Rec[], cursor: Cursor, appliedThrough: string) {
  const F = FIELDS.account;
  const accounts = rows.map((a) => ({
    login: text(a[F.login]) ?? '',
    owner: text(a[F.owner]) ?? '',
    group: text(a[F.group]),
    currency: text(a[F.currency]),
    created: text(a[F.created]),
    raw: a,
  }));
  const owners = [...new Set(accounts.map((a) => `${prefix}${a.owner}`))];
  // One customer per client account, sent once: the first login seen makes it, later logins only
  // link. A customer OpenIB already has (from this connector, or from the CRM) is linked, never
  // overwritten: its attribution is the CRM's or the earlier read's.
  const known = new Set((await storedCustomerKeys(run.app.db, owners)).keys());
  const customers: Rec[] = [];
  const customerKeys: string[] = [];
  const seen = new Set<string>();
  for (const a of accounts) {
    const id = `${prefix}${a.owner}`;
    if (!a.owner || known.has(id) || seen.has(id)) continue;
    seen.add(id);
    const affiliate = getPath(a.raw, cfg.affiliate_path ?? F.referral);
    const email = text(a.raw[F.email]);
    const country = text(a.raw[F.country]);
    customers.push({
      customer_id: id,
      signup_date: a.created,
      affiliate_id: typeof affiliate === 'string' || typeof affiliate === 'number' ? String(affiliate) : '',
      ...(email ? { email } : {}),
      ...(country ? { country_code: country } : {}),
    });
    customerKeys.push(`${MT_PLATFORM}-${cfg.system_uuid}-account-${a.owner}`);
  }
  const linked = accounts.filter((a) => a.login && a.owner);
  const groups: PageGroup[] = [
    { entity: 'customer', records: customers, keys: customerKeys },
    {
      entity: 'trading_account',
      records: linked.map((a) => ({ platform: MT_PLATFORM, server: cfg.system_uuid, login: a.login, customer_id: `${prefix}${a.owner}` })),
      keys: linked.map((a) => `${MT_PLATFORM}-${cfg.system_uuid}-login-${a.login}`),
    },
  ];
  await run.commit(groups, cursor as Record<string, unknown>, null, (tx) => saveLogins(tx, run.connectorId, cfg, prefix, linked), appliedThrough);
}

async function saveLogins(tx: Sql, connectorId: string, cfg: MatchTraderConfig, prefix: string, accounts: { login: string; owner: string; currency?: string; group?: string }[]) {
  if (accounts.length === 0) return;
  await tx.query(
    `INSERT INTO connector_logins (platform, server, login, customer_id, currency, account_group, connector_id)
     SELECT $1, $2, t.login, t.customer_id, t.currency, t.grp, $3 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS t(login, customer_id, currency, grp)
     ON CONFLICT (platform, server, login) DO UPDATE SET currency = EXCLUDED.currency, account_group = EXCLUDED.account_group, updated_at = now()`,
    [
      MT_PLATFORM,
      cfg.system_uuid,
      connectorId,
      accounts.map((a) => a.login),
      accounts.map((a) => `${prefix}${a.owner}`),
      accounts.map((a) => (a.currency && /^[A-Z]{3}$/.test(a.currency) ? a.currency : null)),
      accounts.map((a) => a.group ?? null),
    ],
  );
}

async function loginsOf(run: RunContext, server: string, logins: string[]) {
  const rows = await run.app.db.query<{ login: string; customer_id: string; currency: string | null }>(
    'SELECT login, customer_id, currency FROM connector_logins WHERE platform = $1 AND server = $2 AND login = ANY($3::text[])',
    [MT_PLATFORM, server, [...new Set(logins)]],
  );
  return new Map(rows.map((r) => [r.login, r]));
}

/** A record whose login was never listed among the trading accounts cannot be attributed: it is refused with that reason. */
const unknownLogin = (index: number, login: string): { index: number; issues: FieldIssue[] } => ({
  index,
  issues: [{ index, field: 'login', reason: `login "${login}" is not among the trading accounts read from this system` }],
});

async function positionGroups(run: RunContext, server: string, rows: Rec[]): Promise<PageGroup[]> {
  const P = FIELDS.position;
  const logins = await loginsOf(run, server, rows.map((r) => text(r[P.login]) ?? ''));
  const refused: { index: number; issues: FieldIssue[] }[] = [];
  const records = rows.map((r, index) => {
    const login = text(r[P.login]) ?? '';
    const known = logins.get(login);
    if (!known) refused.push(unknownLogin(index, login));
    const side = SIDES[String(r[P.side]).toUpperCase()] ?? String(r[P.side]);
    return {
      deal_id: `${MT_PLATFORM}-${server}-${text(r[P.id])}`,
      customer_id: known?.customer_id,
      platform: MT_PLATFORM,
      server,
      login,
      symbol: text(r[P.symbol]),
      side,
      lots: decimalText(r[P.volume]),
      open_time: text(r[P.openTime]),
      close_time: text(r[P.closeTime]),
      open_price: decimalText(r[P.openPrice]),
      close_price: decimalText(r[P.closePrice]),
      commission: decimalText(r[P.commission]),
      swap: decimalText(r[P.swap]),
      profit: decimalText(r[P.profit]),
      currency: known?.currency ?? undefined,
    };
  });
  return [{ entity: 'deal', records: records.map(dropUndefined), keys: records.map((r) => r.deal_id), refused }];
}

async function operationGroups(run: RunContext, server: string, rows: Rec[]): Promise<PageGroup[]> {
  const O = FIELDS.operation;
  const logins = await loginsOf(run, server, rows.map((r) => text(r[FIELDS.ledgerAccount.login]) ?? ''));
  const refused: { index: number; issues: FieldIssue[] }[] = [];
  const records = rows.map((r, index) => {
    const login = text(r[FIELDS.ledgerAccount.login]) ?? '';
    const known = logins.get(login);
    if (!known) refused.push(unknownLogin(index, login));
    const amount = decimalText(r[O.amount]);
    const type = OPERATION_TYPES[String(r[O.type]).toUpperCase()];
    if (!type) refused.push({ index, issues: [{ index, field: 'transaction_type', reason: `operation type "${String(r[O.type])}" is not a deposit or withdrawal` }] });
    return {
      transaction_id: `${MT_PLATFORM}-${server}-${text(r[O.id])}`,
      customer_id: known?.customer_id,
      transaction_type: type ?? String(r[O.type]),
      // The ledger books a withdrawal as a negative amount; OpenIB's transactions carry its size.
      amount: amount && /^-?\d+(\.\d+)?$/.test(amount) ? new Dec(amount).abs().toFixed() : amount,
      currency: known?.currency ?? undefined,
      transaction_date: text(r[O.time]),
      status: 'approved',
      comment: text(r[O.comment]),
    };
  });
  const unique = refused.filter((r, i) => refused.findIndex((x) => x.index === r.index) === i);
  return [{ entity: 'transaction', records: records.map(dropUndefined), keys: records.map((r) => r.transaction_id), refused: unique }];
}

function dropUndefined<T extends Record<string, unknown>>(r: T): T {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as T;
}

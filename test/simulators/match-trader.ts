/**
 * A Match-Trade Broker API on 127.0.0.1 for contract tests and the connector benchmark.
 *
 * Follows Match-Trade's public "Broker API" REST documentation (app.theneo.io/match-trade/broker-api,
 * v1 as published in 2026), as modelled in src/connectors/match-trader/api.ts, whose endpoint,
 * parameter and field names it shares:
 *  - the API key in the Authorization header (401 with an error body otherwise); every request
 *    names its trading system by systemUuid (400 for another);
 *  - GET /v1/trading-accounts?systemUuid&from&page&size — a page/size listing ordered by created;
 *  - POST /v1/closed-positions {systemUuid, groups, logins, from, to, limit} — closed positions
 *    with closeTime in [from, to), oldest first, at most `limit`;
 *  - POST /v1/ledgers {systemUuid, groups, logins, types, from, to, limit} — balance operations
 *    (DEPOSIT, WITHDRAWAL: `profit` negative) grouped per login;
 *  - error answers as the document shows them: {status, title, detail, path, timestamp};
 *  - a request limit per minute (the document says 500): 429 with Retry-After beyond it.
 * Faults on demand: a request that never answers, 429 with Retry-After, 5xx, an answer with a
 * record twice, and data that changes between two calls (see `faults` and `onRequest`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENDPOINTS, FIELDS, PARAMS } from '../../src/connectors/match-trader/api.ts';

export interface SimAccount {
  login: string;
  accountUuid: string;
  group: string;
  currency: string;
  created: string;
  email?: string;
  country?: string;
  referralCode?: string;
}
export interface SimPosition {
  id: string;
  login: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  volume: number;
  openTime: string;
  closeTime: string;
  openPrice: number;
  closePrice: number;
  commission: number;
  swap: number;
  profit: number;
}
export interface SimOperation {
  id: string;
  login: string;
  type: 'DEPOSIT' | 'WITHDRAWAL';
  time: string;
  profit: number;
  comment?: string;
}

export type Fault =
  | { kind: 'timeout'; endpoint?: keyof typeof ENDPOINTS }
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfter?: number; endpoint?: keyof typeof ENDPOINTS }
  | { kind: 'duplicate'; endpoint?: keyof typeof ENDPOINTS };

export interface MatchTraderSim {
  url: string;
  apiKey: string;
  systemUuid: string;
  accounts: SimAccount[];
  /** Ordered by closeTime (use addPositions). */
  positions: SimPosition[];
  /** Ordered by time (use addOperations). */
  operations: SimOperation[];
  /** Consumed one per matching request, first come first served. */
  faults: Fault[];
  /** Requests answered per endpoint (faults included). */
  requests: { endpoint: string; status: number }[];
  /** Called after a request is answered: a test changes the data between two calls here. */
  onRequest?: (endpoint: keyof typeof ENDPOINTS) => void;
  rateLimitPerMinute: number;
  addPositions(list: SimPosition[]): void;
  addOperations(list: SimOperation[]): void;
  close(): Promise<void>;
}

const lowerBound = <T>(list: T[], key: (x: T) => string, value: string) => {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

function errorBody(status: number, title: string, detail: string, path: string) {
  return { status: String(status), title, detail, path, timestamp: new Date().toISOString() };
}

export async function startMatchTrader(opts: { apiKey?: string; systemUuid?: string; rateLimitPerMinute?: number } = {}): Promise<MatchTraderSim> {
  const sim = {
    apiKey: opts.apiKey ?? 'mt-broker-api-key',
    systemUuid: opts.systemUuid ?? '7c1e8a52-3f4d-4b6e-9a0b-5d2c1e0f9a77',
    accounts: [],
    positions: [],
    operations: [],
    faults: [],
    requests: [],
    rateLimitPerMinute: opts.rateLimitPerMinute ?? Number.POSITIVE_INFINITY,
  } as unknown as MatchTraderSim;
  sim.addPositions = (list) => {
    for (const p of list) sim.positions.splice(lowerBound(sim.positions, (x) => x.closeTime, p.closeTime + '\uffff'), 0, p);
  };
  sim.addOperations = (list) => {
    for (const o of list) sim.operations.splice(lowerBound(sim.operations, (x) => x.time, o.time + '\uffff'), 0, o);
  };
  let windowStart = Date.now();
  let windowCount = 0;

  const send = (res: ServerResponse, endpoint: string, status: number, body: unknown, headers: Record<string, string> = {}) => {
    sim.requests.push({ endpoint, status });
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://sim');
    const endpoint = (Object.keys(ENDPOINTS) as (keyof typeof ENDPOINTS)[]).find((k) => ENDPOINTS[k] === u.pathname);
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (!endpoint) return send(res, u.pathname, 404, errorBody(404, 'Not Found', `No endpoint ${u.pathname}`, u.pathname));
    if (req.headers.authorization !== sim.apiKey) return send(res, endpoint, 401, errorBody(401, 'Unauthorized', 'Invalid API key', u.pathname));
    if (Date.now() - windowStart >= 60_000) {
      windowStart = Date.now();
      windowCount = 0;
    }
    if (++windowCount > sim.rateLimitPerMinute) {
      const wait = Math.max(1, Math.ceil((windowStart + 60_000 - Date.now()) / 1000));
      return send(res, endpoint, 429, errorBody(429, 'Too Many Requests', 'Request limit exceeded', u.pathname), { 'retry-after': String(wait) });
    }
    const fi = sim.faults.findIndex((f) => !f.endpoint || f.endpoint === endpoint);
    const fault = fi >= 0 ? sim.faults.splice(fi, 1)[0] : undefined;
    if (fault?.kind === 'timeout') {
      sim.requests.push({ endpoint, status: 0 });
      return; // never answers; the socket is destroyed when the server closes
    }
    if (fault?.kind === 'status') {
      return send(res, endpoint, fault.status, errorBody(fault.status, fault.status === 429 ? 'Too Many Requests' : 'Internal Server Error', 'Injected fault', u.pathname), {
        ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
      });
    }
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, endpoint, 400, errorBody(400, 'Bad Request', 'Body is not JSON', u.pathname));
      }
    }
    const param = (name: string) => (req.method === 'POST' ? body[name] : u.searchParams.get(name));
    if (param(PARAMS.systemUuid) !== sim.systemUuid) return send(res, endpoint, 400, errorBody(400, 'Bad Request', 'Unknown systemUuid', u.pathname));
    const dup = <T>(list: T[]) => (fault?.kind === 'duplicate' && list.length ? [list[0], ...list] : list);

    if (endpoint === 'tradingAccounts') {
      const from = String(param(PARAMS.from) ?? '');
      const page = Number(param(PARAMS.page) ?? 0);
      const size = Number(param(PARAMS.size) ?? 100);
      if (!Number.isInteger(page) || page < 0 || !Number.isInteger(size) || size < 1 || size > 1000)
        return send(res, endpoint, 400, errorBody(400, 'Bad Request', 'page must be ≥ 0 and size 1–1000', u.pathname));
      const all = sim.accounts.filter((a) => a.created >= from).sort((a, b) => a.created.localeCompare(b.created) || a.login.localeCompare(b.login));
      const content = dup(all.slice(page * size, page * size + size));
      send(res, endpoint, 200, { [FIELDS.page.content]: content, [FIELDS.page.number]: page, size, totalElements: all.length, [FIELDS.page.totalPages]: Math.ceil(all.length / size) });
    } else {
      const from = String(param(PARAMS.from) ?? '');
      const to = String(param(PARAMS.to) ?? '');
      const limit = Number(param(PARAMS.limit) ?? 1000);
      const groups = (param(PARAMS.groups) as string[] | undefined) ?? [];
      const logins = ((param(PARAMS.logins) as string[] | undefined) ?? []).map(String);
      if (!from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)) || from > to)
        return send(res, endpoint, 400, errorBody(400, 'Bad Request', 'from and to are required RFC 3339 times, from ≤ to', u.pathname));
      if (groups.length === 0 && logins.length === 0) return send(res, endpoint, 400, errorBody(400, 'Bad Request', 'Either logins or groups must be provided', u.pathname));
      const groupOf = new Map(sim.accounts.map((a) => [a.login, a.group]));
      const wanted = (login: string) => logins.includes(login) || groups.includes(groupOf.get(login) ?? '');
      if (endpoint === 'closedPositions') {
        const start = lowerBound(sim.positions, (p) => p.closeTime, from);
        const out: SimPosition[] = [];
        for (let i = start; i < sim.positions.length && sim.positions[i].closeTime < to && out.length < limit; i++) if (wanted(sim.positions[i].login)) out.push(sim.positions[i]);
        send(res, endpoint, 200, { [FIELDS.closedPositions]: dup(out) });
      } else {
        const types = (param(PARAMS.types) as string[] | undefined) ?? [];
        const start = lowerBound(sim.operations, (o) => o.time, from);
        const out: SimOperation[] = [];
        for (let i = start; i < sim.operations.length && sim.operations[i].time < to && out.length < limit; i++) {
          const o = sim.operations[i];
          if (wanted(o.login) && types.includes(o.type)) out.push(o);
        }
        const byLogin = new Map<string, SimOperation[]>();
        for (const o of dup(out)) byLogin.set(o.login, [...(byLogin.get(o.login) ?? []), o]);
        send(
          res,
          endpoint,
          200,
          [...byLogin].map(([login, ops]) => ({ login, group: groupOf.get(login), operations: ops.map(({ login: _, ...rest }) => rest) })),
        );
      }
    }
    sim.onRequest?.(endpoint);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sim;
}

/** A deterministic pseudo-random generator (a test's history is the same on every run). */
export function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface HistoryOptions {
  clients: number;
  positions: number;
  operations: number;
  /** Close times fall in [from, to). */
  from: string;
  to: string;
  groups: string[];
  affiliates: string[];
  seed?: number;
}

const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD', 'USDJPY', 'US30'];

/** Clients (one or two logins each), closed positions and deposits/withdrawals spread over [from, to). */
export function generateHistory(o: HistoryOptions): { accounts: SimAccount[]; positions: SimPosition[]; operations: SimOperation[] } {
  const rnd = seeded(o.seed ?? 7);
  const from = Date.parse(o.from);
  const span = Date.parse(o.to) - from;
  const accounts: SimAccount[] = [];
  for (let c = 0; c < o.clients; c++) {
    const logins = rnd() < 0.3 ? 2 : 1;
    const created = new Date(from - 86_400_000 + c * 1000).toISOString();
    const referral = o.affiliates[Math.floor(rnd() * o.affiliates.length)];
    for (let l = 0; l < logins; l++) {
      accounts.push({
        login: String(100_000 + accounts.length),
        accountUuid: `a${String(c).padStart(7, '0')}-0000-4000-8000-000000000000`,
        group: o.groups[(c + l) % o.groups.length],
        currency: 'USD',
        created,
        email: `client${c}@example.com`,
        ...(referral ? { referralCode: referral } : {}),
      });
    }
  }
  const at = (n: number) => new Date(from + Math.floor(rnd() * span)).toISOString().replace(/\.\d{3}Z$/, `.${String(n % 1000).padStart(3, '0')}Z`);
  const money = (max: number) => Math.round((rnd() * 2 - 1) * max * 100) / 100;
  const positions: SimPosition[] = [];
  for (let i = 0; i < o.positions; i++) {
    const a = accounts[Math.floor(rnd() * accounts.length)];
    const closeTime = at(i);
    const price = Math.round((1 + rnd()) * 100_000) / 100_000;
    positions.push({
      id: String(5_000_000 + i),
      login: a.login,
      symbol: SYMBOLS[Math.floor(rnd() * SYMBOLS.length)],
      side: rnd() < 0.5 ? 'BUY' : 'SELL',
      volume: Math.max(1, Math.floor(rnd() * 300)) / 100,
      openTime: new Date(Date.parse(closeTime) - 30_000 - Math.floor(rnd() * 7_200_000)).toISOString(),
      closeTime,
      openPrice: price,
      closePrice: Math.round((price + (rnd() - 0.5) / 100) * 100_000) / 100_000,
      commission: -Math.round(rnd() * 700) / 100,
      swap: money(3),
      profit: money(500),
    });
  }
  positions.sort((a, b) => a.closeTime.localeCompare(b.closeTime));
  const operations: SimOperation[] = [];
  for (let i = 0; i < o.operations; i++) {
    const a = accounts[Math.floor(rnd() * accounts.length)];
    const deposit = rnd() < 0.7;
    const amount = Math.round((10 + rnd() * 5000) * 100) / 100;
    operations.push({ id: String(9_000_000 + i), login: a.login, type: deposit ? 'DEPOSIT' : 'WITHDRAWAL', time: at(i), profit: deposit ? amount : -amount, comment: deposit ? 'card' : 'wire' });
  }
  operations.sort((a, b) => a.time.localeCompare(b.time));
  return { accounts, positions, operations };
}

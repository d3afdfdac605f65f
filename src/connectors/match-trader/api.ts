/*
 * The Match-Trade Broker API as OpenIB reads it: every endpoint, request parameter and field name
 * the connector and its simulator (test/simulators/match-trader.ts) use, in one place, so they can
 * be checked and corrected against the vendor's document.
 *
 * Followed: Match-Trade "Broker API" REST documentation (app.theneo.io/match-trade/broker-api,
 * v1 as published in 2026): the API key goes in the Authorization header; every request names the
 * trading system by its systemUuid; "Retrieve Closed Positions by Login List or Groups" and
 * "Retrieve Ledgers by Login List or Groups" are POSTs with systemUuid, logins and/or groups, from,
 * to, limit (and types for ledgers); times are RFC 3339 in UTC; the request limit is 500 per
 * minute (429 beyond it). The document does not give a page token for those two endpoints, so the
 * connector pages them by time window (a window that fills `limit` is split). The trading-accounts
 * listing is modelled as a page/size listing ordered by creation time. Field names below are the
 * model's; where a broker's deployment differs, change them here only.
 */

export const MT_PLATFORM = 'matchtrader';

export const ENDPOINTS = {
  /** GET ?systemUuid=&from=&page=&size= → { content: Account[], number, size, totalElements, totalPages } (ordered by created, login). */
  tradingAccounts: '/v1/trading-accounts',
  /** POST { systemUuid, groups, logins?, from, to, limit, includeLocked, includeBlocked } → { closedPositions: ClosedPosition[] } (closeTime in [from, to), ordered by closeTime). */
  closedPositions: '/v1/closed-positions',
  /** POST { systemUuid, groups, logins?, types, from, to, limit } → { login, group, operations: LedgerOperation[] }[] (time in [from, to)). */
  ledgers: '/v1/ledgers',
} as const;

/** Query parameter and body names. */
export const PARAMS = {
  systemUuid: 'systemUuid',
  page: 'page',
  size: 'size',
  from: 'from',
  to: 'to',
  limit: 'limit',
  groups: 'groups',
  logins: 'logins',
  types: 'types',
  includeLocked: 'includeLocked',
  includeBlocked: 'includeBlocked',
} as const;

/** Field names of the answers. */
export const FIELDS = {
  page: { content: 'content', number: 'number', totalPages: 'totalPages' },
  account: { login: 'login', owner: 'accountUuid', group: 'group', currency: 'currency', created: 'created', email: 'email', country: 'country', referral: 'referralCode' },
  closedPositions: 'closedPositions',
  position: {
    id: 'id',
    login: 'login',
    symbol: 'symbol',
    side: 'side',
    volume: 'volume',
    openTime: 'openTime',
    closeTime: 'closeTime',
    openPrice: 'openPrice',
    closePrice: 'closePrice',
    commission: 'commission',
    swap: 'swap',
    profit: 'profit',
  },
  ledgerAccount: { login: 'login', group: 'group', operations: 'operations' },
  operation: { id: 'id', type: 'type', time: 'time', amount: 'profit', comment: 'comment' },
} as const;

/** Position sides and ledger operation types as the API spells them. */
export const SIDES: Record<string, 'buy' | 'sell'> = { BUY: 'buy', SELL: 'sell' };
export const OPERATION_TYPES: Record<string, 'deposit' | 'withdrawal'> = { DEPOSIT: 'deposit', WITHDRAWAL: 'withdrawal' };

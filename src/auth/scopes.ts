/** Every scope an API client can hold. `admin` grants all of them. */
export const SCOPES = [
  'customers:write',
  'customers:read',
  'transactions:write',
  'transactions:read',
  'activity:write',
  'activity:read',
  // A partner's own postbacks: with a partner-bound client, only that partner's.
  'postbacks:read',
  'postbacks:write',
  'partners:write',
  'partners:read',
  // Statements and earnings: with a partner-bound client, only that partner's (and its subtree's numbers).
  'payouts:read',
  // Report API: with a partner-bound client, that partner and its subtree only.
  'reports:read',
  // Payout runs, statement actions (approve, hold, reject, pay), period close and reconciliation.
  'payouts:write',
  // Every read (GET/HEAD) of the API, broker-wide, without any write: auditors, viewers, dashboards.
  'read:all',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The scopes a partner-bound client may hold: the routes behind them confine a partner caller to
 * its subtree. Every other scope reaches broker-wide data, so a partner-bound client never holds it.
 */
export const PARTNER_SCOPES: readonly Scope[] = ['partners:read', 'partners:write', 'reports:read', 'payouts:read', 'postbacks:read', 'postbacks:write'];

/** The scopes of a list that a partner-bound client may not hold. */
export function brokerOnly(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !(PARTNER_SCOPES as readonly string[]).includes(s));
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Whether granted scopes allow a route that requires `required`. `admin` allows everything;
 * `read:all` allows any route when the request only reads (GET or HEAD).
 */
export function hasScope(granted: readonly string[], required: Scope, method = 'POST'): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  return granted.includes('read:all') && (method === 'GET' || method === 'HEAD');
}

/** Parses a space- or comma-separated scope list; unknown names are returned separately. */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const scopes = [...new Set(parts.filter(isScope))];
  return { scopes, unknown: parts.filter((p) => !isScope(p)) };
}

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
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function hasScope(granted: readonly string[], required: Scope): boolean {
  return granted.includes('admin') || granted.includes(required);
}

/** Parses a space- or comma-separated scope list; unknown names are returned separately. */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const scopes = [...new Set(parts.filter(isScope))];
  return { scopes, unknown: parts.filter((p) => !isScope(p)) };
}

import type { Scope } from '../auth/scopes.ts';

/**
 * A stable operationId from an operation's method and path, for code generators: the method, then
 * each path segment in PascalCase, a `{param}` as `By` + its name. Unique because method and path
 * are, and unchanged as long as the route is:
 *   GET /api/v1/partners → getPartners, POST /api/v1/partners/{id}/move → postPartnersByIdMove.
 */
export function operationId(method: string, url: string): string {
  const path = url.replace(/^\/api\/v1(?=\/|$)/, '');
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^[:{](.+?)}?$/.exec(segment);
      return param ? `By${pascal(param[1])}` : pascal(segment);
    });
  return method.toLowerCase() + (words.join('') || 'Root');
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** What each OAuth scope lets a client do, for the OpenAPI document's oauth2 scheme. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'customers:write': 'Send customers, KYC and trading-account links',
  'customers:read': 'Read customers',
  'transactions:write': 'Send deposits, withdrawals and other money movements',
  'transactions:read': 'Read money movements',
  'activity:write': 'Send deals and daily trading activity',
  'activity:read': 'Read deals and daily activity',
  'postbacks:read': "Read postbacks (a partner-bound client: its own only)",
  'postbacks:write': "Add and change postbacks (a partner-bound client: its own only)",
  'partners:write': 'Create and change partners, links and the tree',
  'partners:read': 'Read partners, links and the tree (a partner-bound client: its subtree)',
  'payouts:read': 'Read statements and earnings (a partner-bound client: its own)',
  'reports:read': 'Read reports (a partner-bound client: its subtree)',
  'payouts:write': 'Run, approve, hold, pay payouts; close periods; reconcile',
  'read:all': 'Every read of the API, broker-wide, without any write',
  admin: 'Everything, including API clients, webhooks and settings',
};

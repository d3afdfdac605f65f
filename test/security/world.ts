import { SignJWT } from 'jose';
import { PARTNER_SCOPES, type Scope } from '../../src/auth/scopes.ts';
import { operations, type OpenApiOperation } from '../../src/http/openapi-document.ts';
import type { TestServer } from '../helpers/server.ts';

/** What identifies partner B's data in a response: none of these may reach another partner. */
export const B_MARKERS = {
  name: 'Bravo Zulu Partners',
  affiliate: 'BZAFF77',
  email: 'bravo.zulu.ib@example.org',
  customer: 'CUST-BZ-4471',
  customerEmail: 'beatrix.trader@example.org',
  customerName: 'Beatrix',
};
/** A1's customer: its upline U sees it with the personal data masked. */
export const A1_CUSTOMER = { id: 'CUST-A1-8812', email: 'aone.trader@example.org', first_name: 'Adalbert', last_name: 'Onesimus' };

/** Server settings the world needs: outbound URLs to the loopback (nothing listens there; nothing is delivered). */
export const WORLD_ENV = { OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32' };

export interface World {
  ids: { U: string; A: string; A1: string; B: string; S: string };
  /** Partner B's resources, by the path parameter that names them. */
  b: Record<string, string>;
  admin: string;
  ops: OpenApiOperation[];
}

const ok = async (t: TestServer, token: string, method: string, path: string, body?: unknown) => {
  const res = await t.call(method, path, { token, body });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.text}`);
  return res.body;
};

/** Builds the world through the API: U → A → A1, an unrelated partner B with its own everything, a suspended partner S. */
export async function buildWorld(t: TestServer): Promise<World> {
  const admin = await t.token(['admin']);
  const call = (method: string, path: string, body?: unknown) => ok(t, admin, method, path, body);
  const partner = async (name: string, affiliate: string, extra: Record<string, unknown> = {}) =>
    (await call('POST', '/api/v1/partners', { name, affiliate_id: affiliate, ...extra })).partner_id as string;
  const U = await partner('Upline Uniform', 'UAFF');
  const A = await partner('Alpha Partner', 'AAFF', { parent_id: U });
  const A1 = await partner('Alpha One Sub', 'A1AFF', { parent_id: A });
  const B = await partner(B_MARKERS.name, B_MARKERS.affiliate, { email: B_MARKERS.email });
  const S = await partner('Sierra Suspended', 'SAFF');

  await call('POST', '/api/v1/forex/customers', [
    { customer_id: B_MARKERS.customer, signup_date: '2026-03-01T10:00:00Z', affiliate_id: B_MARKERS.affiliate, email: B_MARKERS.customerEmail, first_name: B_MARKERS.customerName, kyc_status_id: 'approved' },
    { customer_id: A1_CUSTOMER.id, signup_date: '2026-03-01T10:00:00Z', affiliate_id: 'A1AFF', email: A1_CUSTOMER.email, first_name: A1_CUSTOMER.first_name, last_name: A1_CUSTOMER.last_name, kyc_status_id: 'approved' },
  ]);
  await call('POST', '/api/v1/forex/transactions', [
    { transaction_id: 'TX-BZ-1', customer_id: B_MARKERS.customer, transaction_type: 'deposit', amount: '500', currency: 'USD', status: 'approved', transaction_date: '2026-03-02T10:00:00Z' },
  ]);
  await call('POST', '/api/v1/plans', { plan_id: 'plan-bz', name: 'BZ plan', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] }] });
  await call('POST', `/api/v1/partners/${B}/plan`, { plan_id: 'plan-bz', effective_from: '2020-01-01' });
  await call('POST', '/api/v1/forex/trading-activity', [{ customer_id: B_MARKERS.customer, instrument: 'EURUSD', lots_traded: '3', date: '2026-03-05', currency: 'USD' }]);
  await call('POST', '/api/v1/commissions/run', { from: '2026-03-01', to: '2026-03-31' });
  const ledger = await call('GET', `/api/v1/ledger?partner_id=${B}&per_page=5`);
  await call('POST', '/api/v1/periods/2026-03/close');
  const run = await call('POST', '/api/v1/payout-runs', { period: '2026-03', as_of: '2030-01-01' });
  const statement = (run.statements as { partner_id: string; statement_id: string }[]).find((s) => s.partner_id === B);
  const link = await call('POST', `/api/v1/partners/${B}/links`, { destination_url: 'https://broker.example/register' });
  const postback = await call('POST', `/api/v1/partners/${B}/postbacks`, { event: 'registration', url: 'http://127.0.0.1:9/pb?c={customer_id}' });
  const endpoint = await call('POST', '/api/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/hook', description: 'BZ CRM' });
  const client = await call('POST', '/api/v1/clients', { name: 'BZ reporting', scopes: ['partners:read'], partner_id: B });
  await call('POST', `/api/v1/partners/${S}/suspend`, { reason: 'compliance review' });

  const doc = (await t.call('GET', '/openapi.json')).body;
  return {
    ids: { U, A, A1, B, S },
    admin,
    ops: operations(doc),
    b: {
      partner_id: B,
      customer_id: B_MARKERS.customer,
      link_id: link.link_id,
      code: link.code,
      statement_id: statement?.statement_id ?? 'st_none',
      run_id: run.run_id,
      entry_id: String(ledger.data[0]?.entry_id ?? 'le_none'),
      plan_id: 'plan-bz',
      client_id: client.client_id,
      postback_id: postback.id,
      endpoint_id: endpoint.id,
      period: '2026-03',
    },
  };
}

/** Scopes a partner-bound caller gets here: every scope a partner may hold, the strongest partner caller there is. */
export const PARTNER_CALLER_SCOPES: Scope[] = [...PARTNER_SCOPES];

/**
 * B's value for a path parameter of an operation. A parameter this table does not know fails the
 * test, so a new route must say which of B's resources it takes.
 */
export function paramValue(w: World, path: string, name: string): string {
  const b = w.b;
  if (name === 'id') {
    if (path.startsWith('/api/v1/reports/partners/') || path.includes('/portal-users')) return b.partner_id;
    if (path.includes('/postbacks/')) return b.postback_id;
    if (path.startsWith('/api/v1/webhooks/endpoints/')) return b.endpoint_id;
    if (path.startsWith('/api/v1/webhooks/messages/')) return 'msg_of_b';
    if (path.startsWith('/api/v1/connectors/')) return 'src_of_b';
    if (path.startsWith('/api/v1/imports/')) return 'imp_of_b';
    // Admin console users are the broker's own staff: no partner reaches any of them.
    if (path.startsWith('/api/v1/admin-users/')) return 'au_of_b';
    throw new Error(`isolation test: no B resource known for {id} in ${path}; add one to paramValue`);
  }
  const known: Record<string, string | undefined> = {
    partner_id: b.partner_id,
    customer_id: b.customer_id,
    link_id: b.link_id,
    code: b.code,
    statement_id: b.statement_id,
    run_id: b.run_id,
    entry_id: b.entry_id,
    plan_id: b.plan_id,
    client_id: b.client_id,
    period: b.period,
    conflict_id: 'cf_of_b',
    // Risk cases are broker-only (payouts:write): no partner reaches any of them.
    case_id: 'case_of_b',
    // Jurisdiction policies and compliance programmes are the broker's: no partner reaches any of them.
    policy_id: 'pol_of_b',
    programme_id: 'prog_of_b',
    // The marketing library is the broker's; under B's partner_id a stranger is refused before the material is looked at.
    material_id: 'mat_of_b',
    submission_id: 'sub_of_b',
    document_id: 'doc_of_b',
    user_id: 'pu_of_b',
    source: 'crm',
    name: 'mapping_of_b',
    action: 'approve',
  };
  const v = known[name];
  if (v === undefined) throw new Error(`isolation test: no B resource known for {${name}} in ${path}; add one to paramValue`);
  return v;
}

export function fillPath(w: World, path: string, override: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(override[name] ?? paramValue(w, path, name)));
}

/** A token signed with the server's key that expired a minute ago. */
export async function expiredToken(key: Uint8Array, clientId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('openib').setSubject(clientId).setIssuedAt(now - 3600).setExpirationTime(now - 60).sign(key);
}

/** An admin token signed with a key that is not the server's. */
export async function forgedToken(clientId: string): Promise<string> {
  return new SignJWT({ scope: 'admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('openib')
    .setSubject(clientId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-servers-key-not-the-servers-key'));
}

import type { TestServer } from './server.ts';

/** Small steps a broker takes through the API, for tests that need a partner tree and facts. */
export function brokerSteps(t: TestServer, token: string) {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await t.call(method, path, { token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.text}`);
    return res.body;
  };
  return {
    ok,
    async partner(affiliateId: string, extra: Record<string, unknown> = {}): Promise<string> {
      const p = await ok('POST', '/api/v1/partners', { name: `Partner ${affiliateId}`, affiliate_id: affiliateId, ...extra });
      return p.partner_id;
    },
    plan: (plan: Record<string, unknown>, effective_from?: string) => ok('POST', '/api/v1/plans', { ...plan, ...(effective_from ? { effective_from } : {}) }),
    assign: (partnerId: string, planId: string, effective_from = '2020-01-01', terms?: unknown) =>
      ok('POST', `/api/v1/partners/${partnerId}/plan`, { plan_id: planId, effective_from, ...(terms ? { terms } : {}) }),
    customer: (id: string, affiliateId: string, extra: Record<string, unknown> = {}) =>
      ok('POST', '/api/v1/forex/customers', [{ customer_id: id, signup_date: '2026-01-02T10:00:00Z', affiliate_id: affiliateId, kyc_status_id: 'approved', ...extra }]),
    activity: (rows: Record<string, unknown>[]) =>
      ok('POST', '/api/v1/forex/trading-activity', rows.map((r) => ({ currency: 'USD', date: '2026-03-02', ...r }))),
    transactions: (rows: Record<string, unknown>[]) =>
      ok('POST', '/api/v1/forex/transactions', rows.map((r) => ({ currency: 'USD', status: 'approved', transaction_date: '2026-01-03T10:00:00Z', ...r }))),
    run: (from = '2026-01-01', to = '2026-12-31') => ok('POST', '/api/v1/commissions/run', { from, to }),
    earnings: async (partnerId: string, from?: string, to?: string) => {
      const q = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
      const e = await ok('GET', `/api/v1/partners/${partnerId}/earnings?${q}`);
      return e.totals as { currency: string; total: string; by_status: Record<string, string>; by_kind: Record<string, string>; by_level: Record<string, string> }[];
    },
    ledger: async (query: string) => (await ok('GET', `/api/v1/ledger?per_page=500&${query}`)).data as Record<string, any>[],
  };
}

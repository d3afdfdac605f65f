import { expect } from 'vitest';
import type { TestServer } from './server.ts';

/** Small helpers the partners area's black-box tests share. */
export function partnerApi(t: TestServer, token: string) {
  async function ok(method: string, path: string, body?: unknown, status = 200) {
    const res = await t.call(method, path, { token, body });
    expect(res.status, `${method} ${path} → ${res.status} ${res.text}`).toBe(status);
    return res.body;
  }
  return {
    ok,
    partner: (body: Record<string, unknown>) => ok('POST', '/api/v1/partners', body, 201),
    link: (partnerId: string, body: Record<string, unknown> = {}) =>
      ok('POST', `/api/v1/partners/${partnerId}/links`, { destination_url: 'https://broker.example/register', ...body }, 201),
    customers: (records: Record<string, unknown>[]) => ok('POST', '/api/v1/forex/customers', records),
    customer: (id: string, fields: Record<string, unknown> = {}) =>
      ok('POST', '/api/v1/forex/customers', [{ customer_id: id, signup_date: new Date().toISOString(), affiliate_id: '', ...fields }]),
    attribution: (customerId: string) => ok('GET', `/api/v1/customers/${customerId}/attribution`),
    ownerAt: async (customerId: string, at: string) => (await ok('GET', `/api/v1/customers/${customerId}/owner?at=${encodeURIComponent(at)}`)).partner_id as string | null,
    events: async (type: string) => (await ok('GET', `/api/v1/events?type=${type}&limit=1000`)).data as { subject_id: string; data: any }[],
  };
}

/** Follows a link without following the redirect; answers the status, Location and click id. */
export async function visit(t: TestServer, code: string, opts: { query?: string; method?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${t.url}/l/${code}${opts.query ?? ''}`, { redirect: 'manual', method: opts.method ?? 'GET', headers: opts.headers });
  const location = res.headers.get('location');
  const clickId = location ? new URL(location).searchParams.get('click_id') : null;
  return { status: res.status, location, clickId, text: await res.text(), headers: res.headers };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiOperation } from '../../src/http/openapi-document.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { B_MARKERS, buildWorld, fillPath, type World, WORLD_ENV } from './world.ts';

let t: TestServer;
let w: World;
let adminId: string;
beforeAll(async () => {
  t = await startTestServer(WORLD_ENV, { role: 'api' });
  w = await buildWorld(t);
  const [row] = await t.server.ctx.db.query<{ client_id: string }>(`SELECT client_id FROM api_clients WHERE name LIKE 'test client%' ORDER BY created_at LIMIT 1`);
  adminId = row.client_id;
}, 120_000);
afterAll(() => t.stop());

/** Bodies a successful call takes; routes not listed get {} (or none). */
function bodyFor(op: OpenApiOperation): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/v1/clients': { name: 'audited', scopes: ['customers:read'] },
    'PATCH /api/v1/clients/{client_id}': { name: 'renamed' },
    'POST /api/v1/clients/{client_id}/rotate-secret': { overlap_seconds: 60 },
    'POST /api/v1/forex/customers': [{ customer_id: 'AUD-1', signup_date: '2026-03-01T10:00:00Z', affiliate_id: '' }],
    'POST /api/v1/forex/transactions': [{ transaction_id: 'AUD-TX', customer_id: 'AUD-1', transaction_type: 'deposit', amount: '1', currency: 'USD', status: 'approved', transaction_date: '2026-03-02T10:00:00Z' }],
    'POST /api/v1/forex/trading-activity': [{ customer_id: 'AUD-1', instrument: 'EURUSD', lots_traded: '1', date: '2026-03-05', currency: 'USD' }],
    'POST /api/v1/fx-rates': [{ date: '2026-03-01', base: 'EUR', quote: 'USD', rate: '1.1' }],
    'POST /api/v1/webhooks/endpoints': { url: 'http://127.0.0.1:9/audit' },
    'PATCH /api/v1/webhooks/endpoints/{id}': { description: 'changed' },
    'POST /api/v1/partners/{partner_id}/postbacks': { event: 'registration', url: 'http://127.0.0.1:9/pb' },
    'PATCH /api/v1/partners/{partner_id}/postbacks/{id}': { enabled: false },
    'POST /api/v1/partners': { name: 'Audited partner', affiliate_id: 'AUDAFF' },
    'PATCH /api/v1/partners/{partner_id}': { name: 'Renamed partner' },
    'POST /api/v1/partners/{partner_id}/suspend': { reason: 'audit test' },
    'POST /api/v1/partners/{partner_id}/activate': {},
    'POST /api/v1/partners/{partner_id}/move': { parent_id: w.ids.U },
    'POST /api/v1/partners/{partner_id}/links': { destination_url: 'https://broker.example/register' },
    'PATCH /api/v1/links/{link_id}': { name: 'renamed link' },
    'POST /api/v1/customers/{customer_id}/reassign': { partner_id: w.ids.A, reason: 'audit test', effective_from: '2026-03-10' },
    'POST /api/v1/plans': { plan_id: 'plan-aud', name: 'Audit plan', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '1' }] }] },
    'PUT /api/v1/plans/{plan_id}': { name: 'BZ plan v2', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '11' }] }], effective_from: '2026-05-01' },
    'POST /api/v1/partners/{partner_id}/plan': { plan_id: 'plan-bz', effective_from: '2026-04-01' },
    'POST /api/v1/commissions/run': { from: '2026-03-01', to: '2026-03-31' },
    'POST /api/v1/plans/{plan_id}/simulate': { from: '2026-03-01', to: '2026-03-31' },
    'POST /api/v1/payout-runs': { period: '2026-03', as_of: '2030-01-01' },
    'POST /api/v1/statements/{statement_id}/{action}': {},
  };
  const key = `${op.method} ${op.path}`;
  if (key in bodies) return bodies[key];
  return op.method === 'DELETE' ? undefined : {};
}

describe('audit log', () => {
  it('every successful non-GET operation of the OpenAPI document leaves an entry: who, from where, what', async () => {
    const writes = w.ops.filter((o) => o.method !== 'GET' && o.scope !== 'public');
    // Deletions last, so the other calls find their subjects.
    writes.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const missing: string[] = [];
    const succeeded: string[] = [];
    for (const op of writes) {
      const [{ max }] = await t.server.ctx.db.query<{ max: number | null }>('SELECT max(id)::int AS max FROM audit_log');
      const path = fillPath(w, op.path);
      const res = await t.call(op.method, path, { token: w.admin, body: bodyFor(op) });
      if (res.status < 200 || res.status >= 300) continue;
      succeeded.push(`${op.method} ${op.path}`);
      const entries = await t.server.ctx.db.query<{ actor: string; action: string; ip: string | null; subject_id: string }>(
        'SELECT actor, action, ip, subject_id FROM audit_log WHERE id > $1',
        [max ?? 0],
      );
      const mine = entries.filter((e) => e.actor === adminId && e.ip);
      if (mine.length === 0) missing.push(`${op.method} ${path} → ${res.status}, no audit entry`);
    }
    expect(missing, missing.join('\n')).toEqual([]);
    // The calls above must actually exercise the important areas, not fail validation and prove nothing.
    for (const key of ['POST /api/v1/partners', 'PATCH /api/v1/partners/{partner_id}', 'POST /api/v1/partners/{partner_id}/move', 'POST /api/v1/partners/{partner_id}/links', 'POST /api/v1/webhooks/endpoints/{id}/rotate-secret', 'POST /api/v1/forex/customers', 'POST /api/v1/commissions/run', 'POST /api/v1/periods/{period}/close', 'POST /api/v1/clients/{client_id}/rotate-secret'])
      expect(succeeded, key).toContain(key);
    expect(succeeded.length).toBeGreaterThan(30);
  }, 300_000);

  it('updates carry the subject before and after, without secrets', async () => {
    const res = await t.call('GET', `/api/v1/audit-log?action=partners.update&subject_id=${w.b.partner_id}`, { token: w.admin });
    expect(res.status).toBe(200);
    const [entry] = res.body.data;
    expect(entry.before).toMatchObject({ name: B_MARKERS.name });
    expect(entry.after).toMatchObject({ name: 'Renamed partner' });
    const rotated = await t.call('GET', `/api/v1/audit-log?action=webhooks.endpoints_rotate_secret`, { token: w.admin });
    expect(rotated.body.data.length).toBe(1);
    expect(JSON.stringify(rotated.body.data[0].after)).toContain('[redacted]');
    expect(JSON.stringify(rotated.body.data[0].after)).not.toMatch(/whsec_|"secret":"[^[]/);
  });

  it('ingest writes one entry per batch with its counts', async () => {
    const res = await t.call('GET', '/api/v1/audit-log?action=ingest.customers&limit=500', { token: w.admin });
    const mine = res.body.data.filter((e: any) => e.after.path === '/api/v1/forex/customers' && e.after.received >= 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]).toMatchObject({ subject_type: 'ingest_batch' });
  });

  it('filters, pages with a cursor, exports CSV, and is readable by read:all only', async () => {
    const first = await t.call('GET', '/api/v1/audit-log?limit=3', { token: w.admin });
    expect(first.body.data).toHaveLength(3);
    const next = await t.call('GET', `/api/v1/audit-log?limit=3&cursor=${first.body.next_cursor}`, { token: w.admin });
    expect(next.body.data[0].id).toBeLessThan(first.body.data[2].id);
    const prefix = await t.call('GET', '/api/v1/audit-log?action=partners.*&limit=500', { token: w.admin });
    expect(prefix.body.data.every((e: any) => e.action.startsWith('partners.'))).toBe(true);
    const future = await t.call('GET', '/api/v1/audit-log?from=2999-01-01', { token: w.admin });
    expect(future.body.data).toEqual([]);
    const reader = await t.token(['read:all']);
    const csv = await t.call('GET', `/api/v1/audit-log.csv?subject_id=${w.b.partner_id}`, { token: reader });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('id,at,actor,action,subject_type,subject_id,ip,before,after');
    expect(csv.text).toContain('partners.update');
    expect((await t.call('GET', '/api/v1/audit-log', { token: await t.token(['partners:read']) })).status).toBe(403);
    for (const q of ['limit=0', 'limit=501', 'from=yesterday', 'cursor=%%%', 'bogus=1', 'from=2026-02-31'])
      expect((await t.call('GET', `/api/v1/audit-log?${q}`, { token: w.admin })).status, q).toBeGreaterThanOrEqual(400);
  });

  it('writes partner and plan changes once, in their own transaction, with the exact before and after', async () => {
    const made = await t.call('POST', '/api/v1/partners', { token: w.admin, body: { name: 'Once Audited', affiliate_id: 'ONCE-AUD' } });
    const id = made.body.partner_id;
    await t.call('PATCH', `/api/v1/partners/${id}`, { token: w.admin, body: { name: 'Once Audited Ltd' } });
    await t.call('PATCH', `/api/v1/partners/${id}`, { token: w.admin, body: { name: 'Once Audited Ltd' } }); // no change: no entry
    await t.call('POST', `/api/v1/partners/${id}/suspend`, { token: w.admin, body: { reason: 'audit' } });
    const plan = { name: 'Once plan', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '5' }] }] };
    await t.call('POST', '/api/v1/plans', { token: w.admin, body: { plan_id: 'once-plan', ...plan } });
    const put = await t.call('PUT', '/api/v1/plans/once-plan', { token: w.admin, body: { ...plan, plan_id: 'once-plan', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7' }] }], effective_from: '2026-06-01' } });
    expect(put.status, put.text).toBe(200);
    const entries = await t.server.ctx.db.query<{ action: string; before: any; after: any }>(
      `SELECT action, before, after FROM audit_log WHERE subject_id IN ($1, 'once-plan') ORDER BY id`,
      [id],
    );
    expect(entries.map((e) => e.action)).toEqual(['partners.create', 'partners.update', 'partners.suspend', 'plans.create', 'plans.replace']);
    expect(entries[1].before).toMatchObject({ name: 'Once Audited' });
    expect(entries[1].after).toMatchObject({ name: 'Once Audited Ltd', changed: ['name'] });
    expect(entries[2]).toMatchObject({ before: { status: 'active' }, after: { status: 'suspended', reason: 'audit' } });
    expect(JSON.stringify(entries[4].before)).toContain('"rate":"5"');
    expect(JSON.stringify(entries[4].after)).toContain('"rate":"7"');
  });

  it('logs pii.read when broker staff read customers, not when partners do', async () => {
    const res = await t.call('GET', '/api/v1/forex/customers', { token: w.admin });
    expect(res.status).toBe(200);
    const log = await t.call('GET', '/api/v1/audit-log?action=pii.read', { token: w.admin });
    expect(log.body.data[0].after.customer_ids).toContain(B_MARKERS.customer);
    const before = log.body.data.length;
    // A partner reading its own customers sees masked data: no pii.read entry.
    const partner = await t.token(['reports:read'], w.ids.B);
    expect((await t.call('GET', `/api/v1/reports/partners/${w.ids.B}/customers`, { token: partner })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/audit-log?action=pii.read', { token: w.admin })).body.data.length).toBe(before);
    expect((await t.call('GET', '/api/v1/forex/customers?per_page=10', { token: w.admin })).status).toBe(200);
    const after = (await t.call('GET', '/api/v1/audit-log?action=pii.read', { token: w.admin })).body.data;
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ actor: expect.stringMatching(/^oc_/), ip: expect.any(String), subject_type: 'customers' });
  });

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await expect(t.server.ctx.db.query(`UPDATE audit_log SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(t.server.ctx.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { payoutSteps } from '../payouts/test-support.ts';
import { verifyPartner, W8BEN, W9 } from './test-support.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_PUBLIC_REGISTER: '1' });
  admin = await t.token(['admin']);
});
afterAll(() => t.stop());

const partner = async (name: string, extra: Record<string, unknown> = {}) => {
  const id = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name, ...extra } })).body.partner_id as string;
  return { id, token: await t.token(['partners:read', 'partners:write'], id) };
};

describe('partner terms', () => {
  it('versions per programme and language; the partner accepts the current version in its language, recorded with who, when and IP', async () => {
    const publish = (body: Record<string, unknown>) => t.call('POST', '/api/v1/compliance/terms', { token: admin, body: { programme_id: 'default', title: 'Agreement', body: 'Text', ...body } });
    expect((await publish({ language: 'en', body: 'v1 english' })).body.data).toMatchObject({ version: 1, language: 'en' });
    expect((await publish({ language: 'es', version: 1, body: 'v1 español' })).status).toBe(201);
    // Published terms never change; an older version cannot be made up later.
    expect((await publish({ language: 'es', version: 1 })).status).toBe(409);
    expect((await publish({ language: 'en', version: 2, body: 'v2 english' })).status).toBe(201);
    expect((await publish({ language: 'de', version: 1 })).status).toBe(422);
    expect((await publish({ language: 'english' })).status).toBe(422);
    expect((await publish({ language: 'en', programme_id: 'nope' })).status).toBe(422);
    const partnerToken = await t.token(['partners:read', 'partners:write'], (await partner('Temp')).id);
    expect((await t.call('POST', '/api/v1/compliance/terms', { token: partnerToken, body: { programme_id: 'default', language: 'en', title: 'x', body: 'y' } })).status).toBe(403);

    const es = await partner('Socio');
    await t.call('PATCH', `/api/v1/partners/${es.id}/compliance`, { token: es.token, body: { language: 'es' } });
    // v2 has no Spanish text yet: the partner reads it in English.
    const terms = (await t.call('GET', `/api/v1/partners/${es.id}/terms`, { token: es.token })).body.data;
    expect(terms).toMatchObject({ needs_acceptance: true, accepted_version: null, current: { version: 2, language: 'en', body: 'v2 english' } });
    expect((await publish({ language: 'es', version: 2, body: 'v2 español' })).status).toBe(201);
    expect((await t.call('GET', `/api/v1/partners/${es.id}/terms`, { token: es.token })).body.data.current).toMatchObject({ version: 2, language: 'es' });

    const outdated = await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: es.token, body: { version: 1 } });
    expect(outdated.status).toBe(409);
    expect(outdated.body.error.code).toBe('terms_outdated');
    expect((await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: es.token, body: { version: 99 } })).status).toBe(409);
    expect((await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: es.token, body: { version: '2; DROP' } })).status).toBe(422);
    // Only the partner itself accepts: not the broker, not another partner.
    expect((await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: admin, body: { version: 2 } })).status).toBe(403);
    const other = await partner('Other');
    expect((await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: other.token, body: { version: 2 } })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${es.id}/terms`, { token: other.token })).status).toBe(404);

    const ok = await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: es.token, body: { version: 2 }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ needs_acceptance: false, accepted_version: 2 });
    expect((await t.call('POST', `/api/v1/partners/${es.id}/terms/accept`, { token: es.token, body: { version: 2 } })).status).toBe(200);
    const rows = await t.server.ctx.db.query<{ version: number; language: string; accepted_by: string; ip: string; accepted_at: string }>('SELECT version, language, accepted_by, ip, accepted_at FROM partner_terms_acceptances WHERE partner_id = $1', [es.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: 2, language: 'es', ip: '127.0.0.1' });
    expect(rows[0].accepted_by).toBeTruthy();
    expect(rows[0].accepted_at).toBeTruthy();
  });
});

describe('tax forms', () => {
  it('a W-8BEN is validated, signed with the typed name, date and IP, sealed at rest and shown with the TIN masked', async () => {
    const p = await partner('Maria');
    expect((await t.call('GET', `/api/v1/partners/${p.id}/tax-form`, { token: p.token })).body.data).toBeNull();
    const res = await t.call('POST', `/api/v1/partners/${p.id}/tax-form`, { token: p.token, body: W8BEN });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ form_type: 'W-8BEN', us_person: false, data: { name: 'Maria Lopez', foreign_tin: '••••567Z' }, signature: { typed_name: 'Maria Lopez', ip: '127.0.0.1' } });
    expect(res.body.data.signature.signed_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const [row] = await t.server.ctx.db.query<{ data_sealed: string; signature_name_sealed: string }>('SELECT data_sealed, signature_name_sealed FROM partner_tax_forms WHERE partner_id = $1', [p.id]);
    expect(row.data_sealed).toMatch(/^enc:v1:/);
    expect(row.data_sealed + row.signature_name_sealed).not.toContain('Maria');
    expect(JSON.stringify(await t.server.ctx.db.query(`SELECT after FROM audit_log WHERE subject_id = $1`, [p.id]))).not.toContain('X1234567Z');
    expect((await t.call('GET', `/api/v1/partners/${p.id}/tax-form`, { token: p.token })).body.data.data.foreign_tin).toBe('••••567Z');
    // A retry with the same Idempotency-Key answers the first form and files nothing new.
    const key = { 'idempotency-key': `w8-${p.id}` };
    const first = await t.call('POST', `/api/v1/partners/${p.id}/tax-form`, { token: p.token, body: W8BEN, headers: key });
    const again = await t.call('POST', `/api/v1/partners/${p.id}/tax-form`, { token: p.token, body: W8BEN, headers: key });
    expect(again.body.data.form_id).toBe(first.body.data.form_id);
    expect(await t.server.ctx.db.query('SELECT form_id FROM partner_tax_forms WHERE partner_id = $1', [p.id])).toHaveLength(2);
  });

  it('refuses incomplete, inconsistent and unsigned forms, storing nothing', async () => {
    const p = await partner('Refused');
    const bad: unknown[] = [
      { ...W8BEN, form_type: 'W-4' },
      { ...W8BEN, data: { ...W8BEN.data, country: 'US' } },
      { ...W8BEN, data: { ...W8BEN.data, date_of_birth: 'yesterday' } },
      { ...W8BEN, data: { ...W8BEN.data, ssn: '123' } },
      { ...W8BEN, data: { name: 'Maria Lopez' } },
      { ...W8BEN, signature: { typed_name: 'Someone Else', certify: true } },
      { ...W8BEN, signature: { typed_name: 'Maria Lopez', certify: false } },
      { ...W8BEN, signature: { typed_name: '', certify: true } },
      { ...W9, data: { ...W9.data, tin: '12345' } },
      { ...W9, data: { ...W9.data, tin_type: 'passport' } },
      { ...W9, data: { ...W9.data, name: 'John\u0000Carter' } },
      { ...W9, status: 'approved' },
    ];
    for (const body of bad) {
      const res = await t.call('POST', `/api/v1/partners/${p.id}/tax-form`, { token: p.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const other = await partner('Nosy');
    expect((await t.call('POST', `/api/v1/partners/${p.id}/tax-form`, { token: other.token, body: W8BEN })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${p.id}/tax-form`, { token: other.token })).status).toBe(404);
    expect(await t.server.ctx.db.query('SELECT 1 FROM partner_tax_forms WHERE partner_id = $1', [p.id])).toEqual([]);
  });

  it('the 1099-NEC summary lists US payees (W-9) paid $600 or more in the year, as CSV', async () => {
    const steps = payoutSteps(t, admin);
    const us = await steps.earner('USBIG', '100');
    const small = await steps.earner('USSMALL', '10');
    const foreign = await steps.earner('FOREIGN', '100');
    for (const [id, form] of [[us, W9], [small, { ...W9, data: { ...W9.data, name: 'Amy Small', tin: '98-7654321', tin_type: 'ein' }, signature: { typed_name: 'Amy Small', certify: true } }], [foreign, W8BEN]] as const) {
      const token = await t.token(['partners:read', 'partners:write'], id);
      expect((await t.call('POST', `/api/v1/partners/${id}/tax-form`, { token, body: form })).status).toBe(201);
    }
    for (const a of ['USBIG', 'USSMALL', 'FOREIGN']) await steps.lots(a, '7', '2026-03-05');
    await steps.run();
    await steps.close('2026-03');
    const run = await steps.payoutRun('2026-03');
    for (const id of [us, small, foreign]) {
      const s = steps.statementOf(run, id)!;
      expect((await steps.act(s.statement_id, 'approve')).status).toBe(200);
      expect((await steps.act(s.statement_id, 'pay', { reference: `W-${id}`, paid_on: '2026-04-10' })).status).toBe(200);
    }
    const json = await t.call('GET', '/api/v1/compliance/tax/1099-nec?year=2026&format=json', { token: admin });
    expect(json.body.data).toEqual([
      { partner_id: us, name: 'John Carter', business_name: '', tin_type: 'ssn', tin: '123456789', address: '1 Main St', city_state_zip: 'Austin, TX 78701', amount_usd: '700.00', statements: 1 },
    ]);
    const csv = await t.call('GET', '/api/v1/compliance/tax/1099-nec?year=2026', { token: admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('partner_id,name,business_name,tin_type,tin,address,city_state_zip,amount_usd,statements');
    expect(csv.text).toContain('700.00');
    expect((await t.call('GET', '/api/v1/compliance/tax/1099-nec?year=2025&format=json', { token: admin })).body.data).toEqual([]);
    expect((await t.call('GET', '/api/v1/compliance/tax/1099-nec?year=1066', { token: admin })).status).toBe(400);
    const partnerToken = await t.token(['partners:read', 'partners:write'], us);
    expect((await t.call('GET', '/api/v1/compliance/tax/1099-nec?year=2026', { token: partnerToken })).status).toBe(403);
  });
});

describe('public affiliate register', () => {
  it('lists approved partners (by name only with consent) and terminated ones with their end date, without authentication', async () => {
    const named = await partner('Named Partner Ltd', { country: 'CY' });
    const anonymous = await partner('Quiet Partner', { country: 'GR' });
    const unverified = await partner('Unverified Partner');
    await verifyPartner(t, admin, named.id);
    await verifyPartner(t, admin, anonymous.id);
    expect((await t.call('PATCH', `/api/v1/partners/${named.id}/compliance`, { token: named.token, body: { register_consent: true } })).status).toBe(200);
    const feed = await t.call('GET', '/register.json');
    expect(feed.status).toBe(200);
    const names = feed.body.current.map((e: any) => e.name);
    expect(names).toContain('Named Partner Ltd');
    expect(names).not.toContain('Quiet Partner');
    expect(names.some((n: string) => /^Partner /.test(n))).toBe(true);
    expect(JSON.stringify(feed.body)).not.toContain('Unverified');
    expect(feed.body.current.find((e: any) => e.name === 'Named Partner Ltd')).toMatchObject({ country: 'CY', until: null, status: 'current' });

    const term = await t.call('POST', `/api/v1/partners/${named.id}/terminate`, { token: admin, body: { reason: 'Misleading promotions', on: '2026-11-30' } });
    expect(term.status).toBe(200);
    expect((await t.call('POST', `/api/v1/partners/${named.id}/terminate`, { token: admin, body: { reason: 'again' } })).status).toBe(409);
    expect((await t.call('POST', `/api/v1/partners/${unverified.id}/terminate`, { token: named.token, body: { reason: 'x' } })).status).toBe(403);
    const after = (await t.call('GET', '/register.json')).body;
    expect(after.current.map((e: any) => e.name)).not.toContain('Named Partner Ltd');
    expect(after.terminated).toEqual([expect.objectContaining({ name: 'Named Partner Ltd', until: '2026-11-30', status: 'terminated' })]);
    expect((await t.call('GET', `/api/v1/partners/${named.id}`, { token: admin })).body.status).toBe('suspended');
    const html = await fetch(`${t.url}/register`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toContain('Named Partner Ltd');
    expect(page).toContain('2026-11-30');
  });

  it('answers 404 when the broker has not published it', async () => {
    await t.restart({ OPENIB_PUBLIC_REGISTER: '0' });
    expect((await t.call('GET', '/register.json')).status).toBe(404);
    expect((await fetch(`${t.url}/register`)).status).toBe(404);
  });
});

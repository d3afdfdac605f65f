import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { createClient } from '../auth/clients.ts';

let t: TestServer;
let admin: string;
let b: ReturnType<typeof brokerSteps>;
let ib: string;
let other: string;
let ibToken: string;
let otherToken: string;

/** A PNG header of the given size (enough for type and size checks). */
const png = (width: number, height: number) => {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]).toString('base64');
};
const pdf = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n').toString('base64');

async function partnerToken(partnerId: string) {
  const client = await createClient(t.server.ctx.db, { name: `portal ${partnerId}`, scopes: ['partners:read', 'partners:write'], partnerId });
  const res = await t.call('POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret } });
  return res.body.access_token as string;
}

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  b = brokerSteps(t, admin);
  ib = await b.partner('IB-MKT');
  other = await b.partner('IB-MKT-OTHER');
  ibToken = await partnerToken(ib);
  otherToken = await partnerToken(other);
});
afterAll(() => t.stop());

const material = (body: Record<string, unknown>) => t.call('POST', '/api/v1/marketing/materials', { token: admin, body });

describe('the broker\'s marketing library', () => {
  let banner: { material_id: string; file_url: string };
  let textMaterial: { material_id: string };
  beforeAll(async () => {
    const created = await material({ kind: 'banner', title: 'Spring 728×90', language: 'en', countries: ['GB', 'DE'], destination_url: 'https://broker.example/register', file: { content_base64: png(728, 90), file_name: 'spring.png', content_type: 'image/png' } });
    expect(created.status, created.text).toBe(201);
    banner = created.body;
    expect(created.body).toMatchObject({ kind: 'banner', width: 728, height: 90, content_type: 'image/png', file_size: 33, countries: ['GB', 'DE'] });
    textMaterial = (await material({ kind: 'text', title: 'Regulated broker', language: 'en', destination_url: 'https://broker.example/register', body: 'Trade with a regulated broker: {tracking_link}' })).body;
    expect((await material({ kind: 'landing_page', title: 'Página', language: 'es', countries: ['ES'], destination_url: 'https://broker.example/es/' })).status).toBe(201);
  });

  it('serves the banner image publicly while the material is active', async () => {
    expect(banner.file_url).toMatch(new RegExp(`/marketing/files/${banner.material_id}$`));
    const res = await fetch(`${t.url}/marketing/files/${banner.material_id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).toString('base64')).toBe(png(728, 90));
  });

  it('lists to a partner the active materials for its language and country', async () => {
    const gb = await t.call('GET', `/api/v1/partners/${ib}/marketing/materials?language=en&country=GB`, { token: ibToken });
    expect(gb.body.data.map((m: { title: string }) => m.title).sort()).toEqual(['Regulated broker', 'Spring 728×90']);
    const fr = await t.call('GET', `/api/v1/partners/${ib}/marketing/materials?language=en&country=FR`, { token: ibToken });
    expect(fr.body.data.map((m: { title: string }) => m.title)).toEqual(['Regulated broker']);
    expect((await t.call('GET', `/api/v1/partners/${other}/marketing/materials`, { token: ibToken })).status).toBe(404);
  });

  it('embeds the partner\'s own tracking link: one link per partner and material, leading to the destination', async () => {
    const used = await t.call('POST', `/api/v1/partners/${ib}/marketing/materials/${banner.material_id}/use`, { token: ibToken });
    expect(used.status, used.text).toBe(200);
    expect(used.body.tracking_link).toMatch(/\/l\/[a-z0-9]+$/);
    expect(used.body.snippet).toBe(`<a href="${used.body.tracking_link}" rel="sponsored"><img src="${banner.file_url}" alt="Spring 728×90" width="728" height="90"></a>`);
    const again = await t.call('POST', `/api/v1/partners/${ib}/marketing/materials/${banner.material_id}/use`, { token: ibToken });
    expect(again.body.link_id).toBe(used.body.link_id);
    const link = await t.call('GET', `/api/v1/links/${used.body.link_id}`, { token: ibToken });
    expect(link.body).toMatchObject({ partner_id: ib, destination_url: 'https://broker.example/register', campaign_id: `material:${banner.material_id}` });
    const text = await t.call('POST', `/api/v1/partners/${other}/marketing/materials/${textMaterial.material_id}/use`, { token: otherToken });
    expect(text.body.snippet).toBe(`Trade with a regulated broker: ${text.body.tracking_link}`);
    expect(text.body.tracking_link).not.toBe(used.body.tracking_link);
  });

  it.each([
    ['a text file called a PNG', { kind: 'banner', file: { content_base64: Buffer.from('hello').toString('base64'), file_name: 'x.png', content_type: 'image/png' } }, 'file.content_base64'],
    ['a PDF as a banner', { kind: 'banner', file: { content_base64: pdf, file_name: 'x.pdf' } }, 'file.content_base64'],
    ['a PNG declared as JPEG', { kind: 'banner', file: { content_base64: png(1, 1), file_name: 'x.jpg', content_type: 'image/jpeg' } }, 'file.content_type'],
    ['a file over 5 MB', { kind: 'banner', file: { content_base64: Buffer.concat([Buffer.from(png(1, 1), 'base64'), Buffer.alloc(5 * 1024 * 1024)]).toString('base64'), file_name: 'big.png' } }, 'file.content_base64'],
    ['broken base64', { kind: 'banner', file: { content_base64: 'not base64!', file_name: 'x.png' } }, 'file.content_base64'],
    ['a banner without its image', { kind: 'banner' }, 'file'],
    ['a text without a body', { kind: 'text' }, 'body'],
    ['a javascript: destination', { kind: 'text', body: 'x', destination_url: 'javascript:alert(1)' }, 'destination_url'],
    ['an unknown country', { kind: 'text', body: 'x', countries: ['XX'] }, 'countries[0]'],
    ['a direction override in the body', { kind: 'text', body: 'click \u202e here' }, 'body'],
  ])('refuses %s with 422 and stores nothing', async (_, extra, field) => {
    const before = (await t.call('GET', '/api/v1/marketing/materials', { token: admin })).body.data.length;
    const res = await material({ title: 'Bad', language: 'en', destination_url: 'https://broker.example/', ...extra });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await t.call('GET', '/api/v1/marketing/materials', { token: admin })).body.data.length).toBe(before);
  });

  it('archives a material: partners no longer see it and its image is gone; audited', async () => {
    const archived = await t.call('POST', `/api/v1/marketing/materials/${banner.material_id}/archive`, { token: admin, body: {} });
    expect(archived.body.status).toBe('archived');
    expect((await fetch(`${t.url}/marketing/files/${banner.material_id}`)).status).toBe(404);
    expect((await t.call('POST', `/api/v1/partners/${ib}/marketing/materials/${banner.material_id}/use`, { token: ibToken })).status).toBe(404);
    expect((await t.call('POST', '/api/v1/marketing/materials', { token: ibToken, body: { kind: 'text', title: 'x', language: 'en', destination_url: 'https://x.example/', body: 'x' } })).status).toBe(403);
    const audit = (await t.call('GET', `/api/v1/audit-log?subject_type=marketing_materials&subject_id=${banner.material_id}`, { token: admin })).body.data;
    expect(audit.map((a: { action: string }) => a.action).sort()).toEqual(['marketing_materials.archive', 'marketing_materials.create']);
  });
});

describe('partners\' promotions for approval', () => {
  const submit = (partnerId: string, body: Record<string, unknown>, token = ibToken, headers: Record<string, string> = {}) =>
    t.call('POST', `/api/v1/partners/${partnerId}/marketing/submissions`, { token, body, headers });

  it('goes pending → approved → withdrawn, every step audited and in the regulator\'s CSV', async () => {
    const s = await submit(ib, { kind: 'url', title: 'My review page', url: 'https://ib.example/review' }, ibToken, { 'idempotency-key': 'sub-1' });
    expect(s.status, s.text).toBe(201);
    expect(s.body).toMatchObject({ status: 'pending', partner_id: ib, url: 'https://ib.example/review' });
    const retried = await submit(ib, { kind: 'url', title: 'My review page', url: 'https://ib.example/review' }, ibToken, { 'idempotency-key': 'sub-1' });
    expect(retried.body.submission_id).toBe(s.body.submission_id);
    const id = s.body.submission_id;
    expect((await t.call('POST', `/api/v1/marketing/submissions/${id}/approve`, { token: ibToken, body: {} })).status).toBe(403);
    const approved = await t.call('POST', `/api/v1/marketing/submissions/${id}/approve`, { token: admin, body: { reason: 'Risk warning present' } });
    expect(approved.body).toMatchObject({ status: 'approved', reason: 'Risk warning present', reviewed_by: expect.any(String) });
    expect((await t.call('POST', `/api/v1/marketing/submissions/${id}/reject`, { token: admin, body: { reason: 'late' } })).status).toBe(409);
    const withdrawn = await t.call('POST', `/api/v1/marketing/submissions/${id}/withdraw`, { token: ibToken, body: {} });
    expect(withdrawn.body.status).toBe('withdrawn');
    const audit = (await t.call('GET', `/api/v1/audit-log?subject_type=marketing_submissions&subject_id=${id}`, { token: admin })).body.data;
    expect(audit.map((a: { action: string }) => a.action).sort()).toEqual(['marketing_submissions.approve', 'marketing_submissions.create', 'marketing_submissions.withdraw']);
    const csv = await t.call('GET', '/api/v1/marketing/submissions.csv', { token: admin });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\n').filter((l) => l.startsWith(id));
    const step = csv.text.split('\n')[0].split(',').indexOf('step');
    expect(lines.map((l) => l.split(',')[step])).toEqual(['pending', 'approved', 'withdrawn']);
    expect(csv.text.split('\n')[0]).toBe('submission_id,partner_id,partner_name,kind,title,url,file_name,file_sha256,submitted_at,step,step_at,step_by,step_reason,current_status');
  });

  it('rejects with a reason, which is required', async () => {
    const s = await submit(ib, { kind: 'screenshot', title: 'Instagram post', file: { content_base64: png(1080, 1080), file_name: 'post.png' } });
    expect(s.body).toMatchObject({ kind: 'screenshot', content_type: 'image/png', file_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await t.call('POST', `/api/v1/marketing/submissions/${s.body.submission_id}/reject`, { token: admin, body: {} })).status).toBe(422);
    const rejected = await t.call('POST', `/api/v1/marketing/submissions/${s.body.submission_id}/reject`, { token: admin, body: { reason: 'No risk warning' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'No risk warning' });
    const file = await t.call('GET', `/api/v1/marketing/submissions/${s.body.submission_id}/file`, { token: admin });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
  });

  it('refuses bad input and forged statuses, and hides other partners\' promotions (404)', async () => {
    expect((await submit(ib, { kind: 'screenshot', title: 'PDF as screenshot', file: { content_base64: pdf, file_name: 'x.pdf' } })).status).toBe(422);
    expect((await submit(ib, { kind: 'file', title: 'exe', file: { content_base64: Buffer.from('MZ\x90\x00').toString('base64'), file_name: 'setup.exe' } })).status).toBe(422);
    expect((await submit(ib, { kind: 'url', title: 'no url' })).status).toBe(422);
    expect((await submit(ib, { kind: 'url', title: 'forged', url: 'https://ib.example/', status: 'approved' })).status).toBe(422);
    expect((await submit(ib, { kind: 'url', title: 'ftp', url: 'ftp://ib.example/' })).status).toBe(422);
    const theirs = await submit(other, { kind: 'file', title: 'Flyer', file: { content_base64: pdf, file_name: 'flyer.pdf' } }, otherToken);
    expect(theirs.status, theirs.text).toBe(201);
    const id = theirs.body.submission_id;
    expect((await submit(other, { kind: 'url', title: 'x', url: 'https://x.example/' })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/marketing/submissions/${id}`, { token: ibToken })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/marketing/submissions/${id}/file`, { token: ibToken })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/marketing/submissions/${id}/withdraw`, { token: ibToken, body: {} })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${other}/marketing/submissions`, { token: ibToken })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/marketing/submissions', { token: ibToken })).status).toBe(403);
    const mine = await t.call('GET', `/api/v1/partners/${ib}/marketing/submissions`, { token: ibToken });
    expect(mine.body.data.every((s: { partner_id: string }) => s.partner_id === ib)).toBe(true);
    const got = await t.call('GET', `/api/v1/marketing/submissions/${id}`, { token: otherToken });
    expect(got.body.history.map((h: { status: string }) => h.status)).toEqual(['pending']);
  });
});

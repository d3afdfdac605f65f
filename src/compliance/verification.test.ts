import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { installDocumentScanner } from './documents.ts';
import { AppError } from '../shared/errors.ts';
import { expireVerifications } from './verification.ts';
import { DETAILS, PDF, PNG, uploadDocument } from './test-support.ts';

let t: TestServer;
let admin: string;
let a: string;
let b: string;
let own: string;
let other: string;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMPLIANCE_DOCUMENT_MAX_BYTES: '4096' });
  admin = await t.token(['admin']);
  a = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Gulf Traders' } })).body.partner_id;
  b = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Other IB', parent_id: a } })).body.partner_id;
  own = await t.token(['partners:read', 'partners:write'], a);
  other = await t.token(['partners:read', 'partners:write'], b);
});
afterAll(() => t.stop());

const v = (id: string) => `/api/v1/partners/${id}/verification`;

describe('partner verification', () => {
  it('not started at first; details and documents are stored sealed; submit → request more → submit → approve, each audited with an event', async () => {
    expect((await t.call('GET', v(a), { token: own })).body.data).toMatchObject({ status: 'not_started', details: null, documents: [] });
    // Submitting with nothing filled in says what is missing.
    const early = await t.call('POST', `${v(a)}/submit`, { token: own });
    expect(early.status).toBe(422);
    expect(early.body.error.details.map((d: any) => d.field)).toEqual(['details', 'documents']);
    expect((await t.call('PUT', v(a), { token: own, body: DETAILS })).status).toBe(200);
    const up = await uploadDocument(t, own, a, { bytes: PNG, type: 'image/png', name: 'passport.png' }, { kind: 'id', expires_on: '2099-01-31' });
    expect(up.status).toBe(201);
    expect(up.body.data).toMatchObject({ kind: 'id', content_type: 'image/png', size_bytes: PNG.length, file_name: 'passport.png', expires_on: '2099-01-31' });
    // A company needs its company documents too.
    const noCompanyDocs = await t.call('POST', `${v(a)}/submit`, { token: own });
    expect(noCompanyDocs.status).toBe(422);
    expect(noCompanyDocs.body.error.details[0].reason).toMatch(/company documents/);
    expect((await uploadDocument(t, own, a, { bytes: PDF, type: 'application/pdf', name: 'incorporation.pdf' }, { kind: 'company' })).status).toBe(201);
    const [sealed] = await t.server.ctx.db.query<{ details_sealed: string }>('SELECT details_sealed FROM partner_verifications WHERE partner_id = $1', [a]);
    expect(sealed.details_sealed).toMatch(/^enc:v1:/);
    expect(sealed.details_sealed).not.toContain('Omar');
    const [doc] = await t.server.ctx.db.query<{ content_sealed: string }>(`SELECT content_sealed FROM partner_documents WHERE partner_id = $1 AND kind = 'company'`, [a]);
    expect(doc.content_sealed).toMatch(/^enc:v1:/);
    expect(Buffer.from(doc.content_sealed).includes('%PDF')).toBe(false);

    expect((await t.call('POST', `${v(a)}/submit`, { token: own })).body.data.status).toBe('submitted');
    // Under review: the partner can neither change details nor add documents.
    expect((await t.call('PUT', v(a), { token: own, body: DETAILS })).status).toBe(409);
    expect((await uploadDocument(t, own, a, { bytes: PNG, type: 'image/png' }, { kind: 'proof_of_address' })).status).toBe(409);

    const more = await t.call('POST', `${v(a)}/review`, { token: admin, body: { action: 'request_more', reason: 'Add a proof of address from the last three months.' } });
    expect(more.status).toBe(200);
    expect(more.body.data).toMatchObject({ status: 'more_requested', requested: 'Add a proof of address from the last three months.' });
    expect((await uploadDocument(t, own, a, { bytes: PDF, type: 'application/pdf' }, { kind: 'proof_of_address' })).status).toBe(201);
    expect((await t.call('POST', `${v(a)}/submit`, { token: own })).body.data.status).toBe('submitted');
    const approved = await t.call('POST', `${v(a)}/review`, { token: admin, body: { action: 'approve' } });
    expect(approved.body.data).toMatchObject({ status: 'approved', expires_on: '2099-01-31', requested: null });
    expect(approved.body.data.approved_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const events = (await t.call('GET', '/api/v1/events?type=partner.verification_changed&limit=50', { token: admin })).body.data.filter((e: any) => e.subject_id === a);
    expect(events.map((e: any) => `${e.data.from}→${e.data.to}`)).toEqual(['not_started→submitted', 'submitted→more_requested', 'more_requested→submitted', 'submitted→approved']);
    const audit = await t.server.ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_id = $1 AND action LIKE 'partner.%' ORDER BY id`, [a]);
    expect(audit.map((r) => r.action)).toEqual([
      'partner.verification.details', 'partner.document.upload', 'partner.document.upload', 'partner.verification.submitted',
      'partner.verification.more_requested', 'partner.document.upload', 'partner.verification.submitted', 'partner.verification.approved',
    ]);
    expect(JSON.stringify(await t.server.ctx.db.query('SELECT before, after FROM audit_log WHERE subject_id = $1', [a]))).not.toContain('Omar');
  });

  it('the partner downloads its own documents; another partner, even its upline or downline, gets 404', async () => {
    const docs = (await t.call('GET', v(a), { token: own })).body.data.documents;
    const id = docs.find((d: any) => d.kind === 'id').document_id;
    const res = await fetch(`${t.url}${v(a)}/documents/${id}`, { headers: { authorization: `Bearer ${own}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await t.call('GET', `${v(a)}/documents/${id}`, { token: other })).status).toBe(404);
    expect((await t.call('GET', v(a), { token: other })).status).toBe(404);
    // b's own path with a's document id: not b's document.
    expect((await t.call('GET', `${v(b)}/documents/${id}`, { token: other })).status).toBe(404);
    expect((await t.call('GET', `${v(b)}/documents/not-a-uuid`, { token: other })).status).toBe(404);
    expect((await uploadDocument(t, other, a, { bytes: PNG, type: 'image/png' })).status).toBe(404);
    // Staff reading a document is audited.
    expect((await fetch(`${t.url}${v(a)}/documents/${id}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    const [read] = await t.server.ctx.db.query(`SELECT 1 FROM audit_log WHERE action = 'partner.document.read' AND subject_id = $1`, [a]);
    expect(read).toBeDefined();
  });

  it('refuses wrong file types by content, oversized uploads, bad kinds and dates, and stores nothing', async () => {
    const before = await t.server.ctx.db.query('SELECT count(*)::int AS n FROM partner_documents WHERE partner_id = $1', [b]);
    const text = Buffer.from('just some text pretending to be a PDF');
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)]);
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1');
    expect((await uploadDocument(t, other, b, { bytes: text, type: 'application/pdf', name: 'fake.pdf' })).status).toBe(415);
    expect((await uploadDocument(t, other, b, { bytes: exe, type: 'image/png', name: 'photo.png' })).status).toBe(415);
    const g = await uploadDocument(t, other, b, { bytes: gif, type: 'image/gif' });
    expect(g.status).toBe(415);
    expect(g.body.error.code).toBe('unsupported_document_type');
    // A real PNG declared as a PDF is refused too: the declared type must match the content.
    expect((await uploadDocument(t, other, b, { bytes: PNG, type: 'application/pdf' })).status).toBe(415);
    const big = Buffer.concat([PDF, Buffer.alloc(5000, 32)]);
    const tooBig = await uploadDocument(t, other, b, { bytes: big, type: 'application/pdf' });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    expect((await uploadDocument(t, other, b, { bytes: PNG, type: 'image/png' }, { kind: 'selfie' })).status).toBe(422);
    expect((await uploadDocument(t, other, b, { bytes: PNG, type: 'image/png' }, { kind: 'id', expires_on: '2001-01-01' })).status).toBe(422);
    expect((await uploadDocument(t, other, b, { bytes: PNG, type: 'image/png' }, { kind: 'id', expires_on: 'soon' })).status).toBe(422);
    const json = await t.call('POST', `${v(b)}/documents`, { token: other, body: { kind: 'id' } });
    expect(json.status).toBe(415);
    const after = await t.server.ctx.db.query('SELECT count(*)::int AS n FROM partner_documents WHERE partner_id = $1', [b]);
    expect(after).toEqual(before);
  });

  it('an installed virus scanner sees each upload first and can refuse it', async () => {
    const seen: string[] = [];
    installDocumentScanner(async (bytes, type) => {
      seen.push(type);
      if (bytes.includes('EICAR')) throw new AppError(422, 'document_infected', 'The file contains malware.');
    });
    try {
      const infected = Buffer.concat([PDF, Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')]);
      const res = await uploadDocument(t, other, b, { bytes: infected, type: 'application/pdf' }, { kind: 'other' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('document_infected');
      expect((await uploadDocument(t, other, b, { bytes: PDF, type: 'application/pdf' }, { kind: 'other' })).status).toBe(201);
      expect(seen).toEqual(['application/pdf', 'application/pdf']);
    } finally {
      installDocumentScanner(undefined);
    }
  });

  it('forged statuses and partner self-review are refused; reviews need a reason and a submitted verification', async () => {
    expect((await t.call('PUT', v(b), { token: other, body: { ...DETAILS, status: 'approved' } })).status).toBe(422);
    expect((await t.call('POST', `${v(b)}/review`, { token: other, body: { action: 'approve' } })).status).toBe(403);
    expect((await t.call('POST', `${v(b)}/review`, { token: admin, body: { action: 'approve' } })).status).toBe(409);
    expect((await t.call('POST', `${v(b)}/review`, { token: admin, body: { action: 'ok' } })).status).toBe(422);
    for (const bad of [
      { ...DETAILS, country: 'Narnia' },
      { ...DETAILS, legal_name: 'Bad\u0000Name' },
      { ...DETAILS, legal_name: 'Spoof\u202eeman' },
      { ...DETAILS, entity_type: 'company', registration_number: undefined },
      { ...DETAILS, people: [] },
      { ...DETAILS, people: [{ name: 'X', role: 'owner', date_of_birth: '1980-13-45' }] },
    ]) {
      const res = await t.call('PUT', v(b), { token: other, body: bad });
      expect(res.status).toBe(422);
    }
    expect((await t.call('GET', v(b), { token: other })).body.data.details).toBeNull();
    // Rejecting needs a reason.
    await t.call('PUT', v(b), { token: other, body: { ...DETAILS, entity_type: 'individual', registration_number: undefined } });
    expect((await uploadDocument(t, other, b, { bytes: PNG, type: 'image/png' }, { kind: 'id', expires_on: '2030-06-30' })).status).toBe(201);
    expect((await t.call('POST', `${v(b)}/submit`, { token: other })).status).toBe(200);
    expect((await t.call('POST', `${v(b)}/review`, { token: admin, body: { action: 'reject' } })).status).toBe(422);
    const rejected = await t.call('POST', `${v(b)}/review`, { token: admin, body: { action: 'reject', reason: 'The ID is unreadable.' } });
    expect(rejected.body.data).toMatchObject({ status: 'rejected', reason: 'The ID is unreadable.' });
    // The queue lists it.
    const queue = (await t.call('GET', '/api/v1/compliance/verifications?status=rejected', { token: admin })).body.data;
    expect(queue.map((r: any) => r.partner_id)).toEqual([b]);
    expect((await t.call('GET', '/api/v1/compliance/verifications?status=bogus', { token: admin })).status).toBe(400);
  });

  it('an approval whose document expires becomes expired, asking the partner to verify again', async () => {
    expect((await t.call('POST', `${v(b)}/submit`, { token: other })).status).toBe(200);
    expect((await t.call('POST', `${v(b)}/review`, { token: admin, body: { action: 'approve' } })).body.data.expires_on).toBe('2030-06-30');
    const db = t.server.ctx.db;
    expect(await db.transaction((tx) => expireVerifications(tx, '2030-06-29', 0, 'http://x'))).toEqual([]);
    expect(await db.transaction((tx) => expireVerifications(tx, '2030-06-30', 0, 'http://x'))).toEqual([b]);
    const after = (await t.call('GET', v(b), { token: other })).body.data;
    expect(after).toMatchObject({ status: 'expired', requested: expect.stringMatching(/expires on 2030-06-30/) });
    const events = (await t.call('GET', '/api/v1/events?type=partner.verification_changed&limit=50', { token: admin })).body.data;
    expect(events.at(-1)).toMatchObject({ subject_id: b, data: { from: 'approved', to: 'expired' } });
    // Expired can be submitted again.
    await t.call('PUT', v(b), { token: other, body: { ...DETAILS, entity_type: 'individual', registration_number: undefined } });
    expect((await t.call('POST', `${v(b)}/submit`, { token: other })).body.data.status).toBe('submitted');
  });
});

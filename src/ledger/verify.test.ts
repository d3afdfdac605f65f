import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { verifyBundle } from '../../tools/openib-verify.mjs';
import { payoutSteps, pdfText } from '../payouts/test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let admin: string;
let ib: string;
let rival: string;
let partnerToken: string;
let statementId: string;
const db = () => t.server.ctx.db;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_LEDGER_DAILY_CHECKPOINTS: '0' }, { persistent: true });
  admin = await t.token(['admin']);
  p = payoutSteps(t, admin);
  ib = await p.earner('VER', '6.125');
  rival = await p.earner('VER2');
  await p.customer('VER-c2', 'VER');
  await p.activity([
    { customer_id: 'VER-c1', instrument: 'EURUSD', lots_traded: '0.33', date: '2026-03-02' },
    { customer_id: 'VER-c2', instrument: 'EURUSD', lots_traded: '1.11', date: '2026-03-04' },
    { customer_id: 'VER2-c1', instrument: 'EURUSD', lots_traded: '1', date: '2026-03-04' },
  ]);
  await p.run();
  // An honest correction: the customer moves to the rival from April, with a reason.
  const moved = await t.call('POST', '/api/v1/customers/VER-c2/reassign', {
    token: admin,
    body: { partner_id: rival, effective_from: '2026-04-01T00:00:00Z', reason: 'client asked to follow his account manager' },
  });
  expect(moved.status, moved.text).toBe(200);
  await p.close('2026-03');
  const run = await p.payoutRun('2026-03');
  statementId = p.statementOf(run, ib)!.statement_id;
  partnerToken = await t.token(['payouts:read'], ib);
}, 120_000);
afterAll(() => t.stop());

const keys = async () => (await t.call('GET', '/.well-known/openib-ledger-keys.json')).body;
const exportOf = async (token = partnerToken, partner = ib) => t.call('GET', `/api/v1/partners/${partner}/ledger/export`, { token });

describe('a partner verifies its ledger', () => {
  it('publishes the signing keys without authentication', async () => {
    const res = await t.call('GET', '/.well-known/openib-ledger-keys.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual([expect.objectContaining({ algorithm: 'Ed25519', status: 'active', public_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) })]);
  });

  it('gets a signed checkpoint with its statement, in JSON, CSV and the PDF footer', async () => {
    const s = await p.ok('GET', `/api/v1/statements/${statementId}`);
    expect(s.checkpoint).toMatchObject({ partner_id: ib, reason: 'statement', statement_id: statementId, seq: expect.any(Number) });
    const payload = JSON.parse(s.checkpoint.payload);
    expect(payload).toMatchObject({ format: 'openib-checkpoint/1', statement: { statement_id: statementId, ledger_total: s.ledger_total.replace(/\.?0+$/, '') } });
    const csv = await t.call('GET', `/api/v1/statements/${statementId}/csv`, { token: admin });
    const rows = parse(csv.text) as string[][];
    expect(rows.find((r) => r[0] === 'checkpoint' && r[1] === 'signature')?.[8]).toBe(s.checkpoint.signature);
    expect(rows.find((r) => r[0] === 'checkpoint' && r[1] === 'payload')?.[8]).toBe(s.checkpoint.payload);
    const pdf = await fetch(`${t.url}/api/v1/statements/${statementId}/pdf`, { headers: { authorization: `Bearer ${admin}` } });
    const text = pdfText(Buffer.from(await pdf.arrayBuffer()));
    expect(text).toContain(`head ${s.checkpoint.head}`);
    expect(text).toContain(`signature ${s.checkpoint.signature}`);
  });

  it('verifies its export: signatures, the chain, the statement total and the reassignment away with its reason', async () => {
    const res = await exportOf();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('openib-ledger-');
    const result = verifyBundle(res.body, { keys: await keys() });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.statements).toEqual([expect.objectContaining({ statement_id: statementId, entries: 2 })]);
    expect(result.statements[0].sum_of_entries).toBe(result.statements[0].ledger_total);
    expect(result.reassignments).toEqual([expect.objectContaining({ customer_id: 'VER-c2', to_partner_id: rival, reason: 'client asked to follow his account manager' })]);
  });

  it('proves the head extends a checkpoint it kept, with only the records since', async () => {
    const [first] = (await t.call('GET', `/api/v1/partners/${ib}/ledger/checkpoints`, { token: partnerToken })).body.data;
    await p.lots('VER', '2', '2026-04-02', 'EURUSD');
    await p.run();
    const proof = await t.call('GET', `/api/v1/partners/${ib}/ledger/proof?from_checkpoint=${first.checkpoint_id}`, { token: partnerToken });
    expect(proof.status).toBe(200);
    expect(proof.body.from_seq).toBe(first.seq);
    expect(proof.body.from_head).toBe(first.head);
    expect(proof.body.records[0].seq).toBe(first.seq + 1);
    expect(verifyBundle(proof.body, { saved: [first], keys: await keys() })).toMatchObject({ ok: true });
  });

  it('is scoped like every partner route: another partner gets 404, bad input 400', async () => {
    const rivalToken = await t.token(['payouts:read'], rival);
    expect((await exportOf(rivalToken, ib)).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${ib}/ledger/proof?from_checkpoint=1`, { token: rivalToken })).status).toBe(404);
    const rivalCheckpoint = (await t.call('GET', `/api/v1/partners/${rival}/ledger/checkpoints`, { token: rivalToken })).body.data[0];
    expect((await t.call('GET', `/api/v1/partners/${ib}/ledger/proof?from_checkpoint=${rivalCheckpoint.checkpoint_id}`, { token: partnerToken })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${ib}/ledger/proof?from_checkpoint=abc`, { token: partnerToken })).status).toBe(400);
    expect((await t.call('GET', `/api/v1/partners/${ib}/ledger/proof?from_checkpoint=0`, { token: partnerToken })).status).toBe(400);
    expect((await t.call('GET', `/api/v1/partners/${ib}/ledger/export`)).status).toBe(401);
  });

  it('keeps old checkpoints verifiable after the signing key rotates, and pays with a checkpoint under the new key', async () => {
    const before = (await keys()).keys[0];
    await t.restart({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_LEDGER_DAILY_CHECKPOINTS: '0', OPENIB_LEDGER_SIGNING_KEYS: `k2:${randomBytes(32).toString('base64url')}` });
    admin = await t.token(['admin']);
    partnerToken = await t.token(['payouts:read'], ib);
    p = payoutSteps(t, admin);
    for (const action of ['approve', 'pay'])
      expect((await p.act(statementId, action, action === 'pay' ? { reference: 'WIRE-1', paid_on: '2026-04-05' } : {})).status).toBe(200);
    const published = (await keys()).keys;
    expect(published.map((k: { key_id: string; status: string }) => [k.key_id, k.status])).toEqual([
      [before.key_id, 'retired'],
      ['k2', 'active'],
    ]);
    const bundle = (await exportOf()).body;
    expect(new Set(bundle.checkpoints.map((c: { key_id: string }) => c.key_id))).toEqual(new Set([before.key_id, 'k2']));
    expect(bundle.checkpoints.at(-1)).toMatchObject({ reason: 'payout', statement_id: statementId, key_id: 'k2' });
    expect(verifyBundle(bundle, { keys: { keys: published } })).toMatchObject({ ok: true });
  });

  it('finds tampering done in the database at the right record', async () => {
    const saved = (await exportOf()).body.checkpoints;
    const bundle = (await exportOf()).body;
    const victim = bundle.records.find((r: { type: string }) => r.type === 'ledger_entry');
    await db().transaction(async (tx) => {
      await tx.query('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only');
      await tx.query('UPDATE ledger_entries SET amount = amount / 2 WHERE id = $1', [victim.id]);
      await tx.query('ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only');
    });
    const result = verifyBundle((await exportOf()).body, { saved, keys: await keys() });
    expect(result.ok).toBe(false);
    expect(result.first_broken).toBe(victim.seq);
    expect(result.errors.map((e) => e.code)).toContain('record_changed');
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { encrypt, keyRingOf } from '../shared/keyring.ts';

const k1 = `k1:${randomBytes(32).toString('base64url')}`;
const k2 = `k2:${randomBytes(32).toString('base64url')}`;

let t: TestServer;
let token: string;
let partnerId: string;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_ENCRYPTION_KEYS: k1, OPENIB_WEBHOOK_ALLOW_PRIVATE: '1' }, { persistent: true });
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const db = () => t.server.ctx.db;
const customers = async () => (await t.call('GET', '/api/v1/forex/customers?per_page=500', { token })).body.data as ({ customer_id: string } & Record<string, string | null>)[];

async function waitForRotation(): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i++) {
    const s = (await t.call('GET', '/api/v1/keys/status', { token })).body.data;
    if (s.rotation && s.rotation.status !== 'running') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('rotation did not finish');
}

describe('key rotation', () => {
  it('writes personal data, payout details and secrets sealed under k1, and keyed email hashes', async () => {
    const res = await t.call('POST', '/api/v1/forex/customers', {
      token,
      body: Array.from({ length: 30 }, (_, i) => ({
        customer_id: `R-${i}`, signup_date: '2026-03-01T00:00:00Z', affiliate_id: '', first_name: `Rotor${i}`, last_name: 'Keyes', email: `rotor${i}@rotation.example`, phone: `+1555000${i}`, address: `${i} Key Street`,
      })),
    });
    expect(res.status).toBe(200);
    const p = await t.call('POST', '/api/v1/partners', { token, body: { name: 'Rotation IB', email: 'ib@rotation.example' } });
    expect(p.status).toBe(201);
    partnerId = p.body.partner_id;
    expect((await t.call('PUT', `/api/v1/partners/${partnerId}/payout-details`, { token, body: { method: 'crypto_wallet', details: { network: 'TRC20', address: 'TRotationWalletAddress000111222' } } })).status).toBe(200);
    expect((await t.call('POST', '/api/v1/webhooks/endpoints', { token, body: { url: 'http://127.0.0.1:9/hooks', enabled: false } })).status).toBe(201);

    const [row] = await db().query<Record<string, string>>(`SELECT first_name, email, phone, address, email_hash FROM customers WHERE customer_id = 'R-1'`);
    for (const v of [row.first_name, row.email, row.phone, row.address]) expect(v).toMatch(/^enc:v1:k1:/);
    expect(row.email_hash).toMatch(/^k1:[0-9a-f]{64}$/);
    const [partner] = await db().query<{ email: string }>('SELECT email FROM partners WHERE partner_id = $1', [partnerId]);
    expect(partner.email).toMatch(/^enc:v1:k1:/);
    // Reads answer clear text.
    expect((await customers()).find((c) => c.customer_id === 'R-1')).toMatchObject({ first_name: 'Rotor1', email: 'rotor1@rotation.example', phone: '+15550001', address: '1 Key Street' });
    expect((await t.call('GET', `/api/v1/partners/${partnerId}`, { token })).body.email).toBe('ib@rotation.example');
    // Search by a whole email goes through the keyed hash.
    expect((await t.call('GET', '/api/v1/partners?q=IB@Rotation.example', { token })).body.data.map((x: { partner_id: string }) => x.partner_id)).toEqual([partnerId]);
  });

  it('rotates everything to k2 in the background, after which k1 can go', async () => {
    await t.restart({ OPENIB_ENCRYPTION_KEYS: `${k2},${k1}` });
    token = await t.token(['admin']);
    // Old values still open; new ones are sealed under k2.
    expect((await customers()).find((c) => c.customer_id === 'R-2')?.email).toBe('rotor2@rotation.example');
    // A row written in clear by a version before encryption at rest: the rotation seals it too.
    await db().query(`INSERT INTO customers (customer_id, signup_date, affiliate_id, first_name, email) VALUES ('R-clear', now(), '', 'Oldtimer', 'old@clear.example')`);
    const before = (await t.call('GET', '/api/v1/keys/status', { token })).body.data;
    expect(before.active_key_id).toBe('k2');
    expect(before.pending.customers).toBe(31);
    expect(before.by_key.clear).toBe(2);
    expect(before.by_key.k1).toBeGreaterThan(0);

    const started = await t.call('POST', '/api/v1/keys/rotate', { token, body: {} });
    expect(started.status).toBe(202);
    const done = await waitForRotation();
    expect(done.rotation).toMatchObject({ status: 'completed', target_key_id: 'k2' });
    expect(done.pending, JSON.stringify(done)).toEqual(Object.fromEntries(Object.keys(done.pending).map((k) => [k, 0])));
    expect(done.by_key.k1 ?? 0).toBe(0);
    const [clear] = await db().query<Record<string, string>>(`SELECT first_name, email, email_hash FROM customers WHERE customer_id = 'R-clear'`);
    expect(clear.first_name).toMatch(/^enc:v1:k2:/);
    expect(clear.email_hash).toMatch(/^k2:/);
    const [row] = await db().query<Record<string, string>>(`SELECT email, email_hash FROM customers WHERE customer_id = 'R-3'`);
    expect(row.email).toMatch(/^enc:v1:k2:/);
    expect(row.email_hash).toMatch(/^k2:/);

    await t.restart({ OPENIB_ENCRYPTION_KEYS: k2 });
    token = await t.token(['admin']);
    const all = await customers();
    expect(all.filter((c) => /^R-\d+$/.test(c.customer_id)).every((c) => c.email === `rotor${c.customer_id.slice(2)}@rotation.example` && c.last_name === 'Keyes')).toBe(true);
    expect((await t.call('GET', `/api/v1/partners/${partnerId}`, { token })).body.email).toBe('ib@rotation.example');
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/payout-details`, { token })).body.data.details.address).toBe('TRotationWalletAddress000111222');
    expect((await t.call('GET', '/api/v1/partners?q=ib@rotation.example', { token })).body.data).toHaveLength(1);
    expect(all.find((c) => c.customer_id === 'R-clear')).toMatchObject({ first_name: 'Oldtimer', email: 'old@clear.example' });
    // A webhook endpoint's secret opens under k2: rotating it reads the old one first.
    const [ep] = await db().query<{ id: string; secret_sealed: string }>('SELECT id, secret_sealed FROM webhook_endpoints');
    expect(ep.secret_sealed).toMatch(/^enc:v1:k2:/);
  });

  it('a value under a key the ring does not hold fails with a clear error, never garbage', async () => {
    const lost = encrypt('someone@lost.example', keyRingOf(`k9:${randomBytes(32).toString('base64url')}`));
    await db().query(`UPDATE customers SET email = $1 WHERE customer_id = 'R-4'`, [lost]);
    const res = await t.call('GET', '/api/v1/forex/customers?per_page=500', { token });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('lost.example');
    const status = (await t.call('GET', '/api/v1/keys/status', { token })).body.data;
    expect(status.by_key.k9).toBe(1);
    // A rotation stops on it and says why.
    await t.call('POST', '/api/v1/keys/rotate', { token, body: { full: true } });
    const failed = await waitForRotation();
    expect(failed.rotation.status).toBe('failed');
    expect(failed.rotation.error).toMatch(/key "k9", which is not in the key ring/);
  });

  it('keys routes are for admins and refuse unknown fields', async () => {
    const partnerToken = await t.token(['partners:read', 'partners:write']);
    expect((await t.call('GET', '/api/v1/keys/status', { token: partnerToken })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/keys/rotate', { token: partnerToken, body: {} })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/keys/rotate', { token, body: { full: 'yes' } })).status).toBe(422);
    expect((await t.call('POST', '/api/v1/keys/rotate', { token, body: { other: 1 } })).status).toBe(422);
  });
});

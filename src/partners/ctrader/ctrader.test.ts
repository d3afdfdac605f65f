import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { partnerApi } from '../../../test/helpers/partners.ts';

const USER = 'spotware';
const PASSWORD = 'a-long-shared-secret-for-ctrader';
let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_CTRADER_INVITE_USER: USER, OPENIB_CTRADER_INVITE_PASSWORD: PASSWORD, OPENIB_CTRADER_REATTRIBUTION: 'move' });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

const basic = (user = USER, password = PASSWORD) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const invite = (body: Record<string, unknown>, authorization = basic()) =>
  t.call('POST', '/api/v1/integrations/ctrader-invite', { body: { brokerName: 'BESTBROKER', ...body }, headers: { authorization } });
const identities = (records: Record<string, unknown>[]) => api.ok('POST', '/api/v1/integrations/ctrader-invite/identities', records);

describe('cTrader Invite webhook', () => {
  it('refuses requests without the configured Basic credentials', async () => {
    const body = { invitedUserId: 1, partnerUserId: 2 };
    for (const authorization of [basic(USER, 'wrong'), basic('other', PASSWORD), `Bearer ${admin}`, 'Basic !!!']) {
      const res = await invite(body, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    const none = await t.call('POST', '/api/v1/integrations/ctrader-invite', { body: { ...body, brokerName: 'B' } });
    expect(none.status).toBe(401);
  });

  it('checks the credentials before it looks at the body', async () => {
    for (const authorization of [undefined, basic(USER, 'wrong')]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
      for (const raw of ['{}', '{"invitedUserId":"x"}', '{not json']) {
        const res = await t.call('POST', '/api/v1/integrations/ctrader-invite', { raw, headers });
        expect(res.status, `${authorization ?? 'no credentials'} ${raw}: ${res.text}`).toBe(401);
        expect(res.body.error).toEqual({ code: 'unauthorized', message: expect.any(String) });
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
    }
    const signedIn = await t.call('POST', '/api/v1/integrations/ctrader-invite', { body: {}, headers: { authorization: basic() } });
    expect(signedIn.status).toBe(422);
  });

  it('answers ATTRIBUTED_NEW, ATTRIBUTED, PENDING_ATTRIBUTION and REATTRIBUTED as the contract says', async () => {
    await api.customers([
      { customer_id: 'CT-4216', signup_date: '2026-03-01T10:00:00Z', affiliate_id: '' },
      { customer_id: 'CT-4217', signup_date: '2026-03-01T10:00:00Z', affiliate_id: '' },
    ]);
    await identities([
      { user_id: 4216, customer_id: 'CT-4216' },
      { user_id: 4217, customer_id: 'CT-4217' },
    ]);

    // A partner user the broker has never seen: a partner is created, its id returned.
    const first = await invite({ invitedUserId: 4216, partnerUserId: 28042 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ brokerPartnerId: expect.stringMatching(/^IB[A-Z2-9]{8}$/), brokerResult: 'ATTRIBUTED_NEW' });
    const partnerId = (await api.ok('GET', `/api/v1/partners?affiliate_id=${first.body.brokerPartnerId}`)).data[0].partner_id;
    expect((await api.attribution('CT-4216')).periods).toMatchObject([{ partner_id: partnerId, source: 'ctrader_invite' }]);

    // The same partner (cTrader now sends its brokerPartnerId) invites another trader.
    const second = await invite({ invitedUserId: 4217, partnerUserId: 28042, brokerPartnerId: first.body.brokerPartnerId });
    expect(second.body).toEqual({ brokerPartnerId: first.body.brokerPartnerId, brokerResult: 'ATTRIBUTED' });

    // The trader's customer record is not known yet.
    const pending = await invite({ invitedUserId: 4218, partnerUserId: 28042, brokerPartnerId: first.body.brokerPartnerId });
    expect(pending.body).toEqual({ brokerPartnerId: first.body.brokerPartnerId, brokerResult: 'PENDING_ATTRIBUTION' });
    await identities([{ user_id: 4218, customer_id: 'CT-4218' }]);
    expect((await api.events('customer.attributed')).filter((e) => e.subject_id === 'CT-4218')).toEqual([]);
    await api.customers([{ customer_id: 'CT-4218', signup_date: '2026-03-02T10:00:00Z', affiliate_id: '' }]);
    expect((await api.attribution('CT-4218')).periods).toMatchObject([{ partner_id: partnerId, source: 'ctrader_invite', effective_from: '2026-03-02T10:00:00.000Z' }]);

    // Another partner now invites the first trader: the trader moves.
    const moved = await invite({ invitedUserId: 4216, partnerUserId: 30001 });
    expect(moved.body.brokerResult).toBe('REATTRIBUTED');
    expect(moved.body.brokerPartnerId).not.toBe(first.body.brokerPartnerId);
    const view = await api.attribution('CT-4216');
    expect(view.periods.map((p: { partner_id: string }) => p.partner_id)).toEqual([partnerId, expect.not.stringMatching(partnerId)]);
    const reassigned = (await api.events('customer.reassigned')).find((e) => e.subject_id === 'CT-4216');
    expect(reassigned?.data).toMatchObject({ previous_partner_id: partnerId, source: 'ctrader_invite', affiliate_id: moved.body.brokerPartnerId });
  });

  it('answers the Spotware example ATTRIBUTED_NEW: the partner is new, and the trader is attributed once its record arrives', async () => {
    const res = await invite({ invitedUserId: 9216, partnerUserId: 98042, brokerPartnerId: 'I2333NEWIB' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ brokerPartnerId: 'I2333NEWIB', brokerResult: 'ATTRIBUTED_NEW' });
    const partnerId = (await api.ok('GET', '/api/v1/partners?affiliate_id=I2333NEWIB')).data[0].partner_id;
    await identities([{ user_id: 9216, customer_id: 'CT-9216' }]);
    await api.customers([{ customer_id: 'CT-9216', signup_date: '2026-03-05T10:00:00Z', affiliate_id: '' }]);
    expect((await api.attribution('CT-9216')).periods).toMatchObject([{ partner_id: partnerId, source: 'ctrader_invite' }]);
    // The same webhook again: the same answer, nothing more created.
    expect((await invite({ invitedUserId: 9216, partnerUserId: 98042, brokerPartnerId: 'I2333NEWIB' })).body).toEqual(res.body);
    expect((await api.ok('GET', '/api/v1/partners?affiliate_id=I2333NEWIB')).data).toHaveLength(1);
  });

  it('answers a replayed webhook exactly as the first time, changing nothing', async () => {
    await api.customers([{ customer_id: 'CT-5000', signup_date: '2026-03-01T10:00:00Z', affiliate_id: '' }]);
    await identities([{ user_id: 5000, customer_id: 'CT-5000' }]);
    const body = { invitedUserId: 5000, partnerUserId: 50001 };
    const first = await invite(body);
    expect(first.body.brokerResult).toBe('ATTRIBUTED_NEW');
    const eventsBefore = (await api.ok('GET', '/api/v1/events?limit=1000')).data.length;
    const replays = await Promise.all([invite(body), invite(body), invite(body)]);
    for (const r of replays) expect(r.body).toEqual(first.body);
    expect((await api.ok('GET', '/api/v1/events?limit=1000')).data.length).toBe(eventsBefore);
    expect((await api.ok('GET', '/api/v1/partners?q=cTrader%20partner%2050001')).meta.total).toBe(1);

    const pendingBody = { invitedUserId: 5999, partnerUserId: 50001 };
    const p1 = await invite(pendingBody);
    expect(p1.body.brokerResult).toBe('PENDING_ATTRIBUTION');
    expect((await invite(pendingBody)).body).toEqual(p1.body);
  });

  it('uses a brokerPartnerId the broker already has, and keeps a trader inside the guaranteed period for review', async () => {
    const known = await api.partner({ name: 'Known IB', affiliate_id: 'I2333PIOIII' });
    await api.customers([{ customer_id: 'CT-6000', signup_date: '2026-03-01T10:00:00Z', affiliate_id: '' }]);
    await identities([{ user_id: 6000, customer_id: 'CT-6000' }]);
    const res = await invite({ invitedUserId: 6000, partnerUserId: 28043, brokerPartnerId: 'I2333PIOIII' });
    expect(res.body).toEqual({ brokerPartnerId: 'I2333PIOIII', brokerResult: 'ATTRIBUTED' });
    expect((await api.attribution('CT-6000')).current_partner_id).toBe(known.partner_id);

    const guarded = await startTestServer({
      OPENIB_CTRADER_INVITE_USER: USER,
      OPENIB_CTRADER_INVITE_PASSWORD: PASSWORD,
      OPENIB_GUARANTEED_ATTRIBUTION_DAYS: '30',
      OPENIB_CTRADER_REATTRIBUTION: 'move',
    });
    try {
      const token = await guarded.token();
      const g = partnerApi(guarded, token);
      await g.customer('G-1');
      await g.ok('POST', '/api/v1/integrations/ctrader-invite/identities', [{ user_id: 1, customer_id: 'G-1' }]);
      const call = (body: Record<string, unknown>) =>
        guarded.call('POST', '/api/v1/integrations/ctrader-invite', { body: { brokerName: 'B', ...body }, headers: { authorization: basic() } });
      expect((await call({ invitedUserId: 1, partnerUserId: 10 })).body.brokerResult).toBe('ATTRIBUTED_NEW');
      expect((await call({ invitedUserId: 1, partnerUserId: 11 })).body.brokerResult).toBe('PENDING_ATTRIBUTION');
      const conflicts = await g.ok('GET', '/api/v1/attribution-conflicts?customer_id=G-1');
      expect(conflicts.data).toMatchObject([{ source: 'ctrader_invite', status: 'open' }]);
    } finally {
      await guarded.stop();
    }
  });

  // A trader another partner already owns, under each reattribution policy but `move` (above).
  it.each([
    { policy: undefined, result: 'PENDING_ATTRIBUTION', owner: 'first', conflicts: 1, status: 'conflict' },
    { policy: 'review', result: 'PENDING_ATTRIBUTION', owner: 'first', conflicts: 1, status: 'conflict' },
    { policy: 'keep', result: 'ATTRIBUTED', owner: 'first', conflicts: 0, status: 'kept' },
  ])('OPENIB_CTRADER_REATTRIBUTION=$policy: a second partner\'s invite answers $result and moves nobody', async (c) => {
    const s = await startTestServer({
      OPENIB_CTRADER_INVITE_USER: USER,
      OPENIB_CTRADER_INVITE_PASSWORD: PASSWORD,
      ...(c.policy ? { OPENIB_CTRADER_REATTRIBUTION: c.policy } : {}),
    });
    try {
      const g = partnerApi(s, await s.token());
      await g.customer('K-1');
      await g.ok('POST', '/api/v1/integrations/ctrader-invite/identities', [{ user_id: 1, customer_id: 'K-1' }]);
      const call = (body: Record<string, unknown>) =>
        s.call('POST', '/api/v1/integrations/ctrader-invite', { body: { brokerName: 'B', ...body }, headers: { authorization: basic() } });
      const first = await call({ invitedUserId: 1, partnerUserId: 10 });
      expect(first.body.brokerResult).toBe('ATTRIBUTED_NEW');
      const owner = (await g.attribution('K-1')).current_partner_id;
      const second = await call({ invitedUserId: 1, partnerUserId: 11 });
      expect(second.status).toBe(200);
      expect(second.body.brokerResult).toBe(c.result);
      // `keep` tells cTrader who is paid for the trader: the owner, not the inviting partner.
      if (c.policy === 'keep') expect(second.body.brokerPartnerId).toBe(first.body.brokerPartnerId);
      else expect(second.body.brokerPartnerId).not.toBe(first.body.brokerPartnerId);
      expect((await g.attribution('K-1')).current_partner_id).toBe(owner);
      expect((await g.events('customer.reassigned')).filter((e) => e.subject_id === 'K-1')).toEqual([]);
      const conflicts = await g.ok('GET', '/api/v1/attribution-conflicts?customer_id=K-1');
      expect(conflicts.data).toHaveLength(c.conflicts);
      if (c.conflicts) expect(conflicts.data[0]).toMatchObject({ source: 'ctrader_invite', status: 'open' });
      const [invite] = await s.server.ctx.db.query<{ status: string }>(`SELECT status FROM ctrader_invites WHERE partner_user_id = 11`);
      expect(invite.status).toBe(c.status);
      // Replayed: the same answer, nothing more stored.
      expect((await call({ invitedUserId: 1, partnerUserId: 11 })).body).toEqual(second.body);
      expect((await g.ok('GET', '/api/v1/attribution-conflicts?customer_id=K-1')).data).toHaveLength(c.conflicts);
    } finally {
      await s.stop();
    }
  });

  it('refuses malformed webhooks and conflicting identities with 4xx', async () => {
    for (const body of [{ invitedUserId: 'abc', partnerUserId: 1 }, { invitedUserId: 1 }, { invitedUserId: -5, partnerUserId: 1 }, { invitedUserId: 1, partnerUserId: 2, brokerPartnerId: 'x'.repeat(65) }]) {
      expect((await invite(body)).status, JSON.stringify(body)).toBe(422);
    }
    await identities([{ user_id: 7000, customer_id: 'CT-7000' }]);
    const taken = await t.call('POST', '/api/v1/integrations/ctrader-invite/identities', { token: admin, body: [{ user_id: 7000, customer_id: 'CT-OTHER' }] });
    expect(taken.status).toBe(422);
    const both = await t.call('POST', '/api/v1/integrations/ctrader-invite/identities', { token: admin, body: [{ user_id: 7001 }] });
    expect(both.status).toBe(422);
    const unconfigured = await startTestServer();
    try {
      const res = await unconfigured.call('POST', '/api/v1/integrations/ctrader-invite', { body: { invitedUserId: 1, partnerUserId: 2, brokerName: 'B' }, headers: { authorization: basic() } });
      expect(res.status).toBe(503);
    } finally {
      await unconfigured.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { partnerApi, visit } from '../../test/helpers/partners.ts';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

// A partner's own tracker gets its conversions with the click id it put on the link, from a real
// click through the tracking link to the first deposit, the CPA and the approved commission.
let w: WebhookWorld;
let tracker: Receiver;
let partnerId: string;
let clickId: string;

beforeAll(async () => {
  w = await startWebhookWorld({ OPENIB_COMMISSIONS_AUTO: '0' });
  tracker = await startReceiver(() => ({ status: 200, body: 'OK' }));
  const b = brokerSteps(w.t, w.admin);
  const p = partnerApi(w.t, w.admin);
  partnerId = await b.partner('PBC-IB');
  await b.plan({
    plan_id: 'pbc', name: 'CPA and per lot', currency: 'USD',
    rules: [
      { type: 'cpa', amount: '250', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '0', qualify_within_days: 90, require_kyc: false },
      { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '8' }] },
    ],
  });
  await b.assign(partnerId, 'pbc');
  for (const event of ['ftd', 'cpa_qualified', 'commission_approved'])
    await p.ok('POST', `/api/v1/partners/${partnerId}/postbacks`, { event, url: `${tracker.url}/${event}?cid={click_id}&camp={campaign_id}&sub={sub_id}&amount={amount}&cur={currency}` }, 201);
  const link = await p.link(partnerId, { campaign_id: 'spring-26' });
  const clicked = await visit(w.t, link.code, { query: '?sub_id=banner-7' });
  clickId = clicked.clickId!;
  expect(clickId).toBeTruthy();
  // Clicks are recorded in buffered batches; the trader signs up a while after clicking.
  for (let i = 0; i < 100 && (await p.events('link.clicked')).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await w.advance(60 * 60_000);
  const now = w.clock.now();
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  await b.customer('pbc-c1', '', { click_id: clickId, signup_date: at(-30) });
  await b.transactions([{ transaction_id: 'pbc-d1', customer_id: 'pbc-c1', transaction_type: 'deposit', amount: '500', transaction_date: at(-20) }]);
  await b.activity([{ customer_id: 'pbc-c1', instrument: 'EURUSD', lots_traded: '2.5', date: at(-10).slice(0, 10) }]);
  await b.run(at(-60 * 24 * 3).slice(0, 10), at(60 * 24 * 3).slice(0, 10));
  await w.settle();
}, 120_000);
afterAll(async () => {
  await w.stop();
  await tracker.close();
});

const hitsOf = (event: string) => tracker.received.filter((r) => r.path.startsWith(`/${event}?`)).map((r) => Object.fromEntries(new URL(r.path, 'http://x').searchParams));

describe('conversion postbacks', () => {
  it('carry the click id, campaign and sub id of the link on the first deposit', async () => {
    await expect.poll(() => hitsOf('ftd').length, { timeout: 10_000 }).toBe(1);
    expect(hitsOf('ftd')[0]).toEqual({ cid: clickId, camp: 'spring-26', sub: 'banner-7', amount: '500', cur: 'USD' });
  });

  it('carry them on the CPA, with its amount', async () => {
    await expect.poll(() => hitsOf('cpa_qualified').length, { timeout: 10_000 }).toBe(1);
    expect(hitsOf('cpa_qualified')[0]).toEqual({ cid: clickId, camp: 'spring-26', sub: 'banner-7', amount: '250', cur: 'USD' });
  });

  it('announce approved commission once per run and currency: CPA 250 + 2.5 lots × 8 = 270', async () => {
    await expect.poll(() => hitsOf('commission_approved').length, { timeout: 10_000 }).toBe(1);
    expect(hitsOf('commission_approved')[0]).toMatchObject({ amount: '270', cur: 'USD' });
    const events = (await w.t.call('GET', '/api/v1/events?type=commission.approved', { token: w.admin })).body.data;
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ partner_id: partnerId, currency: 'USD', entries: 2, customers: 1, kinds: ['cpa', 'per_lot'] });
    // A second run over the same facts changes nothing and announces nothing.
    const today = w.clock.now().getTime();
    await brokerSteps(w.t, w.admin).run(new Date(today - 3 * 86_400_000).toISOString().slice(0, 10), new Date(today + 3 * 86_400_000).toISOString().slice(0, 10));
    await w.settle();
    expect((await w.t.call('GET', '/api/v1/events?type=commission.approved', { token: w.admin })).body.data).toHaveLength(1);
  });
});

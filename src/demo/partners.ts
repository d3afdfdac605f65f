import { setPayoutDetails } from '../partners/payout-details.ts';
import { createHmac } from 'node:crypto';
import { loadConfig } from '../config.ts';
import type { Sql } from '../db/index.ts';
import { upsertCustomers } from '../ingest/customers.ts';
import { upsertTradingAccounts } from '../partners/accounts/trading-accounts.ts';
import { policyFrom } from '../partners/attribution/policy.ts';
import { reassignCustomer } from '../partners/attribution/reassign.ts';
import { newClickId } from '../partners/links/click-id.ts';
import { createLink, type Link } from '../partners/links/links.ts';
import { type ClickRow, insertClicks } from '../partners/links/recorder.ts';
import { loadLinkKeys } from '../partners/links/secret.ts';
import { createPartner, type Partner } from '../partners/partners.ts';

export interface DemoNetwork {
  master: Partner;
  sub: Partner;
  subSub: Partner | undefined;
  links: Link[];
}

const REGISTER = 'https://broker.example/register';

/**
 * A master IB with a sub-IB and a sub-sub-IB (three levels), each with an invite link, and the
 * master's recruit link. Their affiliate_ids are the ones the demo customers were registered with.
 */
export async function seedPartnerNetwork(tx: Sql): Promise<DemoNetwork> {
  const maxLevels = loadConfig().maxTreeDepth;
  const master = await createPartner(tx, { name: 'Atlas Partners Ltd', email: 'ib@atlas.example', country: 'AE', affiliateId: 'IB-1000', maxLevels });
  const sub = await createPartner(tx, { name: 'Blue Harbor Trading', country: 'GB', affiliateId: 'IB-1001', parentId: master.partner_id, maxLevels });
  const subSub =
    maxLevels >= 3
      ? await createPartner(tx, { name: 'Coral Markets', country: 'TH', affiliateId: 'IB-1002', payoutCurrency: 'EUR', parentId: sub.partner_id, maxLevels })
      : undefined;
  const links = [
    await createLink(tx, { partnerId: master.partner_id, destinationUrl: REGISTER, code: 'atlas', campaignId: 'atlas-web', utm_source: 'ib', utm_medium: 'referral' }),
    await createLink(tx, { partnerId: master.partner_id, destinationUrl: 'https://portal.broker.example/partner-signup', code: 'atlas-recruit', kind: 'recruit' }),
    await createLink(tx, { partnerId: sub.partner_id, destinationUrl: `${REGISTER}?lang=en`, code: 'blueharbor', label: 'YouTube description' }),
  ];
  if (subSub) links.push(await createLink(tx, { partnerId: subSub.partner_id, destinationUrl: 'https://broker.example/instruments/XAUUSD', code: 'coral-gold', campaignId: 'gold-2026' }));
  // Where each partner is paid (sealed at rest; GET …/payout-details shows them, statements mask them).
  const demo = { actor: 'demo' };
  await setPayoutDetails(tx, master.partner_id, { method: 'bank_transfer', details: { account_holder: 'Atlas Partners Ltd', iban: 'AE070331234567890123456', swift_bic: 'BOMLAEAD', bank_name: 'Demo Bank' } }, demo);
  await setPayoutDetails(tx, sub.partner_id, { method: 'crypto_wallet', details: { network: 'TRC20', address: 'TXYZdemoWalletAddress1234567890ab' } }, demo);
  if (subSub) await setPayoutDetails(tx, subSub.partner_id, { method: 'e_wallet', details: { provider: 'Skrill', account: 'payouts@coral.example' } }, demo);
  return { master, sub, subSub, links };
}

/**
 * Clicks on the invite links over `days` days from day(0), three customers who registered through them (attributed by click id
 * through the data API's own path), a few trading logins and one reassignment.
 */
export async function seedAttributionDemo(tx: Sql, network: DemoNetwork, day: (offset: number) => string, days: number): Promise<void> {
  const keys = await loadLinkKeys(tx);
  const [{ seqs }] = await tx.query<{ seqs: Record<string, number> }>(
    'SELECT jsonb_object_agg(link_id, seq) AS seqs FROM links WHERE link_id = ANY($1::text[])',
    [network.links.map((l) => l.link_id)],
  );
  const clientLinks = network.links.filter((l) => l.kind === 'client');
  const clicks: ClickRow[] = [];
  for (let i = 0; i < 40; i++) {
    const link = clientLinks[i % clientLinks.length];
    // Spread over the whole history, so recent periods have clicks too.
    const at = new Date(Date.parse(`${day(Math.floor((i * days) / 40))}T00:00:00Z`) + (i * 37 % 24) * 3_600_000);
    clicks.push({
      click_id: newClickId(keys.clickId, seqs[link.link_id], at.getTime()),
      link_id: link.link_id,
      partner_id: link.partner_id,
      clicked_at: at,
      ip_hash: createHmac('sha256', keys.ipHash).update(`203.0.113.${i % 13}`).digest('base64url').slice(0, 22),
      user_agent: i % 3 ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      referrer: ['https://www.youtube.com/', 'https://t.me/', null][i % 3],
      country: ['AE', 'GB', 'TH', 'DE'][i % 4],
      sub_id: i % 5 === 0 ? 'video-12' : null,
    });
  }
  await insertClicks(tx, clicks);

  const registered = clicks.slice(0, clientLinks.length);
  await upsertCustomers(
    tx,
    registered.map((c, i) => ({
      customer_id: `C-${2100 + i}`,
      signup_date: new Date(c.clicked_at.getTime() + 20 * 60_000).toISOString(),
      affiliate_id: '',
      click_id: c.click_id,
      country_code: c.country ?? undefined,
      lang_id: 'en',
      kyc_status_id: 'approved',
      first_name: `Clicked${i}`,
      last_name: 'Trader',
      email: `clicked${i}@example.com`,
    })),
  );
  await upsertTradingAccounts(tx, [
    { platform: 'mt5', server: 'Broker-Live01', login: '5010001', customer_id: 'C-2000' },
    { platform: 'mt5', server: 'Broker-Live01', login: '5010002', customer_id: 'C-2000' },
    { platform: 'mt4', server: 'Broker-Live03', login: '700123', customer_id: 'C-2001' },
    { platform: 'ctrader', server: '', login: '9017800', customer_id: 'C-2100' },
  ]);
  await reassignCustomer(tx, {
    customerId: 'C-2000',
    partnerId: network.sub.partner_id,
    effectiveFrom: `${day(7)}T00:00:00.000Z`,
    reason: 'Client asked to be served by the local sub-IB',
    force: true,
    by: 'demo',
    policy: policyFrom(loadConfig()),
  });
}

import { BlockList, isIP } from 'node:net';

/**
 * Address ranges whose visitors are not people (data centres, cloud hosts, known crawlers), from
 * OPENIB_RISK_DATACENTRE_CIDRS: `a.b.c.d/n` or IPv6 `x::/n`, comma-separated.
 */
export function parseCidrList(raw: string | undefined, name = 'OPENIB_RISK_DATACENTRE_CIDRS'): string[] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const cidr of list) {
    const [address, bits, extra] = cidr.split('/');
    const family = isIP(address ?? '');
    const n = Number(bits);
    if (extra !== undefined || !family || !/^\d{1,3}$/.test(bits ?? '') || n > (family === 4 ? 32 : 128))
      throw new Error(`${name} holds "${cidr}", which is not a CIDR range such as 203.0.113.0/24 or 2001:db8::/32`);
  }
  return list;
}

export function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    list.addSubnet(address, Number(bits), isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

// User agents that say they are automated: crawlers, link previewers, HTTP libraries, headless browsers.
const BOT_AGENT = /bot\b|crawl|spider|slurp|preview|fetch|curl\/|wget\/|python-requests|httpclient|go-http-client|okhttp|headless|phantomjs|puppeteer|playwright|selenium|facebookexternalhit|whatsapp|telegram/i;

/** Why a click is not a person's, or null: a data-centre address or a user agent that says it is automated. */
export function botReason(ip: string, userAgent: string | null, datacentres: BlockList): string | null {
  const family = isIP(ip);
  if (family && datacentres.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return 'datacentre_ip';
  if (userAgent && BOT_AGENT.test(userAgent)) return 'bot_user_agent';
  return null;
}

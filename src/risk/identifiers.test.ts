import { describe, expect, it } from 'vitest';
import { ipPrefix } from '../ingest/signup-identifiers.ts';
import { blockListOf, botReason, parseCidrList } from './bot-traffic.ts';

describe('sign-up network of an address', () => {
  it.each([
    ['203.0.113.45', '203.0.113.0/24'],
    ['203.0.113.200', '203.0.113.0/24'],
    ['::ffff:203.0.113.9', '203.0.113.0/24'],
    ['2001:db8:aa:bb:1:2:3:4', '2001:db8:aa:bb::/64'],
    ['2001:0db8:00aa:00bb::1', '2001:db8:aa:bb::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
  ])('%s is in %s', (ip, prefix) => expect(ipPrefix(ip)).toBe(prefix));
});

describe('bot clicks', () => {
  const dc = blockListOf(parseCidrList('192.0.2.0/24,2001:db8:dc::/48'));
  it.each([
    ['192.0.2.77', 'Mozilla/5.0 (Windows NT 10.0)', 'datacentre_ip'],
    ['2001:db8:dc:1::5', 'Mozilla/5.0', 'datacentre_ip'],
    ['198.51.100.1', 'Mozilla/5.0 (compatible; Googlebot/2.1)', 'bot_user_agent'],
    ['198.51.100.1', 'python-requests/2.31', 'bot_user_agent'],
    ['198.51.100.1', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)', null],
    ['198.51.100.1', null, null],
  ])('%s with %s → %s', (ip, ua, reason) => expect(botReason(ip, ua, dc)).toBe(reason));

  it('refuses a range that is not CIDR', () => {
    expect(() => parseCidrList('192.0.2.0/33')).toThrow(/OPENIB_RISK_DATACENTRE_CIDRS/);
    expect(() => parseCidrList('datacentre')).toThrow(/not a CIDR range/);
    expect(parseCidrList(' 10.0.0.0/8 , ')).toEqual(['10.0.0.0/8']);
  });
});

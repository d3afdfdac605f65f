import { describe, expect, it } from 'vitest';
import { addressPolicy, nonPublicReason, parseCidr, refusalReason } from './address-policy.ts';
import { checkOutboundUrl, type Lookup } from './outbound-url.ts';
import { loadWebhookSettings } from './settings.ts';

describe('nonPublicReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['::ffff:169.254.169.254', 'link-local (IPv4-mapped)'],
    ['64:ff9b::10.0.0.1', 'private (NAT64)'],
    ['2002:c0a8:0101::1', 'private (6to4)'],
    ['::10.0.0.1', 'private (IPv4-compatible)'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378::1', 'Teredo tunnel'],
  ])('refuses %s (%s)', (ip, reason) => {
    expect(nonPublicReason(ip)).toBe(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])('allows public %s', (ip) => {
    expect(nonPublicReason(ip)).toBeUndefined();
  });
});

describe('refusalReason with an allowlist', () => {
  const policy = addressPolicy({ allowPrivate: false, allowlist: ['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/32'] });
  it.each([
    ['127.0.0.1', undefined],
    ['::ffff:127.0.0.1', undefined],
    ['127.0.0.2', 'loopback'],
    ['10.20.3.4', undefined],
    ['10.21.0.1', 'private'],
    ['fd00:1:2::3', undefined],
    ['fd00:2::3', 'unique-local'],
  ])('%s → %s', (ip, expected) => {
    expect(refusalReason(ip, policy)).toBe(expected);
  });

  it('allows everything with OPENIB_WEBHOOK_ALLOW_PRIVATE', () => {
    expect(refusalReason('169.254.169.254', addressPolicy({ allowPrivate: true, allowlist: [] }))).toBeUndefined();
  });

  it('parses single addresses as /32 and /128 and refuses nonsense', () => {
    expect(parseCidr('10.0.0.1').prefix).toBe(32);
    expect(parseCidr('::1').prefix).toBe(128);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseCidr('example.com')).toThrow(/not an IP/);
    expect(() => loadWebhookSettings({ OPENIB_OUTBOUND_ALLOWLIST: '10.0.0.0/8,nope' })).toThrow(/OPENIB_OUTBOUND_ALLOWLIST/);
  });
});

describe('checkOutboundUrl', () => {
  const policy = addressPolicy({ allowPrivate: false, allowlist: [] });
  const dns =
    (answers: Record<string, string[]>): Lookup =>
    async (host) => {
      const found = answers[host];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };

  it.each([
    ['ftp://example.com/x', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['/relative', /not an absolute URL/],
    ['http://10.0.0.1/', /10\.0\.0\.1 \(private\)/],
    ['http://0x0a000001/', /10\.0\.0\.1 \(private\)/],
    ['http://2130706433/', /127\.0\.0\.1 \(loopback\)/],
    ['http://[::ffff:169.254.169.254]/latest/meta-data', /link-local \(IPv4-mapped\)/],
    ['https://internal.test/', /10\.9\.8\.7 \(private\)/],
    ['https://nowhere.test/', /does not resolve \(ENOTFOUND\)/],
  ])('refuses %s', async (url, reason) => {
    const result = await checkOutboundUrl(url, policy, dns({ 'internal.test': ['10.9.8.7', 'fd00::7'] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('pins the request to an allowed address when a host has several', async () => {
    const result = await checkOutboundUrl('https://mixed.test/hook', policy, dns({ 'mixed.test': ['127.0.0.1', '93.184.216.34'] }));
    expect(result).toMatchObject({ ok: true, target: { address: '93.184.216.34', family: 4 } });
  });

  it('resolves at every check, so a host that moves to a private address is refused then', async () => {
    const answers: Record<string, string[]> = { 'rebind.test': ['93.184.216.34'] };
    expect((await checkOutboundUrl('http://rebind.test/', policy, dns(answers))).ok).toBe(true);
    answers['rebind.test'] = ['169.254.169.254'];
    expect((await checkOutboundUrl('http://rebind.test/', policy, dns(answers))).ok).toBe(false);
  });
});

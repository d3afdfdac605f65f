import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses outbound requests (webhooks, postbacks) may reach. Everything that is not a
 * public unicast address is refused unless the operator allows it, so a URL typed into the admin
 * API cannot be used to probe the broker's own network or a cloud metadata service.
 */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

export interface AddressPolicy {
  /** OPENIB_WEBHOOK_ALLOW_PRIVATE: every address is allowed. */
  allowPrivate: boolean;
  /** OPENIB_OUTBOUND_ALLOWLIST: ranges allowed although they are not public. */
  allowlist: Cidr[];
}

function v4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

function v6Bytes(ip: string): Uint8Array {
  let s = ip.split('%')[0].toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    s = `${s.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** Parses "10.0.0.0/8", "fd00::/8" or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr {
  const [ip, bits] = text.trim().split('/');
  const v4 = isIPv4(ip);
  if (!v4 && !isIPv6(ip)) throw new Error(`"${text}" is not an IP address or CIDR range`);
  const max = v4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`"${text}" has an invalid prefix length`);
  return { bytes: v4 ? v4Bytes(ip) : v6Bytes(ip), prefix, text: text.trim() };
}

function contains(range: Cidr, bytes: Uint8Array): boolean {
  if (range.bytes.length !== bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.bytes[i] & mask) !== (bytes[i] & mask)) return false;
  }
  return true;
}

const table = (rows: [string, string][]) => rows.map(([cidr, label]) => ({ range: parseCidr(cidr), label }));

const V4_REFUSED = table([
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

const V6_REFUSED = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001::/32', 'Teredo tunnel'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
]);

// IPv6 forms that carry an IPv4 address: judged by the IPv4 address inside.
const EMBEDDED_V4: { range: Cidr; offset: number; label: string }[] = [
  { range: parseCidr('::ffff:0:0/96'), offset: 12, label: 'IPv4-mapped' },
  { range: parseCidr('64:ff9b::/96'), offset: 12, label: 'NAT64' },
  { range: parseCidr('2002::/16'), offset: 2, label: '6to4' },
  { range: parseCidr('::/96'), offset: 12, label: 'IPv4-compatible' },
];

/** The bytes of an address and, for IPv6 forms that wrap one, the IPv4 address inside. */
function addressForms(ip: string): { bytes: Uint8Array; v4?: Uint8Array; wrapper?: string } {
  if (isIPv4(ip)) return { bytes: v4Bytes(ip) };
  const bytes = v6Bytes(ip);
  for (const form of EMBEDDED_V4) {
    if (!contains(form.range, bytes)) continue;
    if (form.label === 'IPv4-compatible' && bytes.slice(12).every((b, i) => b === 0 || (i === 3 && b === 1))) break;
    return { bytes, v4: bytes.slice(form.offset, form.offset + 4), wrapper: form.label };
  }
  return { bytes };
}

/** Why an address is not a public unicast address, or undefined when it is one. */
export function nonPublicReason(ip: string): string | undefined {
  if (!isIPv4(ip) && !isIPv6(ip)) return 'not an IP address';
  const { bytes, v4, wrapper } = addressForms(ip);
  if (v4) {
    const inner = V4_REFUSED.find((r) => contains(r.range, v4));
    return inner ? `${inner.label} (${wrapper})` : undefined;
  }
  const rows = bytes.length === 4 ? V4_REFUSED : V6_REFUSED;
  return rows.find((r) => contains(r.range, bytes))?.label;
}

/** Why the policy refuses this address, or undefined when a request may go there. */
export function refusalReason(ip: string, policy: AddressPolicy): string | undefined {
  const reason = nonPublicReason(ip);
  if (!reason || policy.allowPrivate) return undefined;
  const { bytes, v4 } = addressForms(ip);
  if (policy.allowlist.some((r) => contains(r, bytes) || (v4 !== undefined && contains(r, v4)))) return undefined;
  return reason;
}

export function addressPolicy(settings: { allowPrivate: boolean; allowlist: string[] }): AddressPolicy {
  return { allowPrivate: settings.allowPrivate, allowlist: settings.allowlist.map(parseCidr) };
}

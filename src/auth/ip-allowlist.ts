import ipaddr from 'ipaddr.js';

/** A validation problem with one entry of an allowlist. */
export interface AllowlistIssue {
  index: number;
  reason: string;
}

/**
 * Normalises a list of CIDR blocks (IPv4 or IPv6; a bare address means that one address).
 * Answers the normalised list, or the entries that are not valid.
 */
export function parseAllowlist(entries: readonly string[]): { ok: true; cidrs: string[] } | { ok: false; issues: AllowlistIssue[] } {
  const cidrs: string[] = [];
  const issues: AllowlistIssue[] = [];
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    try {
      const address = entry.split('/')[0];
      // Only dotted-quad IPv4 (no "10.1" or octal shorthands) or a valid IPv6 address.
      if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !(address.includes(':') && ipaddr.IPv6.isValid(address))) throw new Error('invalid');
      if (entry.includes('/')) {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        cidrs.push(`${addr.toString()}/${bits}`);
      } else {
        const addr = ipaddr.parse(entry);
        cidrs.push(`${addr.toString()}/${addr.kind() === 'ipv4' ? 32 : 128}`);
      }
    } catch {
      issues.push({ index, reason: 'must be an IPv4 or IPv6 address or CIDR block such as 203.0.113.0/24 or 2001:db8::/32' });
    }
  });
  return issues.length ? { ok: false, issues } : { ok: true, cidrs: [...new Set(cidrs)] };
}

/** Whether the address is inside one of the blocks. An empty or missing list allows every address. */
export function ipAllowed(ip: string | undefined, cidrs: readonly string[] | null | undefined): boolean {
  if (!cidrs || cidrs.length === 0) return true;
  if (!ip || !ipaddr.isValid(ip)) return false;
  // ::ffff:203.0.113.5 (an IPv4 client on a dual-stack socket) matches IPv4 blocks.
  const addr = ipaddr.process(ip);
  for (const cidr of cidrs) {
    try {
      const range = ipaddr.parseCIDR(cidr);
      if (addr.kind() === range[0].kind() && addr.match(range)) return true;
    } catch {
      /* stored lists are validated; ignore anything else */
    }
  }
  return false;
}

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AddressPolicy, refusalReason } from './address-policy.ts';

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL that passed the checks, with the address the request must connect to. */
export interface CheckedUrl {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type UrlCheck = { ok: true; target: CheckedUrl } | { ok: false; reason: string };

/** Checks the form of an outbound URL without resolving it: absolute, http(s), a host. */
export function urlFormProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL (it must start with https:// or http://)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `uses ${url.protocol.replace(':', '')}; only http and https are allowed`;
  if (!url.hostname) return 'has no host';
  return undefined;
}

/**
 * Resolves the URL's host and picks an address the policy allows. The request must then connect to
 * exactly that address (see http-client.ts), so a DNS answer that changes between this check and
 * the connection cannot redirect it. Run at creation and again before every attempt.
 */
export async function checkOutboundUrl(text: string, policy: AddressPolicy, lookup: Lookup = systemLookup): Promise<UrlCheck> {
  const problem = urlFormProblem(text);
  if (problem) return { ok: false, reason: `The URL ${problem}.` };
  const url = new URL(text);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host);
    } catch (err) {
      return { ok: false, reason: `The host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}).` };
    }
    if (addresses.length === 0) return { ok: false, reason: `The host ${host} does not resolve.` };
  }
  const refusals: string[] = [];
  for (const a of addresses) {
    const reason = refusalReason(a.address, policy);
    if (!reason) return { ok: true, target: { url, address: a.address, family: a.family === 6 ? 6 : 4 } };
    refusals.push(`${a.address} (${reason})`);
  }
  return {
    ok: false,
    reason: `The host ${host} resolves only to addresses outbound requests may not reach: ${refusals.join(', ')}. Use a public address, or allow the range with OPENIB_OUTBOUND_ALLOWLIST.`,
  };
}

const DANGEROUS = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'filesystem', 'view-source']);
export const MAX_DESTINATION = 2000;

/**
 * Checks a link's destination: an absolute http(s) URL with a host and no credentials, or a deep
 * link into the broker's app with a scheme from OPENIB_LINK_APP_SCHEMES. Script-bearing schemes
 * (javascript:, data:, vbscript:…) are never accepted: the redirect must not become an XSS vector.
 */
export function checkDestination(raw: string, appSchemes: readonly string[]): { value: string } | { reason: string } {
  const text = raw.trim();
  if (text.length === 0 || text.length > MAX_DESTINATION) return { reason: `must be 1–${MAX_DESTINATION} characters` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters hide schemes from naive checks
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return { reason: 'must not contain spaces or control characters' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { reason: 'must be an absolute URL such as https://broker.example/register' };
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    if (!url.hostname) return { reason: 'must name a host' };
    if (url.username || url.password) return { reason: 'must not contain a user name or password' };
    return { value: url.href };
  }
  if (DANGEROUS.has(scheme)) return { reason: `must not use the ${scheme}: scheme; use an http(s) URL` };
  if (!appSchemes.includes(scheme))
    return {
      reason: appSchemes.length
        ? `uses the ${scheme}: scheme; allowed are http, https and ${appSchemes.join(', ')} (OPENIB_LINK_APP_SCHEMES)`
        : `uses the ${scheme}: scheme; only http(s) is allowed unless the broker lists its app schemes in OPENIB_LINK_APP_SCHEMES`,
    };
  return { value: url.href };
}

export interface UtmValues {
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
}

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** A destination prepared once per link, so each redirect only appends its click id. */
export interface RedirectTemplate {
  base: string;
  joiner: '' | '?' | '&';
  hash: string;
}

export function redirectTemplate(destination: string, utm: UtmValues): RedirectTemplate {
  const url = new URL(destination);
  const hash = url.hash;
  url.hash = '';
  const present = UTM_KEYS.filter((k) => utm[k]);
  if (present.some((k) => url.searchParams.has(k))) {
    // The destination carries the same parameter: the link's value replaces it.
    for (const k of present) url.searchParams.set(k, utm[k] as string);
  } else if (present.length) {
    const extra = present.map((k) => `${k}=${encodeURIComponent(utm[k] as string)}`).join('&');
    const href = url.href;
    return withJoiner(`${href}${joinerFor(href)}${extra}`, hash);
  }
  return withJoiner(url.href, hash);
}

const joinerFor = (href: string): '' | '?' | '&' => (href.endsWith('?') || href.endsWith('&') ? '' : href.includes('?') ? '&' : '?');
const withJoiner = (base: string, hash: string): RedirectTemplate => ({ base, joiner: joinerFor(base), hash });

export const redirectLocation = (t: RedirectTemplate, clickId: string | undefined) =>
  clickId ? `${t.base}${t.joiner}click_id=${clickId}${t.hash}` : `${t.base}${t.hash}`;

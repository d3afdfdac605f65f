/** Sessions, sign-in and the embeddable widget, read from the environment by loadConfig (docs/web.md). */
export interface WebSettings {
  /** Secure flag on the session cookie: OPENIB_COOKIE_SECURE=1, or an https OPENIB_PUBLIC_URL. */
  cookieSecure: boolean;
  /** A session ends after this long without a request (OPENIB_SESSION_IDLE_MINUTES). */
  sessionIdleMinutes: number;
  /** A session ends this long after sign-in whatever happens (OPENIB_SESSION_MAX_HOURS). */
  sessionMaxHours: number;
  /** Partners signing up in the portal are active at once (OPENIB_PORTAL_AUTO_APPROVE=1) or pending. */
  portalAutoApprove: boolean;
  /** Lifetime of widget embed tokens (OPENIB_EMBED_TOKEN_TTL_SECONDS). */
  embedTokenTtlSeconds: number;
  /** Browser origins allowed to call the API cross-origin (OPENIB_CORS_ORIGINS, comma-separated). */
  corsOrigins: string[];
  /** Sign-in and sign-up requests per minute from one IP address (OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE). */
  signInRateLimitPerMinute: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be 0 or 1, got "${raw}"`);
}

function origins(raw: string | undefined): string[] {
  const out: string[] = [];
  for (const part of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new Error(`OPENIB_CORS_ORIGINS must list origins such as https://broker.example, got "${part}"`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== part.replace(/\/$/, ''))
      throw new Error(`OPENIB_CORS_ORIGINS must list bare origins (scheme://host[:port], no path), got "${part}"`);
    out.push(url.origin);
  }
  return out;
}

export function loadWebSettings(env: NodeJS.ProcessEnv, publicUrl: string): WebSettings {
  return {
    cookieSecure: flag(env, 'OPENIB_COOKIE_SECURE', publicUrl.startsWith('https:')),
    sessionIdleMinutes: int(env, 'OPENIB_SESSION_IDLE_MINUTES', 60, 1, 60 * 24 * 30),
    sessionMaxHours: int(env, 'OPENIB_SESSION_MAX_HOURS', 12, 1, 24 * 90),
    portalAutoApprove: flag(env, 'OPENIB_PORTAL_AUTO_APPROVE', true),
    embedTokenTtlSeconds: int(env, 'OPENIB_EMBED_TOKEN_TTL_SECONDS', 900, 10, 86_400),
    corsOrigins: origins(env.OPENIB_CORS_ORIGINS),
    signInRateLimitPerMinute: int(env, 'OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE', 30, 1, 100_000),
  };
}

import type { CallOptions, CallResult, TestServer } from './server.ts';

/** A browser-like client: keeps the session cookie and sends the CSRF token on writes. */
export interface Browserish {
  cookie: string | undefined;
  csrf: string | undefined;
  setCookie: string | null;
  call(method: string, path: string, opts?: CallOptions & { csrf?: boolean }): Promise<CallResult>;
  signIn(kind: 'portal' | 'admin', email: string, password: string): Promise<CallResult>;
}

export function browserish(t: TestServer): Browserish {
  const b: Browserish = {
    cookie: undefined,
    csrf: undefined,
    setCookie: null,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (b.cookie) headers.cookie = `openib_session=${b.cookie}`;
      if (b.csrf && opts.csrf !== false && !['GET', 'HEAD'].includes(method)) headers['x-csrf-token'] = b.csrf;
      const res = await t.call(method, path, { ...opts, headers });
      const set = res.headers.get('set-cookie');
      if (set) {
        b.setCookie = set;
        const m = /openib_session=([^;]*)/.exec(set);
        if (m) b.cookie = m[1] || undefined;
      }
      if (res.body && typeof res.body === 'object' && typeof res.body.csrf_token === 'string') b.csrf = res.body.csrf_token;
      return res;
    },
    signIn(kind, email, password) {
      return b.call('POST', `/api/v1/${kind}/sign-in`, { body: { email, password } });
    },
  };
  return b;
}

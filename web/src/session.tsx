import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, ApiError, setCsrfToken, whenSignedOut } from './api.ts';
import { ErrorMessage, Loading } from './ui.tsx';

export interface User {
  id: string;
  kind: 'partner' | 'admin';
  email: string;
  name: string;
  role: string | null;
  partner_id: string | null;
  partner_status: string | null;
}

export interface Me {
  user: User;
  scopes: string[];
}

export interface UiConfig {
  broker_time_zone: string;
  version: string;
  default_destination_url: string | null;
  link_base_url: string;
}

interface SessionValue {
  me: Me;
  config: UiConfig;
  signOut: () => Promise<void>;
  refresh: () => Promise<void>;
  /** Whether the signed-in person may write with this scope (admin holds every scope). */
  can: (scope: string) => boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in area');
  return value;
}

interface MeResponse {
  data: Me;
  csrf_token: string;
}

let configPromise: Promise<UiConfig> | null = null;
export function loadUiConfig(): Promise<UiConfig> {
  configPromise ??= api.get<UiConfig>('/api/v1/ui-config').catch((err) => {
    configPromise = null;
    throw err;
  });
  return configPromise;
}

/** Accepts a sign-in / sign-up answer: remembers the CSRF token for later writes. */
export function acceptSession(res: { csrf_token?: string }) {
  if (res.csrf_token) setCsrfToken(res.csrf_token);
}

/**
 * Loads who is signed in (GET /api/v1/me). Without a session it renders `signIn`; a person of the other kind (a partner in the
 * admin console, staff in the portal) is told so and can sign out.
 */
export function SessionGate({ kind, signIn, children }: { kind: 'partner' | 'admin'; signIn: (done: () => void) => ReactNode; children: ReactNode }) {
  const [state, setState] = useState<{ me?: Me; config?: UiConfig; error?: unknown; signedOut?: boolean }>({});
  const load = useCallback(async () => {
    try {
      const [me, config] = await Promise.all([api.get<MeResponse>('/api/v1/me', { quiet401: true }), loadUiConfig()]);
      setCsrfToken(me.csrf_token);
      setState({ me: me.data, config });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setCsrfToken(null);
        setState({ signedOut: true });
      } else setState({ error: err });
    }
  }, []);
  useEffect(() => {
    void load();
    whenSignedOut(() => setState({ signedOut: true }));
    return () => whenSignedOut(null);
  }, [load]);

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/v1/sign-out', {}, { quiet401: true });
    } catch {
      /* the session may already be gone */
    }
    setCsrfToken(null);
    setState({ signedOut: true });
  }, []);

  if (state.signedOut) return <>{signIn(() => void load())}</>;
  if (state.error) return <main className="center-page"><ErrorMessage error={state.error} retry={() => void load()} /></main>;
  if (!state.me || !state.config) return <main className="center-page"><Loading label="Opening your session…" /></main>;
  if (state.me.user.kind !== kind) {
    return (
      <main className="center-page">
        <div className="card narrow">
          <h1>{kind === 'admin' ? 'Admin console' : 'Partner portal'}</h1>
          <p>
            You are signed in as {state.me.user.email}, a {state.me.user.kind === 'admin' ? 'broker staff' : 'partner'} account. Sign out to use the{' '}
            {kind === 'admin' ? 'admin console with an admin login' : 'partner portal with a partner login'}, or go to the{' '}
            <a href={state.me.user.kind === 'admin' ? '/admin/' : '/portal/'}>{state.me.user.kind === 'admin' ? 'admin console' : 'partner portal'}</a>.
          </p>
          <button type="button" className="btn" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </main>
    );
  }
  const me = state.me;
  const value: SessionValue = {
    me,
    config: state.config,
    signOut,
    refresh: load,
    can: (scope) => me.scopes.includes('admin') || me.scopes.includes(scope),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

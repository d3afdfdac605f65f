import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { Scope } from '../auth/scopes.ts';
import type { Clock } from '../worker/clock.ts';

/** What every route can reach: the database, the configuration, the token signing key and the clock. */
export interface AppContext {
  db: Database;
  config: Config;
  signingKey: Uint8Array;
  /** The time schedules are computed from; the same clock as the background workers'. */
  clock: Clock;
}

export interface Caller {
  /** Who acts, as written to the audit log: the API client id, or `user:<id>` for a signed-in person. */
  clientId: string;
  scopes: string[];
  /** Set for partner-bound callers: they reach this partner and its subtree only. */
  partnerId?: string;
  /** How the caller authenticated. */
  via?: 'token' | 'session' | 'embed';
  /** The signed-in person (portal or admin console user), when via is 'session'. */
  userId?: string;
  /** An admin console user's role. */
  role?: 'admin' | 'finance' | 'viewer';
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
    /** Rate-limit windows: in the database on a PostgreSQL server (shared by all API processes), else in memory. */
    windowCounter: import('./rate-limit-store.ts').WindowCounter;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** The scope a caller's token must carry. Routes without one must say public: true. */
    scope?: Scope;
    public?: boolean;
    /** Also accept the bearer token as ?access_token= (for EventSource clients, which cannot send headers). */
    tokenInQuery?: boolean;
    /** For any signed-in person (session cookie), whatever the scopes; API tokens are refused. */
    session?: boolean;
    /** Only for widget embed tokens (POST /api/v1/embed-tokens); nothing else is accepted. */
    embed?: boolean;
    /** The route writes its own audit entries in its transaction; the fallback hook leaves it alone. */
    auditsItself?: boolean;
  }
}

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
  clientId: string;
  scopes: string[];
  partnerId?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
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
  }
}

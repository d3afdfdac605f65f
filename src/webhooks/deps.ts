import type { Config } from '../config.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../worker/clock.ts';
import { type AddressPolicy, addressPolicy } from './address-policy.ts';
import type { WebhookSettings } from './settings.ts';

/** What the webhooks area needs from the platform, shared by its routes and its worker task. */
export interface WebhookDeps {
  db: Database;
  clock: Clock;
  settings: WebhookSettings;
  /** Read on every use, so the address policy follows the configuration object. */
  policy(): AddressPolicy;
}

export function webhookDeps(ctx: { db: Database; config: Config; clock: Clock }): WebhookDeps {
  const { db, config, clock } = ctx;
  return {
    db,
    clock,
    settings: config.webhooks,
    policy: () => addressPolicy(config.webhooks),
  };
}

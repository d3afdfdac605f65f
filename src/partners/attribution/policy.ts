import { type Config, loadConfig } from '../../config.ts';

export interface AttributionPolicy {
  /** A click counts for registrations up to this many days after it (OPENIB_CLICK_WINDOW_DAYS). */
  clickWindowDays: number;
  /** An owner keeps a customer at least this long unless a reassignment is forced (OPENIB_GUARANTEED_ATTRIBUTION_DAYS). */
  guaranteedDays: number;
}

export const policyFrom = (config: Config): AttributionPolicy => ({
  clickWindowDays: config.clickWindowDays,
  guaranteedDays: config.guaranteedAttributionDays,
});

let current: AttributionPolicy | undefined;

/**
 * Attribution runs inside the data API's customer upsert, which is given a transaction and no
 * configuration; the HTTP app installs its configuration here when it starts. Code that runs
 * before that (demo data, the CLI) gets the policy of the process environment.
 */
export function useAttributionPolicy(policy: AttributionPolicy): void {
  current = policy;
}

export function attributionPolicy(): AttributionPolicy {
  current ??= policyFrom(loadConfig());
  return current;
}

export const DAY_MS = 86_400_000;

import type { Task } from '../worker/runner.ts';
import { scan } from './cases.ts';

/** How often the workers compute the risk signals (each scan reads each programme's whole look-back window). */
export const RISK_SCAN_INTERVAL_MS = 5 * 60_000;

/** Computes the risk signals from the ingested facts and opens or updates cases. */
export function riskScanTask(): Task {
  return {
    name: 'risk-scan',
    intervalMs: RISK_SCAN_INTERVAL_MS,
    async run(ctx) {
      const result = await ctx.db.transaction((tx) => scan(tx, { now: ctx.clock.now().toISOString(), timeZone: ctx.config.brokerTimeZone }));
      if (result.opened.length || result.updated) ctx.log.info({ opened: result.opened.length, updated: result.updated }, 'risk cases opened or updated');
      return false;
    },
  };
}

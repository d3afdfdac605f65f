import { businessDate } from '../shared/dates.ts';
import type { Task } from '../worker/runner.ts';
import { expireVerifications } from './verification.ts';

/** Hourly: approved verifications whose documents expire become expired and ask the partner to verify again. */
export function verificationExpiryTask(): Task {
  return {
    name: 'verification-expiry',
    intervalMs: 60 * 60_000,
    async run(ctx) {
      const today = businessDate(ctx.clock.now().toISOString(), ctx.config.brokerTimeZone);
      await ctx.db.transaction((tx) => expireVerifications(tx, today, ctx.config.compliance.reverifyNoticeDays, ctx.config.publicUrl));
      return false;
    },
  };
}

/**
 * The incremental engine against the whole-month engine: random sequences of facts are applied and
 * the background task recomputes what each step touched; after every step a whole recomputation of
 * every month must find nothing to write (no new entry, no reversal, no released hold), so both
 * ledgers agree entry by entry and therefore in every sum by partner, currency, kind and status.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apply, config, drain, fullRecomputationDelta, NOW, setup, step } from '../../../test/helpers/commission-world.ts';
import { migratedDatabase } from '../../../test/helpers/database.ts';
import { ManualClock } from '../../worker/clock.ts';
import { silentLogger } from '../../worker/log.ts';
import { commissionTask } from './task.ts';

describe('incremental recomputation agrees with whole-month recomputation', () => {
  it('after every step of random sequences of facts, plan, jurisdiction policy, country, tree and fx changes and period closes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        const { db, close } = await migratedDatabase();
        try {
          const ids = await setup(db);
          const task = commissionTask();
          const ctx = { db, config: { ...config, commissionsAuto: true }, clock: new ManualClock(new Date(NOW)), log: silentLogger, signal: new AbortController().signal, wake() {} };
          await drain(task, ctx);
          for (const [i, s] of steps.entries()) {
            // A step the domain refuses (a loop in the tree, a move before the last one) changes nothing.
            await apply(db, s, ids).catch((err: { status?: number }) => {
              if (!err.status || err.status >= 500) throw err;
            });
            await drain(task, ctx);
            const delta = await fullRecomputationDelta(db);
            expect({ step: i, ...s, delta }).toEqual({ step: i, ...s, delta: { entries: 0, reversed: 0, released: 0, sample: [] } });
          }
        } finally {
          await close();
        }
      }),
      { seed: 20261203, numRuns: Number(process.env.OPENIB_PROPERTY_RUNS ?? 6), endOnFailure: true },
    );
  }, 600_000);
});

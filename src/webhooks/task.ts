import type { Task, WorkerContext } from '../worker/runner.ts';
import { claimLanes, type Lane } from './claim.ts';
import { deliverLane } from './deliver.ts';
import { webhookDeps } from './deps.ts';
import { fanOut, MESSAGES_CHANNEL } from './fanout.ts';
import { createHttpClient, type HttpClient } from './http-client.ts';
import type { Lookup } from './outbound-url.ts';
import { recordLane } from './record.ts';

export interface DeliveryTaskOptions {
  /** DNS resolution for outbound hosts (tests). */
  lookup?: Lookup;
  /** Source of jitter, 0 ≤ x < 1 (tests). */
  random?: () => number;
}

/**
 * The outbound delivery worker: reads new events into messages, then sends due messages. Each
 * endpoint's messages go out as a lane, lanes of different endpoints in parallel up to the
 * configured concurrency; a round never waits for a slow lane, so one slow receiver holds one slot
 * and nothing else.
 */
export function webhookDeliveryTask(options: DeliveryTaskOptions = {}): Task {
  const lanes = new Map<string, Promise<void>>();
  let http: HttpClient | undefined;
  let heldBack = false;

  async function runLane(ctx: WorkerContext, lane: Lane) {
    const deps = webhookDeps(ctx);
    const s = deps.settings;
    http ??= createHttpClient();
    try {
      const result = await deliverLane(lane, {
        http,
        clock: ctx.clock,
        policy: deps.policy(),
        timeoutMs: s.timeoutMs,
        budgetMs: s.laneBudgetMs,
        responseLimitBytes: s.responseLimitBytes,
        lookup: options.lookup,
      });
      await recordLane(ctx.db, lane, result, {
        now: ctx.clock.now(),
        schedule: s.retrySchedule,
        breakerAfter: s.breakerAfter,
        breakerCooldownSeconds: s.breakerCooldownSeconds,
        failingAfter: s.failingAfter,
        random: options.random,
      });
    } catch (err) {
      // The lease runs out and the messages are claimed again: nothing is lost.
      ctx.log.error({ err, endpoint: lane.endpoint.id }, 'webhook delivery lane failed');
    }
  }

  return {
    name: 'webhooks',
    wakeOn: ['openib_events', MESSAGES_CHANNEL],
    async run(ctx) {
      if (ctx.signal.aborted) return false;
      const s = ctx.config.webhooks;
      const fan = await fanOut(ctx.db, ctx.clock.now());
      heldBack = fan.heldBack;
      const read = fan.read;
      const free = s.concurrency - lanes.size;
      if (free <= 0) return read > 0;
      const claimed = await claimLanes(ctx.db, {
        now: ctx.clock.now(),
        lanes: free,
        perEndpoint: s.perEndpointBatch,
        breakerAfter: s.breakerAfter,
        // A lane starts no send after its budget, so this covers the last one's timeout and a grace;
        // a worker that dies holds its messages this long.
        leaseMs: s.laneBudgetMs + s.timeoutMs + s.leaseGraceMs,
        busy: [...lanes.keys()],
      });
      for (const lane of claimed) {
        const running = runLane(ctx, lane).finally(() => {
          lanes.delete(lane.endpoint.id);
          ctx.wake();
        });
        lanes.set(lane.endpoint.id, running);
      }
      return read > 0 || claimed.length > 0;
    },
    // Not idle while lanes run or committed events wait behind an open transaction.
    busy: () => lanes.size > 0 || heldBack,
    async close() {
      await Promise.allSettled(lanes.values());
      http?.close();
    },
  };
}

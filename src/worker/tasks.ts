import { purgeExpiredIdempotencyKeys } from '../http/idempotency.ts';
import { webhookDeliveryTask } from '../webhooks/task.ts';
import type { Task } from './runner.ts';

/** Forgets Idempotency-Key answers past their retention (OPENIB_IDEMPOTENCY_TTL_HOURS), every ten minutes. */
const idempotencyPurgeTask: Task = {
  name: 'idempotency-purge',
  intervalMs: 10 * 60_000,
  async run(ctx) {
    await purgeExpiredIdempotencyKeys(ctx.db, ctx.config.idempotencyTtlHours);
    return false;
  },
};

/** Every background task a worker process runs. An area with background work adds its task here. */
export function platformTasks(): Task[] {
  return [webhookDeliveryTask(), idempotencyPurgeTask];
}

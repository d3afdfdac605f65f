import { purgeExpiredIdempotencyKeys } from '../http/idempotency.ts';
import { type ConnectorTask, connectorTasks } from '../connectors/tasks.ts';
import type { AppContext } from '../http/context.ts';
import { commissionTask } from '../commissions/engine/task.ts';
import { webhookDeliveryTask } from '../webhooks/task.ts';
import { rollupTask } from '../reporting/task.ts';
import { keyRotationTask } from '../privacy/rotation.ts';
import { riskScanTask } from '../risk/task.ts';
import { dailyCheckpointTask } from '../ledger/checkpoints.ts';
import type { Task } from './runner.ts';
import { emailDeliveryTask } from '../compliance/email/task.ts';
import { emailNoticeTask } from '../compliance/email/notices.ts';
import { verificationExpiryTask } from '../compliance/task.ts';

/** Forgets Idempotency-Key answers past their retention (OPENIB_IDEMPOTENCY_TTL_HOURS), every ten minutes. */
const idempotencyPurgeTask: Task = {
  name: 'idempotency-purge',
  intervalMs: 10 * 60_000,
  async run(ctx) {
    await purgeExpiredIdempotencyKeys(ctx.db, ctx.config.idempotencyTtlHours);
    return false;
  },
};

/** A connector's scheduled work, run by the worker runtime every intervalMs. */
function fromConnectorTask(task: ConnectorTask, app: AppContext): Task {
  return {
    name: task.name,
    intervalMs: task.intervalMs,
    async run(ctx) {
      await task.run(app, ctx.signal);
      return false;
    },
  };
}

/** Every background task a worker process runs. An area with background work adds its task here. */
export function platformTasks(app: AppContext): Task[] {
  return [
    webhookDeliveryTask(),
    commissionTask(),
    rollupTask(),
    riskScanTask(),
    keyRotationTask(),
    idempotencyPurgeTask,
    emailNoticeTask(),
    emailDeliveryTask(),
    verificationExpiryTask(),
    ...(app.config.ledger.dailyCheckpoints ? [dailyCheckpointTask()] : []),
    ...connectorTasks.map((t) => fromConnectorTask(t, app)),
  ];
}

import { webhookDeliveryTask } from '../webhooks/task.ts';
import type { Task } from './runner.ts';

/** Every background task a worker process runs. An area with background work adds its task here. */
export function platformTasks(): Task[] {
  return [webhookDeliveryTask()];
}

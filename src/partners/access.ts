import type { Sql } from '../db/index.ts';
import type { Caller } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';
import { isInSubtree } from './tree.ts';

const hidden = () => new AppError(404, 'not_found', 'No partner with this id.');

/**
 * A partner-scoped token (api_clients.partner_id) reaches only its own partner and the subtree
 * below it. Anything else answers 404, exactly as for an id that does not exist, so partner ids
 * cannot be probed. Callers without a partner id are broker staff and integrations: unrestricted.
 */
export async function assertPartnerAccess(db: Sql, caller: Caller | undefined, partnerId: string): Promise<void> {
  const root = caller?.partnerId;
  if (root === undefined) return;
  if (root === partnerId) return;
  if (!(await isInSubtree(db, root, partnerId))) throw hidden();
}

/** Some actions are the broker's alone (moves, suspensions, reassignments): refuse partner tokens. */
export function assertBrokerCaller(caller: Caller | undefined, action: string): void {
  if (caller?.partnerId !== undefined)
    throw new AppError(403, 'broker_only', `Only the broker can ${action}; a partner's own token cannot.`);
}

import type { Sql } from '../db/index.ts';
import type { AppContext } from '../http/context.ts';
import { AppError, validationFailed } from '../shared/errors.ts';
import { applyStrict } from './apply.ts';
import type { DeadLetter } from './dead-letters.ts';
import { entityNamed } from './entities.ts';
import { applyMappedEvent } from './inbound/receive.ts';
import { requireMapping } from './mapping/store.ts';

/** Applies a dead letter's payload again through the path it came from. */
export async function applyDeadLetter(ctx: AppContext, tx: Sql, letter: DeadLetter): Promise<void> {
  const opts = { timeZone: ctx.config.brokerTimeZone };
  const p = letter.payload;
  if (p.kind === 'records') {
    const entity = entityNamed(p.entity);
    if (!entity) throw validationFailed([{ field: 'entity', reason: `"${p.entity}" is not an entity OpenIB knows` }]);
    await applyStrict(tx, entity, p.records, opts);
  } else if (p.kind === 'event') {
    await applyMappedEvent(tx, await requireMapping(tx, ctx.config.mappingsDir, p.mapping), p.event, opts);
  } else {
    throw new AppError(422, 'not_retryable', 'This payload could not be read at all (not JSON, or no known shape); fix it at the source, then discard this dead letter.');
  }
  // A redelivery of the same event after a successful retry is then a duplicate.
  if (letter.event_key)
    await tx.query(`INSERT INTO connector_received (source, event_key, result) VALUES ($1, $2, '{"status":"accepted"}'::jsonb) ON CONFLICT DO NOTHING`, [
      letter.source,
      letter.event_key,
    ]);
}

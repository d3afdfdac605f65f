import type { FastifyRequest } from 'fastify';
import { parseDate } from '../shared/dates.ts';
import { AppError } from '../shared/errors.ts';

/** The named caller of an action: the API client id (admin users act through their own clients). */
export const actorOf = (r: FastifyRequest) => r.caller?.clientId ?? 'unknown';

export function dayParam(name: string, value: string): string {
  const p = parseDate(value);
  if ('reason' in p) throw new AppError(422, 'validation_failed', `${name} ${p.reason}.`, [{ field: name, reason: p.reason }]);
  return p.value;
}

/** A partner-bound token reads only its own statements; anything else looks like an unknown id. */
export function assertOwnStatement(r: FastifyRequest, partnerId: string): void {
  const own = r.caller?.partnerId;
  if (own !== undefined && own !== partnerId) throw new AppError(404, 'not_found', 'Statement was not found.');
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Database, Sql } from '../db/index.ts';
import type { Caller } from '../http/context.ts';
import { AppError } from '../shared/errors.ts';
import type { Actor } from './verification.ts';
import type { Config } from '../config.ts';

export const tags = ['Compliance'];
export const hidden = () => new AppError(404, 'not_found', 'No partner with this id.');

/**
 * A partner-bound caller reaches its own compliance records only (not its sub-IBs': identity
 * documents and tax forms are the partner's own); broker callers need admin (read:all to read).
 */
export function assertOwnOrBroker(caller: Caller | undefined, partnerId: string, write: boolean): void {
  if (caller?.partnerId !== undefined) {
    if (caller.partnerId !== partnerId) throw hidden();
    return;
  }
  const scopes = caller?.scopes ?? [];
  if (scopes.includes('admin') || (!write && scopes.includes('read:all'))) return;
  throw new AppError(403, 'forbidden', 'Compliance records are for the partner itself and for admins.');
}

export async function assertPartner(db: Sql, partnerId: string): Promise<void> {
  const [row] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partnerId]);
  if (!row) throw hidden();
}

/** What every compliance route reads: the database, the settings and who is acting. */
export interface ComplianceRouteContext {
  db: Database;
  s: Config['compliance'];
  today: () => string;
  who: (request: FastifyRequest) => Actor;
}

/** The Fastify instance the compliance routes are added to. */
export type ComplianceApp = Parameters<FastifyPluginAsyncTypebox>[0];

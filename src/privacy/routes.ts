import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { eraseCustomer } from './erase.ts';
import { keyStatus, startRotation } from './rotation.ts';

const KeyStatusView = Type.Object({
  active_key_id: Type.String(),
  key_ids: Type.Array(Type.String()),
  hash_key_id: Type.String(),
  key_source: Type.String({ description: 'configured, legacy-variable, generated-file (embedded database only) or ephemeral (in-memory database).' }),
  pending: Type.Record(Type.String(), Type.Integer(), { description: 'Per table: rows with a value not sealed under the active key yet.' }),
  by_key: Type.Record(Type.String(), Type.Integer(), { description: 'Sealed values per key id ("legacy": sealed before the key ring; "clear": personal data not sealed yet).' }),
  rotation: Type.Union([
    Type.Object({
      id: Type.Integer(),
      status: Type.String(),
      target_key_id: Type.String(),
      table: Type.Union([Type.String(), Type.Null()]),
      rewritten: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
      started_at: Type.String(),
      finished_at: Type.Union([Type.String(), Type.Null()]),
      requested_by: Type.String(),
    }),
    Type.Null(),
  ]),
});

const CustomerParam = Type.Object({ customer_id: Type.String({ minLength: 1, maxLength: 500, description: 'The broker\'s customer id.' }) });

export const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/keys/status',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Privacy'],
        summary: 'Encryption keys and rotation progress',
        description: 'Which key seals new values, which keys the ring holds, how many values are still under an older key, and the last rotation.',
        response: { 200: Type.Object({ data: KeyStatusView }) },
      },
    },
    async () => ({ data: await keyStatus(db) }),
  );

  app.post(
    '/api/v1/keys/rotate',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Privacy'],
        summary: 'Re-encrypt everything under the active key',
        description:
          'Starts a background rotation (a worker re-seals every value not under the active key, in batches, resumable); answers 202 at once. Follow it with GET /api/v1/keys/status. `full` also re-seals values already under the active key and recomputes every keyed hash (after OPENIB_HASH_KEY changed).',
        body: Type.Optional(Type.Object({ full: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
        response: { 202: Type.Object({ data: Type.Object({ rotation_id: Type.Integer(), started: Type.Boolean() }) }) },
      },
    },
    async (request, reply) => {
      const { id, started } = await startRotation(db, request.caller?.clientId ?? 'unknown', request.body?.full ?? false);
      return reply.code(202).send({ data: { rotation_id: id, started } });
    },
  );

  app.post(
    '/api/v1/customers/:customer_id/erase',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Privacy'],
        summary: 'Erase a customer\'s personal data',
        description:
          'Removes names, email, phone and address from the customer record and from every raw copy OpenIB keeps (connector receipts and dead letters, events, attribution claims, transaction comments, import files), replacing them with a pseudonym. Transactions, trading activity, attribution, the ledger and payouts stay, under the pseudonym. Audited; emits `customer.erased`. A second call answers 200 with status `already_erased`. Personal data sent later for this customer are dropped.',
        params: CustomerParam,
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 1000, pattern: '^[^\\u0000]*$', description: 'Why (e.g. the data subject\'s request reference); stored in the audit log.' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            data: Type.Object({
              customer_id: Type.String(),
              status: Type.Union([Type.Literal('erased'), Type.Literal('already_erased')]),
              pseudonym: Type.String(),
              erased_at: Type.String(),
              copies_scrubbed: Type.Integer(),
              files_scrubbed: Type.Integer(),
            }),
          }),
          404: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => ({
      data: await eraseCustomer(db, request.params.customer_id, { actor: request.caller?.clientId ?? 'unknown', reason: request.body.reason, ip: request.ip }),
    }),
  );
};

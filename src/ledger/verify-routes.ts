import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { assertPartnerAccess } from '../partners/access.ts';
import { requirePartner } from '../partners/partners.ts';
import { CheckpointView } from '../payouts/schemas.ts';
import { notFound } from '../shared/errors.ts';
import { getCheckpoint, listCheckpoints } from './checkpoints.ts';
import { BUNDLE_FORMAT, ledgerBundle } from './export.ts';
import { publicKeys } from './signing.ts';

const KeyView = Type.Object({
  key_id: Type.String({ examples: ['ledger-20261203-a1b2'] }),
  algorithm: Type.Literal('Ed25519'),
  public_key: Type.String({ description: 'The raw 32-byte Ed25519 public key, base64url (the `x` of an OKP JWK).' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('retired')], { description: 'retired: no longer signs; still verifies what it signed.' }),
  first_used_at: Type.String({ format: 'date-time' }),
  retired_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const Keys = Type.Object({ keys: Type.Array(KeyView) });

const Body = Type.Record(Type.String(), Type.Unknown());

const Bundle = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    partner_id: Type.String(),
    from_seq: Type.Integer({ description: 'The records listed come after this position (0: the whole chain).' }),
    from_head: Type.String({ description: 'The hash at from_seq (64 zeros for 0): the first record\'s prev.' }),
    head: Type.Object({ seq: Type.Integer(), hash: Type.String() }, { description: 'The chain\'s head now.' }),
    records: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        type: Type.Union([Type.Literal('ledger_entry'), Type.Literal('ledger_status'), Type.Literal('attribution'), Type.Literal('attribution_superseded')]),
        id: Type.Integer({ description: 'The record\'s id in its own table.' }),
        prev: Type.String(),
        hash: Type.String(),
        record: Type.Union([Body, Type.Null()], { description: 'The record as the database holds it now (null: its row is gone). Hash it yourself.' }),
      }),
    ),
    unchained: Type.Array(Body, { description: 'Rows of the partner found in no chain; an honest ledger has none.' }),
    checkpoints: Type.Array(CheckpointView),
    keys: Type.Array(KeyView),
    generated_at: Type.String({ format: 'date-time' }),
  },
  { description: 'Everything `openib verify` needs (docs/verification.md). Check it against the checkpoints you saved and the published keys, not only those inside it.' },
);

const PartnerParams = Type.Object({ partner_id: Type.String({ maxLength: 200, examples: ['IB-1000'] }) });

export const verifyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/.well-known/openib-ledger-keys.json',
    {
      config: { public: true },
      schema: {
        tags: ['Ledger verification'],
        summary: 'The keys that sign ledger checkpoints',
        description: 'Public, no authentication. Every Ed25519 key that ever signed a checkpoint, retired ones included, so checkpoints from before a key rotation keep verifying.',
        response: { 200: Keys },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: await publicKeys(db) };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/ledger/checkpoints',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Ledger verification'],
        summary: 'A partner\'s signed checkpoints',
        description: 'Oldest first. Save them: each later proof must extend them. A partner-bound caller reaches its own partner and its subtree only (404 otherwise).',
        params: PartnerParams,
        querystring: Type.Object(
          {
            after_id: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Only checkpoints after this checkpoint_id.' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(CheckpointView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      return { data: await listCheckpoints(db, partner_id, { afterId: request.query.after_id, limit: request.query.limit ?? 100 }) };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/ledger/proof',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Ledger verification'],
        summary: 'Proof that the ledger extends a checkpoint',
        description:
          'The records of the partner\'s chain after the checkpoint (all of them without `from_checkpoint`), each with its previous hash, its hash and its body as stored now, plus the partner\'s checkpoints and the signing keys. Hashing the records from the checkpoint\'s head must give the current head. A partner-bound caller reaches its own partner and its subtree only (404 otherwise).',
        params: PartnerParams,
        querystring: Type.Object(
          { from_checkpoint: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A checkpoint_id of this partner.' })) },
          { additionalProperties: false },
        ),
        response: { 200: Bundle, 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      let fromSeq = 0;
      if (request.query.from_checkpoint !== undefined) {
        const checkpoint = await getCheckpoint(db, partner_id, request.query.from_checkpoint);
        if (!checkpoint) throw notFound('Checkpoint');
        fromSeq = checkpoint.seq;
      }
      return ledgerBundle(db, partner_id, fromSeq);
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/ledger/export',
    {
      config: { scope: 'payouts:read' },
      schema: {
        tags: ['Ledger verification'],
        summary: 'The partner\'s whole ledger chain (proof bundle)',
        description: 'The proof from the start of the chain, as a file to keep and to give to `openib verify --bundle`. A partner-bound caller reaches its own partner and its subtree only (404 otherwise).',
        params: PartnerParams,
        response: { 200: Bundle, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      const bundle = await ledgerBundle(db, partner_id, 0);
      reply.header('content-disposition', `attachment; filename="openib-ledger-${partner_id.replace(/[^A-Za-z0-9_.-]/g, '_')}-${bundle.head.seq}.json"`);
      return bundle;
    },
  );
};

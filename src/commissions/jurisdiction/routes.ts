import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditRequest } from '../../audit/http.ts';
import { ErrorBody } from '../../http/schemas.ts';
import { parseDate } from '../../shared/dates.ts';
import { AppError, notFound } from '../../shared/errors.ts';
import { POLICY_EXAMPLE, PolicyDefinitionSchema } from './policy-schema.ts';
import { addPolicyVersion, createPolicy, listPolicyVersions, retirePolicy } from './policy-store.ts';
import { simulatePolicy } from './simulate.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Business date, YYYY-MM-DD.' });
const PolicyBody = Type.Object(
  { ...PolicyDefinitionSchema.properties, effective_from: Type.Optional({ ...Day, description: 'First business date the version applies to (required for a new version).' }) },
  { additionalProperties: false, examples: [{ ...POLICY_EXAMPLE, effective_from: '2026-01-01' }] },
);
const VersionView = Type.Object({
  policy_id: Type.String(),
  version: Type.Integer(),
  effective_from: Type.String({ format: 'date' }),
  definition: Type.Unknown({ description: 'The policy as submitted (see JurisdictionPolicy).' }),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.Union([Type.String(), Type.Null()]),
});
const PolicyId = Type.Object({ policy_id: Type.String({ maxLength: 64 }) });

function day(name: string, value: string): string {
  const parsed = parseDate(value);
  if ('reason' in parsed) throw new AppError(422, 'validation_failed', `${name} ${parsed.reason}.`, [{ field: name, reason: parsed.reason }]);
  return parsed.value;
}

function splitEffective(body: unknown): { policy: unknown; effectiveFrom?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { policy: body };
  const { effective_from, ...policy } = body as Record<string, unknown>;
  if (effective_from === undefined) return { policy };
  return { policy, effectiveFrom: day('effective_from', String(effective_from)) };
}

/** The policy is checked by validatePolicy, which names every field at fault (a schema union would not). */
const documentOnly = () => () => true;

export const jurisdictionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const actor = (r: { caller?: { clientId: string } }) => r.caller?.clientId;

  app.post(
    '/api/v1/jurisdiction-policies',
    {
      config: { scope: 'admin', auditsItself: true },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['Jurisdiction policies'],
        summary: 'Create a jurisdiction policy',
        description:
          'A regulator\'s rule for the clients of some countries (or all clients): client rebates off, caps per lot, per trade and per period, rule types not allowed, acquisition refused. Version 1 applies from `effective_from` (the beginning of history when omitted); the engine then recomputes every month from that date and each entry the policy cut or removed says so in its explanation.',
        body: PolicyBody,
        response: { 201: VersionView, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { policy, effectiveFrom } = splitEffective(request.body);
      const created = await db.transaction(async (tx) => {
        const version = await createPolicy(tx, policy, effectiveFrom, actor(request));
        await auditRequest(tx, request, { action: 'jurisdiction_policies.create', subject: { type: 'jurisdiction_policies', id: version.policy_id }, after: version });
        return version;
      });
      return reply.status(201).send(created);
    },
  );

  app.put(
    '/api/v1/jurisdiction-policies/:policy_id',
    {
      config: { scope: 'admin', auditsItself: true },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : (v: unknown) => typeof v === 'object'),
      schema: {
        tags: ['Jurisdiction policies'],
        summary: 'Add a jurisdiction policy version',
        description: 'The new version applies to facts dated on or after `effective_from` (required); earlier facts keep the version in force on their date. The same effective_from as an earlier version replaces it (a fix).',
        params: PolicyId,
        body: PolicyBody,
        response: { 200: VersionView, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { policy, effectiveFrom } = splitEffective(request.body);
      if (!effectiveFrom) throw new AppError(422, 'validation_failed', 'effective_from is required for a new version.', [{ field: 'effective_from', reason: 'is required' }]);
      return db.transaction(async (tx) => {
        const before = (await listPolicyVersions(tx, request.params.policy_id)).at(-1);
        const version = await addPolicyVersion(tx, request.params.policy_id, policy, effectiveFrom, actor(request));
        await auditRequest(tx, request, { action: 'jurisdiction_policies.replace', subject: { type: 'jurisdiction_policies', id: request.params.policy_id }, before, after: version });
        return version;
      });
    },
  );

  app.delete(
    '/api/v1/jurisdiction-policies/:policy_id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Jurisdiction policies'],
        summary: 'Retire a jurisdiction policy from a date',
        description: 'Adds a version marked `retired`: the policy stops applying from `effective_from`; history before keeps it (nothing is deleted).',
        params: PolicyId,
        querystring: Type.Object({ effective_from: Day }),
        response: { 200: VersionView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      db.transaction(async (tx) => {
        const before = (await listPolicyVersions(tx, request.params.policy_id)).at(-1);
        const version = await retirePolicy(tx, request.params.policy_id, day('effective_from', request.query.effective_from), actor(request));
        await auditRequest(tx, request, { action: 'jurisdiction_policies.retire', subject: { type: 'jurisdiction_policies', id: request.params.policy_id }, before, after: version });
        return version;
      }),
  );

  app.get(
    '/api/v1/jurisdiction-policies',
    { config: { scope: 'admin' }, schema: { tags: ['Jurisdiction policies'], summary: 'List jurisdiction policies with all their versions', response: { 200: Type.Object({ data: Type.Array(VersionView) }) } } },
    async () => ({ data: await listPolicyVersions(db) }),
  );

  app.get(
    '/api/v1/jurisdiction-policies/:policy_id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Jurisdiction policies'],
        summary: 'Get a jurisdiction policy: its versions, newest last',
        params: PolicyId,
        response: { 200: Type.Object({ policy_id: Type.String(), versions: Type.Array(VersionView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const versions = await listPolicyVersions(db, request.params.policy_id);
      if (!versions.length) throw notFound(`Jurisdiction policy "${request.params.policy_id}"`);
      return { policy_id: request.params.policy_id, versions };
    },
  );

  app.post(
    '/api/v1/jurisdiction-policies/simulate',
    {
      config: { scope: 'admin' },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? (v: unknown) => typeof v === 'object' && v !== null : () => true),
      schema: {
        tags: ['Jurisdiction policies'],
        summary: 'Simulate a policy (new or changed) on history before saving it',
        description:
          'Computes, from the current facts, what every partner is paid over the whole months of [from, to] under the policies in force now and with this policy version saved, and lists the entries it would cut or remove. Nothing is stored.',
        body: Type.Object(
          { policy: PolicyDefinitionSchema, effective_from: Day, from: Day, to: Day },
          { examples: [{ policy: POLICY_EXAMPLE, effective_from: '2026-01-01', from: '2026-01-01', to: '2026-03-31' }] },
        ),
        response: {
          200: Type.Object({
            policy_id: Type.String(),
            effective_from: Type.String({ format: 'date' }),
            from: Type.String({ format: 'date' }),
            to: Type.String({ format: 'date' }),
            partners: Type.Array(
              Type.Object({ partner_id: Type.String(), currency: Type.String(), current: Type.String(), with_policy: Type.String(), difference: Type.String() }),
              { description: 'Partners whose pay would change, with the amounts before rounding.' },
            ),
            entries_affected: Type.Integer(),
            entries: Type.Array(
              Type.Object({
                partner_id: Type.String(), customer_id: Type.Union([Type.String(), Type.Null()]), fact_date: Type.String(), instrument: Type.Union([Type.String(), Type.Null()]),
                rule: Type.String(), currency: Type.String(), amount: Type.String(), note: Type.Union([Type.String(), Type.Null()]),
              }),
              { description: 'The first 200 entries the policy cut or removed.' },
            ),
          }),
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const b = (request.body ?? {}) as { policy?: unknown; effective_from?: unknown; from?: unknown; to?: unknown };
      const from = day('from', String(b.from ?? ''));
      const to = day('to', String(b.to ?? ''));
      if (from > to) throw new AppError(422, 'validation_failed', 'from must not be after to.', [{ field: 'from', reason: 'is after to' }]);
      if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) throw new AppError(422, 'validation_failed', 'Simulate at most a year at a time.', [{ field: 'to', reason: 'is more than a year after from' }]);
      return simulatePolicy(db, config, { policy: b.policy, effectiveFrom: day('effective_from', String(b.effective_from ?? '')), from, to, now: clock.now().toISOString() });
    },
  );
};

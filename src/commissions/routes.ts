import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditRequest } from '../audit/http.ts';
import { ErrorBody } from '../http/schemas.ts';
import { businessDate, parseDate } from '../shared/dates.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { assertPartnerAccess } from '../partners/access.ts';
import { requirePartner } from '../partners/partners.ts';
import { cpaProgressReport } from './cpa-progress.ts';
import { computeCommissions } from './engine/run.ts';
import { simulatePlan } from './engine/simulate.ts';
import { PartnerTermsSchema } from './partner-terms.ts';
import { HierarchySchema, PLAN_EXAMPLE, planProperties, RuleSchema } from './plan-schema.ts';
import { listPeriods, previewClose } from './periods.ts';
import { addPlanVersion, assignPlan, createPlan, listPlanVersions, partnerPlanHistory } from './plan-store.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Business date, YYYY-MM-DD.' });
const PlanBody = Type.Object(
  { ...planProperties(RuleSchema, HierarchySchema), effective_from: Type.Optional({ ...Day, description: 'First business date the version applies to.' }) },
  { examples: [{ ...PLAN_EXAMPLE, effective_from: '2026-01-01' }] },
);
const VersionView = Type.Object({
  plan_id: Type.String(),
  version: Type.Integer(),
  effective_from: Type.String({ format: 'date' }),
  definition: Type.Unknown({ description: 'The plan as submitted (see CommissionPlan).' }),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.Union([Type.String(), Type.Null()]),
});
const AssignmentView = Type.Object({
  partner_id: Type.String(),
  plan_id: Type.String(),
  effective_from: Type.String({ format: 'date' }),
  effective_to: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  terms: Type.Unknown(),
});
const RunSummaryView = Type.Object({
  run_id: Type.Union([Type.Integer(), Type.Null()]),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  facts: Type.Integer({ description: 'Activity rows recomputed.' }),
  entries_written: Type.Integer({ description: 'Ledger entries appended (0 when the ledger already agreed).' }),
  held_released: Type.Integer({ description: 'Held entries that became payable.' }),
  reversed: Type.Integer({ description: 'Entries reversed because they no longer apply.' }),
});

function day(name: string, value: string): string {
  const parsed = parseDate(value);
  if ('reason' in parsed) throw new AppError(422, 'validation_failed', `${name} ${parsed.reason}.`, [{ field: name, reason: parsed.reason }]);
  return parsed.value;
}

function splitEffective(body: unknown): { plan: unknown; effectiveFrom?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { plan: body };
  const { effective_from, ...plan } = body as Record<string, unknown>;
  if (effective_from === undefined) return { plan };
  return { plan, effectiveFrom: day('effective_from', String(effective_from)) };
}

const documentOnly = () => () => true;

export const commissionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const actor = (r: { caller?: { clientId: string } }) => r.caller?.clientId;

  app.post(
    '/api/v1/plans',
    {
      config: { scope: 'admin', auditsItself: true },
      validatorCompiler: documentOnly,
      schema: {
        tags: ['Plans'],
        summary: 'Create a commission plan',
        description: 'Creates version 1, in force from `effective_from` (the beginning of history when omitted). All amounts, rates and percents are decimal strings.',
        body: PlanBody,
        response: { 201: VersionView, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { plan, effectiveFrom } = splitEffective(request.body);
      const created = await db.transaction(async (tx) => {
        const version = await createPlan(tx, plan, effectiveFrom, actor(request));
        await auditRequest(tx, request, { action: 'plans.create', subject: { type: 'plans', id: version.plan_id }, after: version });
        return version;
      });
      return reply.status(201).send(created);
    },
  );

  app.put(
    '/api/v1/plans/:plan_id',
    {
      config: { scope: 'admin', auditsItself: true },
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : (v: unknown) => typeof v === 'object'),
      schema: {
        tags: ['Plans'],
        summary: 'Add a plan version',
        description:
          'A new version applies to facts dated on or after `effective_from` (required); facts before keep the version in force on their date. A version with the same effective_from as an earlier one replaces it for that period (a plan fix); the next commission run writes exactly the difference.',
        params: Type.Object({ plan_id: Type.String({ maxLength: 100 }) }),
        body: PlanBody,
        response: { 200: VersionView, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { plan, effectiveFrom } = splitEffective(request.body);
      if (!effectiveFrom) throw new AppError(422, 'validation_failed', 'effective_from is required for a new version.', [{ field: 'effective_from', reason: 'is required' }]);
      return db.transaction(async (tx) => {
        // The plan as it stood, so the audit entry shows exactly what the new version changed.
        const before = (await listPlanVersions(tx, request.params.plan_id)).at(-1);
        const version = await addPlanVersion(tx, request.params.plan_id, plan, effectiveFrom, actor(request));
        await auditRequest(tx, request, { action: 'plans.replace', subject: { type: 'plans', id: request.params.plan_id }, before, after: version });
        return version;
      });
    },
  );

  app.get(
    '/api/v1/plans',
    { config: { scope: 'admin' }, schema: { tags: ['Plans'], summary: 'List plans with all their versions', response: { 200: Type.Object({ data: Type.Array(VersionView) }) } } },
    async () => ({ data: await listPlanVersions(db) }),
  );

  app.get(
    '/api/v1/plans/:plan_id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Plans'],
        summary: 'Get a plan: its versions, newest last',
        params: Type.Object({ plan_id: Type.String({ maxLength: 100 }) }),
        response: { 200: Type.Object({ plan_id: Type.String(), versions: Type.Array(VersionView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const versions = await listPlanVersions(db, request.params.plan_id);
      if (!versions.length) throw notFound(`Plan "${request.params.plan_id}"`);
      return { plan_id: request.params.plan_id, versions };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/plan',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Plans'],
        summary: 'Put a partner on a plan from a date',
        description: 'The previous assignment ends on effective_from. `terms` are the partner\'s own per-lot rates and client rebate on top of the plan.',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }) }),
        body: Type.Object(
          { plan_id: Type.String({ minLength: 1, maxLength: 100 }), effective_from: Day, terms: Type.Optional(PartnerTermsSchema) },
          { additionalProperties: false, examples: [{ plan_id: 'std-ib', effective_from: '2026-01-01', terms: { client_rebate: { per_lot: '1' } } }] },
        ),
        response: { 200: Type.Object({ data: Type.Array(AssignmentView) }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const [exists] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [request.params.partner_id]);
      if (!exists) throw notFound(`Partner "${request.params.partner_id}"`);
      const b = request.body;
      const data = await db.transaction(async (tx) => {
        const before = await partnerPlanHistory(tx, request.params.partner_id);
        const after = await assignPlan(tx, { partnerId: request.params.partner_id, planId: b.plan_id, effectiveFrom: day('effective_from', b.effective_from), terms: b.terms, actor: actor(request) });
        await auditRequest(tx, request, { action: 'partners.plan_create', subject: { type: 'partners', id: request.params.partner_id }, before, after });
        return after;
      });
      return { data };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/plan',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Plans'],
        summary: 'A partner\'s plan assignments over time',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }) }),
        response: { 200: Type.Object({ data: Type.Array(AssignmentView) }) },
      },
    },
    async (request) => ({ data: await partnerPlanHistory(db, request.params.partner_id) }),
  );

  const RangeBody = Type.Object({ from: Day, to: Day }, { additionalProperties: false, examples: [{ from: '2026-03-01', to: '2026-03-31' }] });

  app.post(
    '/api/v1/commissions/run',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Commissions'],
        summary: 'Recompute commissions for a date range now',
        description:
          'Recomputes every commission of the whole months covering [from, to] from the current facts and appends the difference to the ledger. Running it again changes nothing. The engine also runs by itself shortly after facts change.',
        body: RangeBody,
        response: { 200: RunSummaryView, 422: ErrorBody },
      },
    },
    async (request) => {
      const from = day('from', request.body.from);
      const to = day('to', request.body.to);
      if (from > to) throw new AppError(422, 'validation_failed', 'from must not be after to.', [{ field: 'from', reason: 'must not be after to' }]);
      const { desired: _, ...summary } = await db.transaction((tx) => computeCommissions(tx, config, { from, to, trigger: `api:${actor(request)}`, now: clock.now().toISOString() }));
      return summary;
    },
  );

  app.post(
    '/api/v1/periods/:period/close',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Commissions'],
        summary: 'Close a month',
        description: 'Settles tiered per-lot pay (tier_adjustment entries) and revenue share with its carry-over for the month, in the broker time zone. Closing again re-settles from current facts and writes only a difference.',
        params: Type.Object({ period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) }),
        response: { 200: Type.Intersect([Type.Object({ period: Type.String() }), RunSummaryView]), 400: ErrorBody },
      },
    },
    async (request) => {
      const period = request.params.period;
      const summary = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING`, [period, actor(request) ?? null]);
        return computeCommissions(tx, config, { from: `${period}-01`, to: `${period}-01`, trigger: `close:${period}`, now: clock.now().toISOString() });
      });
      const { desired: _, ...rest } = summary;
      return { period, ...rest };
    },
  );

  const PeriodParam = Type.Object({ period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', examples: ['2026-03'] }) });
  const PeriodMoney = Type.Object({ currency: Type.String(), amount: Type.String({ description: 'Exact decimal.' }), entries: Type.Integer() });

  app.get(
    '/api/v1/periods',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Commissions'],
        summary: 'Recent months and whether they are closed',
        description:
          'The current month (broker time zone) and the months before it, newest first: open or closed (when and by whom), whether the month has ended, the net commission its ledger holds per currency and its payout runs.',
        querystring: Type.Object({ months: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, default: 12 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            today: Type.String({ format: 'date', description: 'Today in the broker time zone.' }),
            data: Type.Array(
              Type.Object({
                period: Type.String({ examples: ['2026-03'] }),
                status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
                ended: Type.Boolean({ description: 'The month is over; only ended months should be closed.' }),
                closed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
                closed_by: Type.Union([Type.String(), Type.Null()]),
                ledger: Type.Array(PeriodMoney, { description: 'Net commission dated in the month, per currency.' }),
                payout_runs: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const today = businessDate(clock.now().toISOString(), config.brokerTimeZone);
      return { today, data: await listPeriods(db, today, request.query.months ?? 12) };
    },
  );

  app.get(
    '/api/v1/periods/:period/close-preview',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Commissions'],
        summary: 'What closing a month would write',
        description:
          'Does what POST /api/v1/periods/{period}/close does — marks the month closed and recomputes it — in a transaction that is rolled back, and answers what the close would append to the ledger: entries per kind and currency (tier adjustments, revenue share, corrections). Nothing is kept.',
        params: PeriodParam,
        response: {
          200: Type.Object({
            period: Type.String(),
            status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
            facts: Type.Integer({ description: 'Activity rows the close recomputes.' }),
            entries_written: Type.Integer({ description: 'Ledger entries the close would append.' }),
            reversed: Type.Integer(),
            held_released: Type.Integer(),
            settles: Type.Array(Type.Intersect([Type.Object({ kind: Type.String() }), PeriodMoney])),
          }),
        },
      },
    },
    async (request) => previewClose(db, config, request.params.period, clock.now().toISOString()),
  );

  app.post(
    '/api/v1/plans/:plan_id/simulate',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Plans'],
        summary: 'What a plan would have paid',
        description:
          'Applies the plan\'s latest version — or `plan`, an edited version not saved yet — to the stored history of the given partners (default: the partners ever assigned to it) and compares with what they actually earned. Writes nothing. An unsaved `plan` is validated as saving it would be (422 with the same field paths), must name the plan in the path, and may be a plan not created yet (then give `partner_ids`).',
        params: Type.Object({ plan_id: Type.String({ maxLength: 100 }) }),
        body: Type.Object(
          {
            from: Day,
            to: Day,
            partner_ids: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 })),
            plan: Type.Optional(Type.Unknown({ description: 'An unsaved plan document (see CommissionPlan) to simulate instead of the latest stored version.' })),
          },
          {
            additionalProperties: false,
            examples: [
              { from: '2026-01-01', to: '2026-03-31' },
              { from: '2026-01-01', to: '2026-03-31', plan: { plan_id: 'std-ib', name: 'Standard IB', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7' }] }] } },
            ],
          },
        ),
        response: { 200: Type.Unknown(), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const b = request.body;
      return simulatePlan(db, config, { planId: request.params.plan_id, from: day('from', b.from), to: day('to', b.to), partnerIds: b.partner_ids, now: clock.now().toISOString(), draft: b.plan });
    },
  );

  const ProgressStatus = Type.Union([Type.Literal('pending'), Type.Literal('qualified'), Type.Literal('expired'), Type.Literal('not_eligible')]);
  app.get(
    '/api/v1/partners/:partner_id/cpa-progress',
    {
      config: { scope: 'reports:read' },
      schema: {
        tags: ['Commissions'],
        summary: 'Where each client stands against the CPA',
        description:
          'The partner\'s own clients who signed up in the last year, newest first, against the CPA rule of the partner\'s plan on their sign-up day: first deposit, lots and KYC against the minimums, the days left in the qualification window, and the status — `pending` (conditions not all met, window open), `qualified` (with `qualified_at` and the amount; `ledger_status` once the engine wrote it), `expired`, `not_eligible` (`reason`: country_not_paid, kyc_rejected, ftd_below_minimum). Computed by the same maths as the engine. Clients are named by id only. A partner token reaches itself and its subtree.',
        params: Type.Object({ partner_id: Type.String({ maxLength: 200 }) }),
        querystring: Type.Object(
          {
            status: Type.Optional(ProgressStatus),
            page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
            per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            partner_id: Type.String(),
            as_of: Type.String({ format: 'date-time' }),
            counts: Type.Object({ pending: Type.Integer(), qualified: Type.Integer(), expired: Type.Integer(), not_eligible: Type.Integer() }, { description: 'Over every client, before the status filter.' }),
            data: Type.Array(
              Type.Object({
                customer_id: Type.String(),
                signup_date: Type.String(),
                status: ProgressStatus,
                reason: Type.Union([Type.String(), Type.Null()]),
                cpa_amount: Type.String({ description: 'What the CPA pays for this client (its country\'s amount when the plan has one).' }),
                currency: Type.String(),
                qualified_at: Type.Union([Type.String(), Type.Null()]),
                plan_id: Type.String(),
                ledger_status: Type.Union([Type.String(), Type.Null()], { description: 'Status of the CPA entry in the ledger (pending, approved, paid, reversed), null when none.' }),
                ftd_amount: Type.String(),
                min_first_deposit: Type.String(),
                ftd_window_closes_at: Type.Union([Type.String(), Type.Null()]),
                ftd_met: Type.Boolean(),
                lots: Type.String(),
                min_lots: Type.String(),
                lots_met: Type.Boolean(),
                kyc_required: Type.Boolean(),
                kyc_status: Type.String(),
                kyc_met: Type.Boolean(),
                deadline: Type.String(),
                days_left: Type.Integer(),
              }),
            ),
            meta: Type.Object({ total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() }),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      const q = request.query;
      return cpaProgressReport(db, config, partner_id, { now: clock.now(), status: q.status, page: q.page ?? 1, perPage: q.per_page ?? 100 });
    },
  );
};

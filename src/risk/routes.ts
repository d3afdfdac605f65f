import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { auditRequest } from '../audit/http.ts';
import { ErrorBody } from '../http/schemas.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { asOfInstant, decideCase, getCase, listCases, scan, simulate } from './cases.ts';
import { ANY_PROGRAMME, RiskRules, ruleHistory, rulesInForce, saveRules, withDefaults } from './rules.ts';
import { SIGNALS } from './signals.ts';

const Id = Type.String({ maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });
const Programme = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$', description: 'A plan id, or `*` for every programme without rules of its own.', examples: ['*', 'standard-ib'] });

const Signal = Type.Object({
  signal: Type.String({ description: `One of: ${SIGNALS.join(', ')} (docs/risk.md).`, examples: ['hedging'] }),
  score: Type.Integer({ minimum: 0, maximum: 100, description: 'Its part of the case\'s score.' }),
  summary: Type.String(),
  evidence: Type.Unknown({ description: 'What fired: `deals` (with the deal each was matched with), `deal_ids`, `accounts` (other customers and the identifier kinds shared), `identifiers` (kinds, never values), `figures`.' }),
  reverses_cpa: Type.Optional(Type.Boolean()),
  date_from: Type.String({ format: 'date' }),
  date_to: Type.String({ format: 'date' }),
});
const Consequences = Type.Unknown({ description: 'The consequences of the rules that opened the case (see RiskRules.consequences).' });
const CaseView = Type.Object(
  {
    case_id: Type.String(),
    subject_type: Type.Union([Type.Literal('customer'), Type.Literal('partner')]),
    subject_id: Type.String(),
    partner_id: Type.Union([Type.String(), Type.Null()], { description: 'The partner the customer belongs to (or the partner itself).' }),
    status: Type.Union([Type.Literal('open'), Type.Literal('confirmed'), Type.Literal('dismissed')]),
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    signals: Type.Array(Signal),
    excluded_deals: Type.Array(Type.String(), { description: 'Deals a confirmation takes out of pay and tier volume (on_confirm: exclude_lots).' }),
    consequences: Consequences,
    programme: Type.String(),
    rule_version: Type.Integer({ description: 'Version of the programme\'s rules (0: the built-in defaults).' }),
    date_from: Type.String({ format: 'date', description: 'First business date of the evidence: holds apply from here.' }),
    date_to: Type.String({ format: 'date' }),
    opened_at: Type.String(),
    closed_at: Type.Union([Type.String(), Type.Null()]),
    closed_by: Type.Union([Type.String(), Type.Null()]),
    decision_note: Type.Union([Type.String(), Type.Null()]),
  },
  { description: 'A risk case about one customer or one partner.' },
);
const RuleVersionView = Type.Object({ programme: Type.String(), version: Type.Integer(), definition: RiskRules, created_by: Type.String(), created_at: Type.String() });
const Money = Type.Object({ currency: Type.String(), amount: Type.String({ description: 'Decimal string.' }) });
const AsOf = Type.String({ maxLength: 40, description: 'Date (YYYY-MM-DD, its end) or instant the scan looks back from; default now.', examples: ['2026-11-30'] });

export const riskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const now = () => clock.now().toISOString();

  app.get(
    '/api/v1/risk/cases',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Risk'],
        summary: 'List risk cases',
        description: 'Open cases first (highest score first), then closed ones; at most `limit` (200).',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('confirmed'), Type.Literal('dismissed')])),
            subject_type: Type.Optional(Type.Union([Type.Literal('customer'), Type.Literal('partner')])),
            partner_id: Type.Optional(Id),
            subject_id: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(CaseView) }) },
      },
    },
    async (request) => ({ data: await listCases(db, request.query) }),
  );

  app.get(
    '/api/v1/risk/cases/:case_id',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Risk'],
        summary: 'A risk case with its evidence',
        params: Type.Object({ case_id: Type.String({ maxLength: 20, examples: ['12'] }) }),
        response: { 200: CaseView, 404: ErrorBody },
      },
    },
    async (request) => {
      const found = await getCase(db, request.params.case_id);
      if (!found) throw notFound('Risk case');
      return found;
    },
  );

  app.post(
    '/api/v1/risk/cases/:case_id/decision',
    {
      config: { scope: 'payouts:write', auditsItself: true },
      schema: {
        tags: ['Risk'],
        summary: 'Confirm or dismiss an open risk case',
        description:
          'Closes the case. `confirmed`: the consequences configured on confirmation apply (hedged or short deals excluded from pay and tier volume, CPA reversed, or everything reversed), written by the commission engine as corrections. `dismissed`: held commissions are released as if no rule had fired. Payouts blocked by the case are unblocked. Emits `risk.case_closed`; audited. A closed case answers 409.',
        params: Type.Object({ case_id: Type.String({ maxLength: 20 }) }),
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
        body: Type.Object(
          {
            decision: Type.Union([Type.Literal('confirmed'), Type.Literal('dismissed')]),
            note: Type.Optional(Type.String({ maxLength: 2000, pattern: '^[^\\u0000]*$', description: 'Why; kept with the case and in the audit log.' })),
          },
          { additionalProperties: false, examples: [{ decision: 'dismissed', note: 'Two colleagues on the office network; no shared device or payment.' }] },
        ),
        response: { 200: CaseView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) =>
      idempotentWrite(db, request, reply, 200, async (tx) => {
        const { before, after } = await decideCase(tx, request.params.case_id, request.body.decision, {
          actor: request.caller?.clientId ?? 'anonymous',
          note: request.body.note,
          now: now(),
          timeZone: config.brokerTimeZone,
        });
        await auditRequest(tx, request, {
          action: `risk_case.${request.body.decision === 'confirmed' ? 'confirm' : 'dismiss'}`,
          subject: { type: 'risk_case', id: after.case_id },
          before: { status: before.status },
          after: { status: after.status, note: after.decision_note },
        });
        return after;
      }),
  );

  app.post(
    '/api/v1/risk/scan',
    {
      config: { scope: 'payouts:write', auditsItself: true },
      schema: {
        tags: ['Risk'],
        summary: 'Compute the signals now and open cases',
        description: 'What the background risk task does every few minutes: every signal over each programme\'s look-back window, cases opened or updated. Useful after a backfill.',
        body: Type.Optional(Type.Object({ as_of: Type.Optional(AsOf) }, { additionalProperties: false })),
        response: { 200: Type.Object({ opened: Type.Array(CaseView), updated: Type.Integer(), unchanged: Type.Integer() }), 422: ErrorBody },
      },
    },
    async (request) => {
      const at = asOfInstant(request.body?.as_of, now());
      return db.transaction(async (tx) => {
        const result = await scan(tx, { now: at, timeZone: config.brokerTimeZone });
        await auditRequest(tx, request, { action: 'risk.scan', subject: { type: 'risk_scan', id: request.id }, after: { as_of: at, opened: result.opened.length, updated: result.updated } });
        return result;
      });
    },
  );

  app.get(
    '/api/v1/risk/rules',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Risk'],
        summary: 'Risk rules in force, per programme',
        description: 'The latest version of every programme\'s rules (`*` always present: the built-in defaults until a version is stored); with `programme`, that programme\'s history too.',
        querystring: Type.Object({ programme: Type.Optional(Programme) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(RuleVersionView), history: Type.Optional(Type.Array(RuleVersionView)) }) },
      },
    },
    async (request) => {
      const inForce = [...(await rulesInForce(db)).values()].sort((a, b) => (a.programme < b.programme ? -1 : 1));
      return { data: inForce, ...(request.query.programme ? { history: await ruleHistory(db, request.query.programme) } : {}) };
    },
  );

  const RulesBody = Type.Object(
    { programme: Programme, definition: Type.Unknown({ description: 'RiskRules; left-out settings take their defaults.' }) },
    { additionalProperties: false, examples: [{ programme: '*', definition: { hedging: { window_seconds: 60, min_share: 0.3 }, open_threshold: 50 } }] },
  );
  const parseRules = (definition: unknown) => {
    const full = withDefaults(definition);
    const errors = [...Value.Errors(RiskRules, full)].slice(0, 20);
    if (errors.length)
      throw new AppError(422, 'validation_failed', 'The risk rules are not valid.', errors.map((e) => ({ field: `definition${e.instancePath.replace(/\//g, '.')}`, reason: e.message })));
    return full;
  };

  app.post(
    '/api/v1/risk/rules',
    {
      config: { scope: 'payouts:write', auditsItself: true },
      schema: {
        tags: ['Risk'],
        summary: 'Store a new version of a programme\'s risk rules',
        description: 'The version is in force from the next scan; cases already open keep the rules that opened them. Audited.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
        body: RulesBody,
        response: { 201: RuleVersionView, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const definition = parseRules(request.body.definition);
      if (request.body.programme !== ANY_PROGRAMME) {
        const [plan] = await db.query('SELECT 1 FROM plans WHERE plan_id = $1', [request.body.programme]);
        if (!plan) throw new AppError(422, 'unknown_programme', `No plan ${request.body.programme}: a programme is a plan id, or * for all.`, [{ field: 'programme', reason: 'no such plan' }]);
      }
      return idempotentWrite(db, request, reply, 201, async (tx) => {
        const saved = await saveRules(tx, request.body.programme, definition, request.caller?.clientId ?? 'anonymous');
        await auditRequest(tx, request, { action: 'risk_rules.create', subject: { type: 'risk_rules', id: `${saved.programme}@${saved.version}` }, after: saved.definition });
        reply.code(201);
        return saved;
      });
    },
  );

  app.post(
    '/api/v1/risk/simulate',
    {
      config: { scope: 'payouts:write' },
      schema: {
        tags: ['Risk'],
        summary: 'Simulate risk rules on history',
        description: 'The cases these rules would open at `as_of` on the data stored now, and the commissions they would hold (each case\'s customer\'s ledger amounts from its first day, per currency). Nothing is written.',
        body: Type.Object(
          { programme: Type.Optional(Programme), definition: Type.Optional(Type.Unknown({ description: 'RiskRules; default: the programme\'s rules in force.' })), as_of: Type.Optional(AsOf) },
          { additionalProperties: false, examples: [{ programme: '*', definition: { hedging: { window_seconds: 300 } }, as_of: '2026-11-30' }] },
        ),
        response: {
          200: Type.Object({
            as_of: Type.String(),
            cases: Type.Array(Type.Object({ subject_type: Type.String(), subject_id: Type.String(), partner_id: Type.Union([Type.String(), Type.Null()]), score: Type.Integer(), programme: Type.String(), rule_version: Type.Integer(), date_from: Type.String(), date_to: Type.String(), signals: Type.Array(Signal), held: Type.Array(Money) })),
            held: Type.Array(Money, { description: 'Total that would be held, per currency.' }),
          }),
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      const programme = request.body.programme ?? ANY_PROGRAMME;
      const definition = request.body.definition !== undefined ? parseRules(request.body.definition) : ((await rulesInForce(db)).get(programme)?.definition ?? withDefaults({}));
      return simulate(db, programme, definition, { now: asOfInstant(request.body.as_of, now()), timeZone: config.brokerTimeZone });
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notePiiRead } from '../audit/pii-reads.ts';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { assertBrokerCaller, assertPartnerAccess } from '../partners/access.ts';
import { requirePartner } from '../partners/partners.ts';
import { sendCsv } from './csv.ts';
import { customersReport } from './customers-report.ts';
import { earningsEntries, earningsReport, GROUPS } from './earnings.ts';
import { linksReport } from './funnel.ts';
import { METRICS, type Metric } from './kpis.ts';
import { overviewReport } from './overview.ts';
import { period } from './period.ts';
import { type SubtreeSort, subtreeReport, summaryReport, timeseriesReport } from './reports.ts';
import { CustomersResponse, LinksResponse, MetricSchema, OverviewResponse, PartnerParams, PeriodQuery, SubtreeResponse, SubtreeSortSchema, SummaryResponse, TimeseriesResponse } from './schemas.ts';
import { streamRoute } from './stream.ts';

const CSV = ' Add `format=csv` for the same rows as CSV.';
const errors = { 400: ErrorBody, 404: ErrorBody };
const scoped = { scope: 'reports:read' as const };

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const periodOf = (q: { from?: string; to?: string }) => period(q, clock.now(), config.brokerTimeZone);
  const visible = async (caller: Parameters<typeof assertPartnerAccess>[1], id: string) => {
    await assertPartnerAccess(db, caller, id);
    await requirePartner(db, id);
  };

  app.get('/api/v1/reports/partners/:id/summary', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'A partner\'s KPIs with the previous period',
      description: `Clicks, registrations, first deposits, deposits, withdrawals, lots, notional and commission by status over [from, to], for the partner alone and with its subtree, beside the period of the same length before it. From the rollups: fresh within about a second of the facts.${CSV}`,
      params: PartnerParams, querystring: Type.Object(PeriodQuery, { additionalProperties: false }),
      response: { 200: SummaryResponse, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const { from, to } = periodOf(request.query);
    const report = await summaryReport(db, id, from, to);
    if (request.query.format !== 'csv') return report;
    sendCsv(reply, `summary-${id}`, METRICS.map((m) => ({
      metric: m, own: report.own[m], subtree: report.subtree[m], previous: report.change[m].previous, delta: report.change[m].delta, percent: report.change[m].percent,
    })));
    return reply;
  });

  app.get('/api/v1/reports/partners/:id/timeseries', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'One KPI over time',
      description: `A KPI per day, week (Monday first) or month over [from, to], for the subtree (default) or the partner alone. Empty buckets are 0.${CSV}`,
      params: PartnerParams,
      querystring: Type.Object({
        ...PeriodQuery,
        metric: Type.Optional({ ...MetricSchema, default: 'net_deposits' }),
        interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day', description: 'Bucket size.' })),
        scope: Type.Optional(Type.Union([Type.Literal('subtree'), Type.Literal('own')], { default: 'subtree', description: 'own: the partner\'s own clients only.' })),
      }, { additionalProperties: false }),
      response: { 200: TimeseriesResponse, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const { from, to } = periodOf(request.query);
    const q = request.query;
    const report = await timeseriesReport(db, id, (q.metric ?? 'net_deposits') as Metric, q.interval ?? 'day', from, to, q.scope ?? 'subtree');
    if (q.format !== 'csv') return report;
    sendCsv(reply, `timeseries-${id}-${report.metric}`, report.points);
    return reply;
  });

  app.get('/api/v1/reports/partners/:id/customers', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'A partner\'s clients',
      description: `Clients of the partner and its subtree (current owner) who signed up in [from, to], newest first, with status, first deposit, lifetime deposits, lots and the commission earned on them. Name and email are masked when the caller is a partner looking at a sub-IB's client.${CSV}`,
      params: PartnerParams,
      querystring: Type.Object({
        ...PeriodQuery,
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
        per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: CustomersResponse, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const { from, to } = period({ from: request.query.from ?? '1970-01-01', to: request.query.to }, clock.now(), config.brokerTimeZone, 100_000);
    const report = await customersReport(db, id, { from, to, page: request.query.page ?? 1, perPage: request.query.per_page ?? 100, viewer: request.caller?.partnerId });
    notePiiRead(request, report.data.filter((c) => !c.pii_masked).map((c) => c.customer_id), { type: 'partner_customers', id });
    if (request.query.format !== 'csv') return report;
    sendCsv(reply, `customers-${id}`, report.data);
    return reply;
  });

  app.get('/api/v1/reports/partners/:id/subtree', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'Every sub-IB with its numbers',
      description: `The partner and each partner below it, with its own KPIs and its subtree's over [from, to], a page at a time (\`meta.total\` counts them all). \`max_depth=1\` gives the partner and its direct sub-IBs — call it again for a sub-IB to expand it; \`sort=subtree.net_deposits\` (any KPI) gives the top of the team first.${CSV} The CSV holds every row, not one page.`,
      params: PartnerParams,
      querystring: Type.Object({
        ...PeriodQuery,
        max_depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Only partners at most this many levels below (0: the partner alone).' })),
        sort: Type.Optional(SubtreeSortSchema),
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
        per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: SubtreeResponse, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const q = request.query;
    const { from, to } = periodOf(q);
    const csv = q.format === 'csv';
    const report = await subtreeReport(db, id, {
      from, to, maxDepth: q.max_depth, sort: (q.sort ?? 'tree') as SubtreeSort,
      page: csv ? undefined : { page: q.page ?? 1, perPage: q.per_page ?? 100 },
    });
    if (!csv) return report;
    sendCsv(reply, `subtree-${id}`, report.data);
    return reply;
  });

  app.get('/api/v1/reports/partners/:id/links', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'Link and campaign funnel',
      description: `Clicks → registrations → first deposits per link and campaign of the partner and its subtree over [from, to].${CSV}`,
      params: PartnerParams, querystring: Type.Object(PeriodQuery, { additionalProperties: false }),
      response: { 200: LinksResponse, ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const { from, to } = periodOf(request.query);
    const report = await linksReport(db, id, from, to);
    if (request.query.format !== 'csv') return report;
    sendCsv(reply, `links-${id}`, report.data);
    return reply;
  });

  const StatusFilter = Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('paid'), Type.Literal('reversed')], {
      description: 'Only entries in this status. Without it, every entry that still counts: all but reversed ones (a reversed entry and its reversal net to zero).',
    }),
  );
  const Money = Type.String({ description: 'Exact decimal, full precision (statements round).', examples: ['556.465'] });
  const GroupRow = Type.Object({ key: Type.Union([Type.String(), Type.Null()], { description: 'The month (YYYY-MM), kind, level, customer_id or instrument; null when entries have none (e.g. month-level pay has no single client).' }), currency: Type.String(), amount: Money, entries: Type.Integer() });
  const EarningsEntryView = Type.Object({
    entry_id: Type.String({ format: 'uuid' }), currency: Type.String(), amount: Money, kind: Type.String(), level: Type.Integer(), status: Type.String(),
    hold_reason: Type.Union([Type.String(), Type.Null()]), source_type: Type.String(), source_key: Type.String(), fact_date: Type.String({ format: 'date' }),
    customer_id: Type.Union([Type.String(), Type.Null()]), instrument: Type.Union([Type.String(), Type.Null()]), plan_id: Type.Union([Type.String(), Type.Null()]), plan_version: Type.Union([Type.Integer(), Type.Null()]),
  });

  app.get('/api/v1/reports/partners/:id/earnings', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'A partner\'s earnings, grouped',
      description: 'The commission credited to the partner itself (on its own clients, and as overrides on its sub-IBs\' clients) with a fact date in [from, to]: totals per currency with their status split, and the same entries grouped by month (newest first), kind, level, client and instrument (largest first; clients and instruments the top 100). From the ledger, exact. A partner reaches itself and its subtree.',
      params: PartnerParams,
      querystring: Type.Object({ from: PeriodQuery.from, to: PeriodQuery.to, status: StatusFilter }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          partner_id: Type.String(), from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }), status: Type.Union([Type.String(), Type.Null()]),
          totals: Type.Array(Type.Object({ currency: Type.String(), amount: Money, entries: Type.Integer(), by_status: Type.Record(Type.String(), Money) })),
          groups: Type.Object(Object.fromEntries(GROUPS.map((g) => [g, Type.Array(GroupRow)])) as Record<(typeof GROUPS)[number], ReturnType<typeof Type.Array<typeof GroupRow>>>),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const { from, to } = periodOf(request.query);
    return earningsReport(db, id, { from, to, status: request.query.status });
  });

  app.get('/api/v1/reports/partners/:id/earnings/entries', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'The entries behind a partner\'s earnings',
      description: `The partner's ledger entries with a fact date in [from, to], newest first, optionally of one month, kind, level, client or instrument (a group of GET …/earnings). Explain one with GET /api/v1/partners/{id}/ledger/{entry_id}/explain. \`format=csv\` answers every matching entry (up to 100,000) with exact amounts.`,
      params: PartnerParams,
      querystring: Type.Object({
        ...PeriodQuery,
        status: StatusFilter,
        month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'Only this month (YYYY-MM).' })),
        kind: Type.Optional(Type.String({ maxLength: 50 })),
        level: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
        customer_id: Type.Optional(Type.String({ maxLength: 500 })),
        instrument: Type.Optional(Type.String({ maxLength: 100 })),
        page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
        per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(EarningsEntryView), meta: Type.Object({ total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() }) }), ...errors },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await visible(request.caller, id);
    const q = request.query;
    const { from, to } = periodOf(q);
    const filter = { from, to, status: q.status, month: q.month, kind: q.kind, level: q.level, customer_id: q.customer_id, instrument: q.instrument };
    if (q.format === 'csv') {
      const { data } = await earningsEntries(db, id, filter, { limit: 100_000, offset: 0 });
      sendCsv(reply, `earnings-${id}-${from}-${to}`, data as unknown as Record<string, unknown>[]);
      return reply;
    }
    const page = q.page ?? 1;
    const perPage = q.per_page ?? 50;
    const { data, total } = await earningsEntries(db, id, filter, { limit: perPage, offset: (page - 1) * perPage });
    return { data, meta: { total, page, per_page: perPage } };
  });

  app.get('/api/v1/reports/overview', {
    config: scoped,
    schema: {
      tags: ['Reports'], summary: 'The broker\'s overview',
      description: `Totals and conversion funnel over [from, to], the top partners by a KPI, and value and acquisition cost per acquisition channel and campaign. Broker staff only: partner tokens get 403. CSV: \`section\` picks channels (default), top_partners or totals.`,
      querystring: Type.Object({
        ...PeriodQuery,
        sort: Type.Optional({ ...MetricSchema, default: 'net_deposits', description: 'KPI that ranks the top partners.' }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'How many top partners.' })),
        section: Type.Optional(Type.Union([Type.Literal('channels'), Type.Literal('top_partners'), Type.Literal('totals')], { default: 'channels', description: 'With format=csv: which part.' })),
      }, { additionalProperties: false }),
      response: { 200: OverviewResponse, 400: ErrorBody, 403: ErrorBody },
    },
  }, async (request, reply) => {
    assertBrokerCaller(request.caller, 'read the overview of all partners');
    const q = request.query;
    const { from, to } = periodOf(q);
    const report = await overviewReport(db, from, to, (q.sort ?? 'net_deposits') as Metric, q.limit ?? 20);
    if (q.format !== 'csv') return report;
    const section = q.section ?? 'channels';
    const rows = section === 'totals' ? METRICS.map((m) => ({ metric: m, value: report.totals[m] })) : report[section];
    sendCsv(reply, `overview-${section}`, rows as Record<string, unknown>[]);
    return reply;
  });

  await app.register(streamRoute);
};
